package dev.twoway.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Value;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Reads columns into canonical values, binds canonical values to parameters, checks that a value fits its column
 * before it is written, and encodes primary keys as {@link NativeKey}s.
 *
 * <p>Native keys: a one-column key is the key's text ({@code 42}, {@code ab-1}); a composite key is a JSON array of
 * the columns' texts ({@code ["42","eu"]}). Trigger capture writes the same text from inside the database.
 */
public final class ValueCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Dialect dialect;
    private final ZoneId zone;

    /** @param zone the zone of timestamps without zone (UTC by default) */
    public ValueCodec(Dialect dialect, ZoneId zone) {
        this.dialect = dialect;
        this.zone = zone == null ? ZoneOffset.UTC : zone;
    }

    // ---- reading ---------------------------------------------------------------------------------------------

    public Value read(ResultSet rs, int index, Column col) throws SQLException {
        if (dialect instanceof Dialect.Sqlite) return readSqlite(rs, index, col);
        Value v = switch (col.kind()) {
            case INTEGER -> {
                long l = rs.getLong(index);
                yield rs.wasNull() ? Value.NULL : Value.integer(l);
            }
            case DECIMAL -> Value.of(rs.getBigDecimal(index));
            case FLOAT -> {
                double d = rs.getDouble(index);
                yield rs.wasNull() ? Value.NULL : new Value.Dec(new BigDecimal(Double.toString(d)));
            }
            case BOOLEAN -> {
                boolean b = rs.getBoolean(index);
                yield rs.wasNull() ? Value.NULL : Value.of(b);
            }
            case TEXT, ENUM, UUID -> Value.of(rs.getString(index));
            case CHAR -> {
                String s = rs.getString(index);
                yield s == null ? Value.NULL : Value.str(s.stripTrailing());
            }
            case TIME -> {
                String s = rs.getString(index);
                yield s == null ? Value.NULL : Value.str(s);
            }
            case DATE -> Value.of(rs.getObject(index, LocalDate.class));
            case TIMESTAMP -> {
                LocalDateTime t = rs.getObject(index, LocalDateTime.class);
                yield t == null ? Value.NULL : new Value.Timestamp(t.atZone(zone).toInstant());
            }
            case TIMESTAMPTZ -> {
                OffsetDateTime t = rs.getObject(index, OffsetDateTime.class);
                yield t == null ? Value.NULL : new Value.Timestamp(t.toInstant());
            }
            case JSON -> {
                String s = rs.getString(index);
                yield s == null ? Value.NULL : Value.Json.parse(s);
            }
            case BYTES -> {
                byte[] b = rs.getBytes(index);
                yield b == null ? Value.NULL : new Value.Bytes(b);
            }
        };
        return v == null ? Value.NULL : v;
    }

    /** SQLite stores what it is given (type affinity, not types): read by the stored value's type. */
    private Value readSqlite(ResultSet rs, int index, Column col) throws SQLException {
        Object raw = rs.getObject(index);
        if (raw == null) return Value.NULL;
        try {
            return switch (col.kind()) {
                case INTEGER -> raw instanceof Number n ? Value.integer(n.longValue()) : Value.integer(Long.parseLong(raw.toString().trim()));
                case DECIMAL, FLOAT -> switch (raw) {
                    case Integer i -> new Value.Dec(BigDecimal.valueOf(i));
                    case Long l -> new Value.Dec(BigDecimal.valueOf(l));
                    case Double d -> new Value.Dec(new BigDecimal(Double.toString(d)));
                    default -> new Value.Dec(new BigDecimal(raw.toString().trim()));
                };
                case BOOLEAN -> raw instanceof Number n ? Value.of(n.longValue() != 0)
                        : Value.of(raw.toString().equalsIgnoreCase("true") || raw.toString().equals("1"));
                case DATE -> Value.of(LocalDate.parse(raw.toString().substring(0, 10)));
                case TIMESTAMP, TIMESTAMPTZ -> new Value.Timestamp(parseSqliteTime(raw));
                case JSON -> Value.Json.parse(raw.toString());
                case BYTES -> raw instanceof byte[] b ? new Value.Bytes(b) : new Value.Bytes(raw.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                case CHAR -> Value.str(raw.toString().stripTrailing());
                default -> Value.str(raw instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : raw.toString());
            };
        } catch (RuntimeException e) {
            // SQLite stores anything anywhere ('lots' in an INTEGER column). Pass the text on as it is: the field
            // mapping, or the target's column check, refuses it for this record with the value in the message,
            // and every other row keeps syncing.
            return Value.str(raw instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : raw.toString());
        }
    }

    private Instant parseSqliteTime(Object raw) {
        if (raw instanceof Number n) return Instant.ofEpochMilli(n.longValue());
        String s = raw.toString().trim().replace(' ', 'T');
        if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:\\d\\d$")) return OffsetDateTime.parse(s).toInstant();
        return LocalDateTime.parse(s).atZone(zone).toInstant();
    }

    // ---- writing ---------------------------------------------------------------------------------------------

    /**
     * Why {@code value} does not fit {@code col}, or {@code null} when it fits. Checked before every write, so
     * nothing is ever truncated or rounded by the database (SQLite would store anything; MariaDB outside strict mode
     * would truncate).
     */
    public String misfit(Column col, Value value) {
        if (value.isNull()) return col.nullable() || col.generated() ? null : "column \"" + col.name() + "\" does not accept NULL";
        return switch (col.kind()) {
            case TEXT, CHAR -> value instanceof Value.Str s && col.maxLength() != null && s.value().codePointCount(0, s.value().length()) > col.maxLength()
                    ? "column \"" + col.name() + "\" (" + col.typeName() + ") holds at most " + col.maxLength() + " characters; the value has "
                    + s.value().codePointCount(0, s.value().length()) + ": '" + abbreviate(s.value()) + "' (widen the column, or shorten the value at its source)"
                    : value instanceof Value.Str s && s.value().indexOf('\0') >= 0 && !(dialect instanceof Dialect.Sqlite)
                    ? "column \"" + col.name() + "\" cannot hold the NUL character (" + dialect.name() + " text does not allow it)" : null;
            case INTEGER -> value instanceof Value.Str s && !s.value().matches("-?\\d{1,18}")
                    ? "column \"" + col.name() + "\" (" + col.typeName() + ") holds integers; the value '" + abbreviate(s.value()) + "' is not one"
                    : value instanceof Value.Int i && ((col.min() != null && i.value() < col.min()) || (col.max() != null && i.value() > col.max()))
                    ? "column \"" + col.name() + "\" (" + col.typeName() + ") holds " + col.min() + ".." + col.max() + "; the value is " + i.value()
                    + " (widen the column)" : null;
            case DECIMAL -> value instanceof Value.Dec d ? decimalMisfit(col, d.value())
                    : value instanceof Value.Str s && !s.value().matches("-?\\d+(\\.\\d+)?")
                    ? "column \"" + col.name() + "\" (" + col.typeName() + ") holds numbers; the value '" + abbreviate(s.value()) + "' is not one" : null;
            case ENUM -> value instanceof Value.Str s && !col.enumValues().contains(s.value())
                    ? "column \"" + col.name() + "\" (" + col.typeName() + ") accepts " + col.enumValues() + "; the value is '" + abbreviate(s.value())
                    + "' (add the label to the enum, or map the value)" : null;
            case UUID -> {
                if (!(value instanceof Value.Str s)) yield null;
                try {
                    UUID.fromString(s.value());
                    yield null;
                } catch (IllegalArgumentException e) {
                    yield "column \"" + col.name() + "\" (uuid) cannot hold '" + abbreviate(s.value()) + "': not a UUID";
                }
            }
            case TIMESTAMP, TIMESTAMPTZ -> value instanceof Value.Timestamp t && col.fractionDigits() != null && !fits(t.value(), col.fractionDigits())
                    ? "column \"" + col.name() + "\" (" + col.typeName() + ") keeps " + col.fractionDigits() + " digits of fractional seconds; the value "
                    + t.value() + " has more (declare the column with more precision, e.g. " + (dialect instanceof Dialect.MariaDb ? "DATETIME(6)" : "timestamp(6)")
                    + ")" : null;
            case BYTES -> value instanceof Value.Bytes b && col.maxLength() != null && b.length() > col.maxLength()
                    ? "column \"" + col.name() + "\" (" + col.typeName() + ") holds at most " + col.maxLength() + " bytes; the value has " + b.length() : null;
            default -> null;
        };
    }

    private static boolean fits(Instant t, int digits) {
        long nanos = t.getNano();
        long unit = (long) Math.pow(10, 9 - Math.min(9, digits));
        return nanos % unit == 0;
    }

    private static String decimalMisfit(Column col, BigDecimal d) {
        if (col.precision() == null) return null;
        BigDecimal n = d.stripTrailingZeros();
        int scale = Math.max(0, n.scale());
        int intDigits = Math.max(0, n.precision() - n.scale());
        int maxScale = col.scale() == null ? 0 : col.scale();
        if (scale > maxScale) {
            return "column \"" + col.name() + "\" (" + col.typeName() + ") keeps " + maxScale + " digits after the point; the value "
                    + d.toPlainString() + " has " + scale + " (it would be rounded)";
        }
        if (intDigits > col.precision() - maxScale) {
            return "column \"" + col.name() + "\" (" + col.typeName() + ") holds at most " + (col.precision() - maxScale)
                    + " digits before the point; the value " + d.toPlainString() + " has " + intDigits;
        }
        return null;
    }

    /** Binds a canonical value to a parameter of {@code col}'s type. */
    public void bind(PreparedStatement ps, int index, Column col, Value value) throws SQLException {
        if (value.isNull()) {
            ps.setNull(index, dialect instanceof Dialect.Postgres && needsOther(col) ? Types.OTHER : sqlType(col));
            return;
        }
        boolean pg = dialect instanceof Dialect.Postgres;
        switch (value) {
            case Value.Str s -> {
                if (pg && needsOther(col)) ps.setObject(index, s.value(), Types.OTHER);
                else if (col.kind() == SqlKind.INTEGER) ps.setLong(index, Long.parseLong(s.value()));
                else ps.setString(index, s.value());
            }
            case Value.Int i -> {
                if (col.kind() == SqlKind.BOOLEAN) ps.setBoolean(index, i.value() != 0);
                else if (col.kind() == SqlKind.DECIMAL || col.kind() == SqlKind.FLOAT) ps.setBigDecimal(index, BigDecimal.valueOf(i.value()));
                else if (col.kind() == SqlKind.TEXT || col.kind() == SqlKind.CHAR) ps.setString(index, Long.toString(i.value()));
                else ps.setLong(index, i.value());
            }
            case Value.Dec d -> {
                if (dialect instanceof Dialect.Sqlite && col.kind() == SqlKind.DECIMAL) ps.setString(index, d.value().toPlainString());
                else ps.setBigDecimal(index, d.value());
            }
            case Value.Bool b -> {
                if (dialect instanceof Dialect.Sqlite || col.kind() == SqlKind.INTEGER) ps.setInt(index, b.value() ? 1 : 0);
                else ps.setBoolean(index, b.value());
            }
            case Value.Date d -> {
                if (dialect instanceof Dialect.Sqlite) ps.setString(index, d.value().toString());
                else ps.setObject(index, d.value());
            }
            case Value.Timestamp t -> {
                if (dialect instanceof Dialect.Sqlite) ps.setString(index, col.kind() == SqlKind.TIMESTAMPTZ ? t.value().toString()
                        : LocalDateTime.ofInstant(t.value(), zone).toString());
                else if (col.kind() == SqlKind.TIMESTAMPTZ) ps.setObject(index, t.value().atOffset(ZoneOffset.UTC));
                else ps.setObject(index, LocalDateTime.ofInstant(t.value(), zone));
            }
            case Value.Json j -> {
                if (pg) ps.setObject(index, j.canonicalText(), Types.OTHER);
                else ps.setString(index, j.canonicalText());
            }
            case Value.Bytes b -> ps.setBytes(index, b.value());
            case Value.Null n -> ps.setNull(index, sqlType(col));
        }
    }


    private static boolean needsOther(Column col) {
        return switch (col.kind()) {
            case ENUM, UUID, JSON, TIME -> true;
            default -> false;
        };
    }

    private static int sqlType(Column col) {
        return switch (col.kind()) {
            case INTEGER -> Types.BIGINT;
            case DECIMAL, FLOAT -> Types.DECIMAL;
            case BOOLEAN -> Types.BOOLEAN;
            case DATE -> Types.DATE;
            case TIMESTAMP -> Types.TIMESTAMP;
            case TIMESTAMPTZ -> Types.TIMESTAMP_WITH_TIMEZONE;
            case BYTES -> Types.VARBINARY;
            default -> Types.VARCHAR;
        };
    }

    // ---- keys ------------------------------------------------------------------------------------------------

    public static NativeKey encodeKey(List<Value> parts) {
        if (parts.size() == 1) return new NativeKey(keyText(parts.getFirst()));
        ArrayNode a = JSON.createArrayNode();
        for (Value v : parts) a.add(keyText(v));
        return new NativeKey(a.toString());
    }

    /** Re-encodes a key text written by a trigger (composite keys: a JSON array with the database's spacing). */
    public static NativeKey normalizeKeyText(String text, int columns) {
        if (columns == 1) return new NativeKey(text);
        List<String> parts = splitKey(new NativeKey(text), columns);
        ArrayNode a = JSON.createArrayNode();
        parts.forEach(a::add);
        return new NativeKey(a.toString());
    }

    static String keyText(Value v) {
        return switch (v) {
            case Value.Str s -> s.value();
            case Value.Int i -> Long.toString(i.value());
            case Value.Dec d -> d.value().toPlainString();
            case Value.Bytes b -> HexFormat.of().formatHex(b.value());
            case Value.Null n -> throw new IllegalArgumentException("a key column is NULL");
            default -> v.display();
        };
    }

    public static List<String> splitKey(NativeKey key, int columns) {
        if (columns == 1) return List.of(key.value());
        try {
            JsonNode n = JSON.readTree(key.value());
            if (!n.isArray() || n.size() != columns) throw new IllegalArgumentException();
            List<String> out = new ArrayList<>();
            for (JsonNode p : n) out.add(p.isNull() ? null : p.asText());
            return out;
        } catch (Exception e) {
            throw new IllegalArgumentException("native key " + key + " is not a JSON array of " + columns + " key parts");
        }
    }

    /** The key's parts as values of the key columns' types, for binding. */
    public List<Value> decodeKey(NativeKey key, List<Column> keyColumns) {
        List<String> parts = splitKey(key, keyColumns.size());
        List<Value> out = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            Column c = keyColumns.get(i);
            String p = parts.get(i);
            out.add(switch (c.kind().canonical()) {
                case INTEGER -> Value.integer(Long.parseLong(p));
                case DECIMAL -> new Value.Dec(new BigDecimal(p));
                case DATE -> Value.of(LocalDate.parse(p));
                case BYTES -> new Value.Bytes(HexFormat.of().parseHex(p));
                default -> Value.str(p);
            });
        }
        return out;
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "…";
    }

}
