package dev.twoway.mapping;

import dev.twoway.model.Row;

/** Decides whether a canonical record takes part in an endpoint (e.g. only active customers go to the ERP). */
@FunctionalInterface
public interface RecordFilter {
    RecordFilter ALL = record -> true;

    boolean accepts(Row canonical);
}
