package sqlite

import "context"

// EndCreatedTask saves the status, reason, steps and update time of a
// CREATED task whose job is jobID (as StartTask matches it), and returns how
// many rows it changed: the first statement of EndTaskRun.
func (e *executor) EndCreatedTask(ctx context.Context, taskID string, jobID int64, status, reason string, steps []byte, updatedMs int64) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE tasks SET status = ?, reason = ?, steps = ?, updated_ms = ? WHERE `+endableTask,
		status, reason, steps, updatedMs, packID(taskID), jobID, jobID))
}

// endableTask is the condition on a task's row that a run's end needs: the
// task of id ? is CREATED and its job is ? (as StartTask matches it; 0
// matches any), the job bound twice.
const endableTask = `id = ? AND status = 'CREATED' AND (? = 0 OR job_id IN (0, ?))`

func (e *executor) DeleteJob(ctx context.Context, jobID int64) error {
	_, err := e.q.ExecContext(ctx, `DELETE FROM river_job WHERE id = ?`, jobID)
	return err
}
