package postgres

import "context"

func (e *executor) UpdateConnectTask(ctx context.Context, taskID, name string, data []byte) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE connect_tasks SET name = $1, data = $2 WHERE id = $3`, name, string(data), taskID))
}
