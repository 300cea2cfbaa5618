package postgres

import (
	"context"

	"github.com/dmsd/dmsd/store"
)

// getInstanceUnfinishedQuery is GetInstance's query with the count of the
// instance's unfinished tasks. The statuses are in the text, not bound: a
// plan made for any statuses cannot use tasks_one_unfinished, whose
// condition they repeat, so PostgreSQL planned the statement again at every
// submission.
const getInstanceUnfinishedQuery = `SELECT ` + store.InstanceColumns + `,
    (SELECT count(*) FROM tasks WHERE instance_id = instances.id AND (status = 'EXECUTING' OR (status = 'CREATED' AND execute_ms = 0)))
FROM instances WHERE id = $1 AND project_id = $2`

func (e *executor) GetInstanceUnfinished(ctx context.Context, projectID, instanceID string, lock bool) (*store.InstanceRow, int, error) {
	// The lock takes the instance's row only: the count's rows are not
	// locked, the unique index of unfinished tasks guards them.
	var n int
	r, err := store.ScanInstance(store.ScanWith(e.q.QueryRow(ctx, getInstanceUnfinishedQuery+lockOf(lock), instanceID, projectID), &n))
	return r, n, err
}

// lockOf is lockClause for a query that reads other tables beside the
// instances it locks.
func lockOf(lock bool) string {
	if lock {
		return " FOR UPDATE OF instances"
	}
	return ""
}

func (e *executor) SwapInstance(ctx context.Context, id, oldStatus string, old []byte, status string, data []byte) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE instances SET data = $1, status = $2 WHERE id = $3 AND status = $4 AND data = $5`,
		data, status, id, oldStatus, old))
}

// endTaskRunQuery is the task's update, SwapInstance and DeleteJob in one
// statement, which commits alone in one round trip. The task's row is
// locked first, and only if the task can end: then no cancel can come
// between the instance's swap, made only then, and the task's update, made
// only if the swap was; the job goes only with the task.
const endTaskRunQuery = `WITH run AS (
    SELECT id FROM tasks WHERE id = $5 AND status = 'CREATED' AND ($6::bigint = 0 OR job_id IN (0, $6)) FOR UPDATE
), i AS (
    UPDATE instances SET data = $7, status = $8
    WHERE $7::jsonb IS NOT NULL AND id = $9 AND status = $10 AND data = $11 AND EXISTS (SELECT 1 FROM run) RETURNING 1
), t AS (
    UPDATE tasks SET status = $1, reason = $2, steps = $3, updated_ms = $4
    WHERE id IN (SELECT id FROM run) AND ($7::jsonb IS NULL OR EXISTS (SELECT 1 FROM i)) RETURNING 1
), j AS (
    DELETE FROM river_job WHERE $12::bigint <> 0 AND id = $12 AND EXISTS (SELECT 1 FROM t)
)
SELECT EXISTS (SELECT 1 FROM t)`

func (e *executor) EndTaskRun(ctx context.Context, r *store.TaskRunRow) (ended bool, err error) {
	err = e.q.QueryRow(ctx, endTaskRunQuery, r.Status, r.Reason, r.Steps, r.UpdatedMs, r.TaskID, r.JobID,
		r.Data, r.NewStatus, r.InstanceID, r.OldStatus, r.Old, r.EndJobID).Scan(&ended)
	return ended, err
}

// getTaskRunQuery reads the task, then its instance's columns beside it.
const getTaskRunQuery = `WITH t AS (SELECT ` + store.TaskColumns + ` FROM tasks WHERE id = $1)
SELECT t.*, i.id, i.project_id, i.status, i.data, i.created_ms FROM t JOIN instances i ON i.id = t.instance_id`

func (e *executor) GetTaskRun(ctx context.Context, taskID string) (*store.TaskRow, *store.InstanceRow, error) {
	var ir store.InstanceRow
	tr, err := store.ScanTask(store.ScanWith(e.q.QueryRow(ctx, getTaskRunQuery, taskID), &ir.ID, &ir.ProjectID, &ir.Status, &ir.Data, &ir.CreatedMs))
	return tr, &ir, err
}
