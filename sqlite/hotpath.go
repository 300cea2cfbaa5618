package sqlite

import (
	"context"

	"github.com/dmsd/dmsd/store"
)

// getInstanceUnfinishedQuery is findInstanceQuery with CountUnfinished's
// count of the instance's unfinished tasks, whose statuses are in the text
// for the same reason.
const getInstanceUnfinishedQuery = `SELECT id, project_id, status, data, created_ms,
    (SELECT count(*) FROM tasks WHERE instance_id = instances.id AND (status = 'EXECUTING' OR (status = 'CREATED' AND execute_ms = 0)))
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
