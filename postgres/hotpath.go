package postgres

import (
	"context"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

func (e *executor) GetInstanceUnfinished(ctx context.Context, projectID, instanceID string, lock bool) (*store.InstanceRow, int, error) {
	// The lock takes the instance's row only: the count's rows are not
	// locked, the unique index of unfinished tasks guards them.
	var n int
	r, err := store.ScanInstance(store.ScanWith(e.q.QueryRow(ctx, `SELECT `+store.InstanceColumns+`,
    (SELECT count(*) FROM tasks WHERE instance_id = instances.id AND (status = $3 OR (status = $4 AND execute_ms = 0)))
FROM instances WHERE id = $1 AND project_id = $2`+lockOf(lock), instanceID, projectID, dmsd.TaskExecuting, dmsd.TaskCreated), &n))
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
