package sqlite

import "context"

func (e *executor) UpdateConnectTask(ctx context.Context, taskID, name string, data []byte) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE connect_tasks SET name = ?, data = ? WHERE id = ?`, name, string(data), taskID))
}
