-- Message backlog diagnosis reports; an instance's go with it.
CREATE TABLE diagnosis_reports (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    group_name  TEXT NOT NULL,
    topic_name  TEXT NOT NULL,
    status      TEXT NOT NULL,
    begin_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL DEFAULT 0,
    accumulated INTEGER NOT NULL DEFAULT 0,
    dimensions  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX diagnosis_reports_instance ON diagnosis_reports (instance_id, begin_ms, seq);
