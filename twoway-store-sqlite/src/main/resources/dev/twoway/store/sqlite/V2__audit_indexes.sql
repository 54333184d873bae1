-- Indexes for audit queries: a record's history and a sync's trail.
CREATE INDEX audit_by_record ON audit (record_id, seq) WHERE record_id IS NOT NULL;
CREATE INDEX audit_by_sync ON audit (sync, seq);
