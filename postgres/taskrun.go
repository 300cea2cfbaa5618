package postgres

import "context"

func (e *executor) DeleteJob(ctx context.Context, jobID int64) error {
	_, err := e.q.Exec(ctx, `DELETE FROM river_job WHERE id = $1`, jobID)
	return err
}
