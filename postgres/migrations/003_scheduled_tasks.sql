-- Scheduled tasks: execute_ms is when a scheduled task runs (0 for a task
-- that runs at once); job_id is the River job that runs the task.
ALTER TABLE tasks ADD COLUMN execute_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN job_id BIGINT NOT NULL DEFAULT 0;
-- A scheduled task that has not started does not count as the instance's
-- unfinished task: it becomes one when it starts (EXECUTING).
DROP INDEX tasks_one_unfinished;
CREATE UNIQUE INDEX tasks_one_unfinished ON tasks (instance_id)
    WHERE status = 'EXECUTING' OR (status = 'CREATED' AND execute_ms = 0);
CREATE INDEX tasks_scheduled ON tasks (instance_id, created_ms, seq) WHERE execute_ms <> 0;
