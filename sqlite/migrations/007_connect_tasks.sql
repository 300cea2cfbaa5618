-- Smart Connect (replication) tasks: the task's settings as JSON, read and
-- written whole, beside the columns its worker changes.
CREATE TABLE connect_tasks (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    data        TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    duplicates  INTEGER NOT NULL DEFAULT 0,
    created_ms  INTEGER NOT NULL,
    UNIQUE (instance_id, name)
);

-- Where each direction (flow) of a task continues reading each source
-- partition, written only once the target acknowledged what precedes it.
CREATE TABLE connect_offsets (
    task_id   TEXT NOT NULL REFERENCES connect_tasks (id) ON DELETE CASCADE,
    flow      TEXT NOT NULL,
    topic     TEXT NOT NULL,
    partition_id INTEGER NOT NULL,
    next_offset  INTEGER NOT NULL,
    PRIMARY KEY (task_id, flow, topic, partition_id)
);

-- Records a flow of a task sent to its target and has not seen acknowledged:
-- after a crash they may be on the target twice, and are added to the task's
-- duplicates when its worker starts again.
CREATE TABLE connect_batches (
    task_id  TEXT NOT NULL REFERENCES connect_tasks (id) ON DELETE CASCADE,
    flow     TEXT NOT NULL,
    inflight INTEGER NOT NULL,
    PRIMARY KEY (task_id, flow)
);
