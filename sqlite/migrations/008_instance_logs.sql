-- Instances' logs, one of each type per instance (the rebalance log, the
-- brokers' own lines), and what they collected; an instance's go with it,
-- and a log's entries with the log. replica is the one that collects it.
CREATE TABLE instance_logs (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    log_type    TEXT NOT NULL,
    status      TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    replica     TEXT NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    UNIQUE (instance_id, log_type)
);
CREATE INDEX instance_logs_status ON instance_logs (status);

CREATE TABLE instance_log_entries (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    log_id TEXT NOT NULL REFERENCES instance_logs (id) ON DELETE CASCADE,
    at_ms  INTEGER NOT NULL,
    entry  TEXT NOT NULL
);
CREATE INDEX instance_log_entries_log ON instance_log_entries (log_id, seq);
