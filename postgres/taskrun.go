package postgres

import "context"

func (e *executor) EndCreatedTask(ctx context.Context, taskID string, jobID int64, status, reason string, steps []byte, updatedMs int64) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE tasks SET status = $1, reason = $2, steps = $3, updated_ms = $4 WHERE id = $5 AND status = 'CREATED' AND ($6::bigint = 0 OR job_id IN (0, $6))`,
		status, reason, steps, updatedMs, taskID, jobID))
}

func (e *executor) DeleteJob(ctx context.Context, jobID int64) error {
	_, err := e.q.Exec(ctx, `DELETE FROM river_job WHERE id = $1`, jobID)
	return err
}
