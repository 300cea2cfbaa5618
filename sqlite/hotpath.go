package sqlite

import (
	"context"

	"github.com/dmsd/dmsd/store"
)

// getInstanceUnfinishedQuery is findInstanceQuery with the count of the
// instance's unfinished tasks. The statuses are in the text, not bound:
// SQLite prepares a statement again each time a parameter that chose its
// plan is bound, and these choose tasks_one_unfinished, whose condition they
// repeat.
const getInstanceUnfinishedQuery = `SELECT id, project_id, status, data, created_ms,
    (SELECT count(*) FROM tasks WHERE instance_seq = instances.seq AND (status = 'EXECUTING' OR (status = 'CREATED' AND execute_ms = 0)))
FROM instances WHERE id = ? AND project_id = ?`

func (e *executor) GetInstanceUnfinished(ctx context.Context, projectID, instanceID string, _ bool) (*store.InstanceRow, int, error) {
	// One writer holds the database for the whole transaction: no row lock
	// is needed.
	var n int
	r, err := store.ScanInstance(store.ScanWith(e.q.QueryRowContext(ctx, getInstanceUnfinishedQuery, instanceID, projectID), &n))
	return r, n, err
}

func (e *executor) SwapInstance(ctx context.Context, id, oldStatus string, old []byte, status string, data []byte) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE instances SET data = ?, status = ? WHERE id = ? AND status = ? AND data = ?`,
		data, status, id, oldStatus, old))
}

// EndTaskRun runs its statements one after the other, in the caller's
// transaction: SQLite has no statement that changes several tables, and the
// one connection makes each a call, not a round trip. The swap goes first,
// made only if the task can end, so that the task's update, which the one
// writer then cannot miss, is made only if the swap was.
func (e *executor) EndTaskRun(ctx context.Context, r *store.TaskRunRow) (ended bool, err error) {
	if r.Data != nil {
		n, err := rowsAffected(e.q.ExecContext(ctx, `UPDATE instances SET data = ?, status = ?
WHERE id = ? AND status = ? AND data = ? AND EXISTS (SELECT 1 FROM tasks WHERE `+endableTask+`)`,
			r.Data, r.NewStatus, r.InstanceID, r.OldStatus, r.Old, packID(r.TaskID), r.JobID, r.JobID))
		if err != nil || n == 0 {
			return false, err
		}
	}
	n, err := e.EndCreatedTask(ctx, r.TaskID, r.JobID, r.Status, r.Reason, r.Steps, r.UpdatedMs)
	if err != nil || n == 0 {
		return false, err
	}
	if r.EndJobID != 0 {
		if err := e.DeleteJob(ctx, r.EndJobID); err != nil {
			return false, err
		}
	}
	return true, nil
}

// getTaskRunQuery reads the task, then its instance's columns beside it.
const getTaskRunQuery = `SELECT ` + taskColumns + `, i.id, i.project_id, i.status, i.data, i.created_ms
FROM tasks t CROSS JOIN instances i ON i.seq = t.instance_seq WHERE t.id = ?`

func (e *executor) GetTaskRun(ctx context.Context, taskID string) (*store.TaskRow, *store.InstanceRow, error) {
	var ir store.InstanceRow
	tr, err := scanTask(store.ScanWith(e.q.QueryRowContext(ctx, getTaskRunQuery, packID(taskID)), &ir.ID, &ir.ProjectID, &ir.Status, &ir.Data, &ir.CreatedMs))
	return tr, &ir, err
}
