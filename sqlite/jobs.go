package sqlite

import "context"

func (e *executor) DeleteJob(ctx context.Context, jobID int64) error {
	_, err := e.q.ExecContext(ctx, `DELETE FROM river_job WHERE id = ?`, jobID)
	return err
}
