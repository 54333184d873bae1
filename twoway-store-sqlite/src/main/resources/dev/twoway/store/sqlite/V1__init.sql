-- twoway embedded state store, schema version 1.
-- One row per record (its state as JSON), the link index kept in step with the states' shadows,
-- the outbox, capture checkpoints, conflicts, dead letters, the hash-chained audit trail and metadata.
CREATE TABLE records (
  sync       TEXT NOT NULL,
  record_id  TEXT NOT NULL,
  state      TEXT NOT NULL,
  match_key  TEXT,
  PRIMARY KEY (sync, record_id)
) WITHOUT ROWID;
CREATE INDEX records_by_match_key ON records (sync, match_key) WHERE match_key IS NOT NULL;

CREATE TABLE links (
  sync       TEXT NOT NULL,
  endpoint   TEXT NOT NULL,
  native_key TEXT NOT NULL,
  record_id  TEXT NOT NULL,
  PRIMARY KEY (sync, endpoint, native_key)
) WITHOUT ROWID;
CREATE INDEX links_by_record ON links (sync, record_id);

CREATE TABLE outbox (
  sync       TEXT NOT NULL,
  target     TEXT NOT NULL,
  record_id  TEXT NOT NULL,
  version    INTEGER NOT NULL,
  attempts   INTEGER NOT NULL,
  due_at     INTEGER NOT NULL,   -- epoch microseconds
  last_error TEXT,
  PRIMARY KEY (sync, target, record_id)
) WITHOUT ROWID;
CREATE INDEX outbox_by_due ON outbox (sync, target, due_at, record_id);

CREATE TABLE checkpoints (
  sync     TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  position TEXT NOT NULL,
  PRIMARY KEY (sync, endpoint)
) WITHOUT ROWID;

CREATE TABLE conflicts (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  sync        TEXT NOT NULL,
  record_id   TEXT NOT NULL,
  field       TEXT NOT NULL,
  kind        TEXT NOT NULL,
  candidates  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  status      TEXT NOT NULL,
  resolution  TEXT,
  resolved_at TEXT
);
CREATE INDEX conflicts_open ON conflicts (sync, status, record_id);

CREATE TABLE dead_letters (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  sync       TEXT NOT NULL,
  target     TEXT NOT NULL,
  record_id  TEXT NOT NULL,
  error      TEXT NOT NULL,
  attempts   INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (sync, target, record_id)
);

CREATE TABLE audit (
  seq       INTEGER PRIMARY KEY,
  time      TEXT NOT NULL,
  sync      TEXT,
  record_id TEXT,
  system    TEXT,
  actor     TEXT,
  action    TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
