-- Each project's recycle bin policy; a project without a row has none.
CREATE TABLE IF NOT EXISTS recycle_policies (
    project_id     TEXT PRIMARY KEY,
    enabled        BOOLEAN NOT NULL,
    retention_days INTEGER NOT NULL
);
