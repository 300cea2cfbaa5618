package postgres

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/dmsd/dmsd"
)

func millisOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// StartTask moves a CREATED task to EXECUTING. The unique index of unfinished
// tasks refuses it, as ETASKRUNNING, while another task of the instance is
// EXECUTING or CREATED and not scheduled.
func (db *DB) StartTask(ctx context.Context, taskID string, jobID int64, at time.Time) (err error) {
	defer func() { err = domainError(err) }()
	tag, err := db.pool.Exec(ctx, `UPDATE tasks SET status = $1, updated_ms = $2 WHERE id = $3 AND status = $4 AND ($5::bigint = 0 OR job_id IN (0, $5))`,
		dmsd.TaskExecuting, at.UnixMilli(), taskID, dmsd.TaskCreated, jobID)
	if isUniqueViolation(err) {
		return errTaskRunning()
	} else if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return errTaskNotFound()
	}
	return nil
}

// ListScheduledTasks returns a page of an instance's scheduled tasks, newest
// first, and how many match the filter's time range.
func (db *DB) ListScheduledTasks(ctx context.Context, f dmsd.TaskFilter) (_ []*dmsd.Task, _ int, err error) {
	defer func() { err = domainError(err) }()
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := findInstance(ctx, tx, f.ProjectID, f.InstanceID, ""); err != nil {
		return nil, 0, err
	}
	begin, end := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.Begin.IsZero() {
		begin = f.Begin.UnixMilli()
	}
	if !f.End.IsZero() {
		end = f.End.UnixMilli()
	}
	var count int
	const where = ` FROM tasks WHERE instance_id = $1 AND execute_ms <> 0 AND created_ms BETWEEN $2 AND $3`
	if err := tx.QueryRow(ctx, `SELECT count(*)`+where, f.InstanceID, begin, end).Scan(&count); err != nil {
		return nil, 0, err
	}
	tasks := []*dmsd.Task{}
	if f.Offset >= count || f.Limit <= 0 {
		return tasks, count, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+readColumns+where+` ORDER BY created_ms DESC, seq DESC LIMIT $4 OFFSET $5`,
		f.InstanceID, begin, end, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, 0, err
		}
		tasks = append(tasks, t)
	}
	return tasks, count, rows.Err()
}

// findScheduled returns a scheduled task of an instance, locked, or
// EINSTANCENOTFOUND or ETASKNOTFOUND (also for a task that is not scheduled).
func findScheduled(ctx context.Context, tx pgx.Tx, projectID, instanceID, taskID string) (*dmsd.Instance, *dmsd.Task, error) {
	inst, err := findInstance(ctx, tx, projectID, instanceID, "")
	if err != nil {
		return nil, nil, err
	}
	t, err := scanTask(tx.QueryRow(ctx, `SELECT `+readColumns+` FROM tasks WHERE id = $1 AND instance_id = $2 AND project_id = $3 FOR UPDATE`, taskID, instanceID, projectID))
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !t.Scheduled()) {
		return nil, nil, errTaskNotFound()
	}
	return inst, t, err
}

func errScheduleStarted(t *dmsd.Task) error {
	return dmsd.Errorf(dmsd.ESCHEDULESTARTED, "The scheduled task is %s; only a task that has not started (CREATED) can be changed.", t.Status)
}

// cancelJob cancels a task's job; a job that is gone or finished is fine.
func (db *DB) cancelJob(ctx context.Context, tx pgx.Tx, jobID int64) error {
	if jobID == 0 {
		return nil
	}
	if _, err := db.queue.JobCancelTx(ctx, tx, jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
		return err
	}
	return nil
}

// RescheduleTask cancels the job of a scheduled CREATED task and queues a new
// one for at, with the record, in one transaction.
func (db *DB) RescheduleTask(ctx context.Context, projectID, instanceID, taskID string, at time.Time) (err error) {
	defer func() { err = domainError(err) }()
	if db.queue == nil {
		return dmsd.Errorf(dmsd.EUNAVAILABLE, "The service is not ready to accept tasks.")
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		inst, t, err := findScheduled(ctx, tx, projectID, instanceID, taskID)
		if err != nil {
			return err
		}
		if t.Status != dmsd.TaskCreated {
			return errScheduleStarted(t)
		}
		// The refusals above answer a replayed request as any other; past
		// here the operation changes something, which a replay may not.
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		if err := db.cancelJob(ctx, tx, t.JobID); err != nil {
			return err
		}
		res, err := db.queue.InsertTx(ctx, tx, dmsd.TaskJob{TaskID: t.ID}, &river.InsertOpts{MaxAttempts: 100, Queue: inst.Queue(), ScheduledAt: at})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE tasks SET execute_ms = $1, job_id = $2, updated_ms = $3 WHERE id = $4`,
			at.UnixMilli(), res.Job.ID, dmsd.Now().UnixMilli(), t.ID)
		return err
	})
}

// CancelTask cancels a scheduled CREATED task and its job in one transaction.
// The task's row is locked, so a worker starting it meanwhile waits and then
// finds it CANCELLED.
func (db *DB) CancelTask(ctx context.Context, projectID, instanceID, taskID string) (err error) {
	defer func() { err = domainError(err) }()
	if db.queue == nil {
		return dmsd.Errorf(dmsd.EUNAVAILABLE, "The service is not ready to accept tasks.")
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		_, t, err := findScheduled(ctx, tx, projectID, instanceID, taskID)
		if err != nil {
			return err
		}
		if t.Status != dmsd.TaskCreated {
			return errScheduleStarted(t)
		}
		// The refusals above answer a replayed request as any other; past
		// here the operation changes something, which a replay may not.
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET status = $1, updated_ms = $2 WHERE id = $3`,
			dmsd.TaskCancelled, dmsd.Now().UnixMilli(), t.ID); err != nil {
			return err
		}
		return db.cancelJob(ctx, tx, t.JobID)
	})
}

// DeleteScheduledTask deletes a scheduled task that has not started or has
// finished, cancelling its job.
func (db *DB) DeleteScheduledTask(ctx context.Context, projectID, instanceID, taskID string) (err error) {
	defer func() { err = domainError(err) }()
	if db.queue == nil {
		return dmsd.Errorf(dmsd.EUNAVAILABLE, "The service is not ready to accept tasks.")
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		_, t, err := findScheduled(ctx, tx, projectID, instanceID, taskID)
		if err != nil {
			return err
		}
		if t.Status == dmsd.TaskExecuting {
			return dmsd.Errorf(dmsd.ETASKRUNNING, "This DMS instance job task is still running (EXECUTING): it can be deleted once it ends.")
		}
		// The refusals above answer a replayed request as any other; past
		// here the operation changes something, which a replay may not.
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM tasks WHERE id = $1`, t.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE instances SET task_count = task_count - 1 WHERE id = $1`, instanceID); err != nil {
			return err
		}
		if t.Status == dmsd.TaskCreated {
			return db.cancelJob(ctx, tx, t.JobID)
		}
		return nil
	})
}
