package dev.twoway.expr;

import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;

/** The type of a variable or of a result an expression is compiled against. */
public enum VarType {
    STRING(SimpleType.STRING), INT(SimpleType.INT), DOUBLE(SimpleType.DOUBLE), BOOL(SimpleType.BOOL),
    BYTES(SimpleType.BYTES), TIMESTAMP(SimpleType.TIMESTAMP), DYN(SimpleType.DYN),
    /** A record or row: field names to values of any type ({@code record.email}, {@code has(record.phone)}). */
    MAP(MapType.create(SimpleType.STRING, SimpleType.DYN));

    final CelType cel;

    VarType(CelType cel) {
        this.cel = cel;
    }
}
