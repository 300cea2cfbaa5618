-- Task records take fewer bytes (issue 14): a task refers to its instance by
-- the instance's number (seq, a few bytes) instead of its 36-character id, in
-- the row and in every index entry; the project is the instance's, so it is
-- no longer repeated; ids of 32 lowercase hexadecimal digits (task ids, and
-- the user ids that have that form) are stored as their 16 bytes, any other
-- as its text; and the indexes no longer list seq, which as the rowid ends
-- every entry anyway and so still orders the ties of created_ms. The driver
-- turns the stored form back into the text ids it was given.
--
-- instances.seq is an explicit column rather than the instances' rowid, which
-- VACUUM may renumber. Existing instances are numbered by their rowid; the
-- driver numbers each new one after the highest.
ALTER TABLE instances ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE instances SET seq = rowid;
CREATE UNIQUE INDEX instances_seq ON instances (seq);

CREATE TABLE tasks_009 (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           BLOB NOT NULL UNIQUE,
    instance_seq INTEGER NOT NULL REFERENCES instances (seq) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    user_id      BLOB NOT NULL,
    user_name    TEXT NOT NULL,
    params       TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    steps        TEXT NOT NULL DEFAULT '[]',
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    execute_ms   INTEGER NOT NULL DEFAULT 0,
    job_id       INTEGER NOT NULL DEFAULT 0
);
-- Every task has its instance: the foreign key of tasks.instance_id, with
-- foreign keys always on, deleted a task with its instance. The seq of each
-- task is kept, and so is the highest ever given.
INSERT INTO tasks_009 (seq, id, instance_seq, name, user_id, user_name, params, status, reason, steps, created_ms, updated_ms, execute_ms, job_id)
SELECT t.seq,
    CASE WHEN length(t.id) = 32 AND t.id = lower(t.id) AND unhex(t.id) IS NOT NULL THEN unhex(t.id) ELSE t.id END,
    i.seq, t.name,
    CASE WHEN length(t.user_id) = 32 AND t.user_id = lower(t.user_id) AND unhex(t.user_id) IS NOT NULL THEN unhex(t.user_id) ELSE t.user_id END,
    t.user_name, t.params, t.status, t.reason, t.steps, t.created_ms, t.updated_ms, t.execute_ms, t.job_id
FROM tasks t JOIN instances i ON i.id = t.instance_id
ORDER BY t.seq;
UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM sqlite_sequence WHERE name IN ('tasks', 'tasks_009'))
WHERE name = 'tasks_009';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'tasks_009', seq FROM sqlite_sequence WHERE name = 'tasks'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'tasks_009');
DROP TABLE tasks;
ALTER TABLE tasks_009 RENAME TO tasks;

CREATE INDEX tasks_instance_created ON tasks (instance_seq, created_ms);
-- At most one unfinished task per instance, as in 003.
CREATE UNIQUE INDEX tasks_one_unfinished ON tasks (instance_seq)
    WHERE status = 'EXECUTING' OR (status = 'CREATED' AND execute_ms = 0);
CREATE INDEX tasks_scheduled ON tasks (instance_seq, created_ms) WHERE execute_ms <> 0;
