CREATE TABLE instances (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    -- The instance's settings as JSON: they are read and written whole.
    data       JSONB NOT NULL,
    -- Kept with every insert and delete of a task so that an unfiltered
    -- task list does not count rows.
    task_count BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL
);
CREATE INDEX instances_project ON instances (project_id, created_ms);

CREATE TABLE tasks (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    params      TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    steps       JSONB NOT NULL DEFAULT '[]',
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL
);
CREATE INDEX tasks_instance_created ON tasks (instance_id, created_ms, seq);
-- At most one unfinished task per instance: the database, not the caller,
-- refuses a second one, whichever replica asks.
CREATE UNIQUE INDEX tasks_one_unfinished ON tasks (instance_id) WHERE status IN ('CREATED', 'EXECUTING');

CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY);
