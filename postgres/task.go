package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/dmsd/dmsd"
)

const taskColumns = `id, project_id, instance_id, name, user_id, user_name, params, status, reason, steps, created_ms, updated_ms`

// readColumns are the columns scanTask reads: taskColumns and the scheduled
// time and job id, which SubmitTask sets apart.
const readColumns = taskColumns + `, execute_ms, job_id`

// SubmitTask records sub.Task and inserts its job in one transaction. It
// returns EINSTANCENOTFOUND, ETASKRUNNING or EINSTANCESTATUS as
// dmsd.TaskStore documents.
func (db *DB) SubmitTask(ctx context.Context, sub *dmsd.Submission) (err error) {
	defer func() { err = domainError(err) }()
	if db.queue == nil {
		return dmsd.Errorf(dmsd.EUNAVAILABLE, "The service is not ready to accept tasks.")
	}
	t := sub.Task
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if sub.NewInstance != nil {
			if err := insertInstance(ctx, tx, sub.NewInstance, db.secrets); err != nil {
				return err
			}
		}
		// The row lock orders submissions to one instance across replicas.
		inst, err := findInstance(ctx, tx, t.ProjectID, t.InstanceID, " FOR UPDATE")
		if err != nil {
			return err
		}
		// A running task explains the instance's status better than the
		// status itself, so it is reported first.
		// A scheduled task neither counts as the instance's unfinished
		// task until it starts nor waits for one to be accepted.
		var running bool
		if !t.Scheduled() {
			err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tasks WHERE instance_id = $1 AND (status = $2 OR (status = $3 AND execute_ms = 0)))`,
				t.InstanceID, dmsd.TaskExecuting, dmsd.TaskCreated).Scan(&running)
		}
		if err != nil {
			return err
		} else if running {
			return errTaskRunning()
		}
		if len(sub.AllowedStatuses) > 0 && !slices.Contains(sub.AllowedStatuses, inst.Status) {
			return dmsd.Errorf(dmsd.EINSTANCESTATUS, "This operation is not allowed due to the instance status (%s).", inst.Status)
		}
		// The refusals above answer a replayed request as any other; past
		// here the operation changes something, which a replay may not.
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		steps, err := json.Marshal(t.Steps)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO tasks (`+taskColumns+`, execute_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			t.ID, t.ProjectID, t.InstanceID, t.Name, t.UserID, t.UserName, t.Params, t.Status, t.Reason, steps,
			t.CreatedAt.UnixMilli(), t.UpdatedAt.UnixMilli(), millisOf(t.ExecuteAt))
		if isUniqueViolation(err) {
			return errTaskRunning()
		} else if err != nil {
			return err
		}
		if sub.InstanceStatus != "" && sub.InstanceStatus != inst.Status {
			inst.Status = sub.InstanceStatus
			if _, err := updateInstance(ctx, tx, inst, db.secrets); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE instances SET task_count = task_count + 1 WHERE id = $1`, t.InstanceID); err != nil {
			return err
		}
		if sub.Quota != nil {
			if err := checkQuota(ctx, tx, t.ProjectID, *sub.Quota); err != nil {
				return err
			}
		}
		res, err := db.queue.InsertTx(ctx, tx, dmsd.TaskJob{TaskID: t.ID}, &river.InsertOpts{MaxAttempts: 100, Queue: inst.Queue(), ScheduledAt: t.ExecuteAt})
		if err != nil {
			return err
		}
		t.JobID = res.Job.ID
		_, err = tx.Exec(ctx, `UPDATE tasks SET job_id = $1 WHERE id = $2`, t.JobID, t.ID)
		return err
	})
}

// FindTask returns a task of an instance of a project. It returns
// EINSTANCENOTFOUND or ETASKNOTFOUND if either does not exist there.
func (db *DB) FindTask(ctx context.Context, projectID, instanceID, taskID string) (_ *dmsd.Task, err error) {
	defer func() { err = domainError(err) }()
	t, err := scanTask(db.pool.QueryRow(ctx, `SELECT `+readColumns+` FROM tasks WHERE id = $1 AND instance_id = $2 AND project_id = $3`, taskID, instanceID, projectID))
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := db.FindInstance(ctx, projectID, instanceID); err != nil {
			return nil, err
		}
		return nil, errTaskNotFound()
	}
	return t, err
}

// FindTaskByID returns a task by id. It returns ETASKNOTFOUND if it does not
// exist.
func (db *DB) FindTaskByID(ctx context.Context, taskID string) (_ *dmsd.Task, err error) {
	defer func() { err = domainError(err) }()
	t, err := scanTask(db.pool.QueryRow(ctx, `SELECT `+readColumns+` FROM tasks WHERE id = $1`, taskID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errTaskNotFound()
	}
	return t, err
}

// ListTasks returns a page of an instance's tasks, newest first, and how many
// match the filter's time range. It returns EINSTANCENOTFOUND if the instance
// does not exist in the project.
func (db *DB) ListTasks(ctx context.Context, f dmsd.TaskFilter) (_ []*dmsd.Task, _ int, err error) {
	defer func() { err = domainError(err) }()
	// One repeatable-read snapshot, so that the page and the count agree.
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)

	var count int
	err = tx.QueryRow(ctx, `SELECT task_count FROM instances WHERE id = $1 AND project_id = $2`, f.InstanceID, f.ProjectID).Scan(&count)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	} else if err != nil {
		return nil, 0, err
	}
	begin, end := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.Begin.IsZero() {
		begin = f.Begin.UnixMilli()
	}
	if !f.End.IsZero() {
		end = f.End.UnixMilli()
	}
	if !f.Begin.IsZero() || !f.End.IsZero() {
		err := tx.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE instance_id = $1 AND created_ms BETWEEN $2 AND $3`, f.InstanceID, begin, end).Scan(&count)
		if err != nil {
			return nil, 0, err
		}
	}
	if f.Offset >= count || f.Limit <= 0 {
		return []*dmsd.Task{}, count, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+readColumns+` FROM tasks WHERE instance_id = $1 AND created_ms BETWEEN $2 AND $3 ORDER BY created_ms DESC, seq DESC LIMIT $4 OFFSET $5`,
		f.InstanceID, begin, end, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	tasks := make([]*dmsd.Task, 0, f.Limit)
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, 0, err
		}
		tasks = append(tasks, t)
	}
	return tasks, count, rows.Err()
}

// UpdateTask saves a task's status, reason, steps and update time, and moves
// its instance to instanceStatus when that is set. It returns ETASKNOTFOUND if
// the task does not exist.
func (db *DB) UpdateTask(ctx context.Context, t *dmsd.Task, instanceStatus dmsd.InstanceStatus) (err error) {
	defer func() { err = domainError(err) }()
	steps, err := json.Marshal(t.Steps)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tasks SET status = $1, reason = $2, steps = $3, updated_ms = $4 WHERE id = $5`,
			t.Status, t.Reason, steps, t.UpdatedAt.UnixMilli(), t.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errTaskNotFound()
		}
		if instanceStatus == "" {
			return nil
		}
		inst, err := findInstance(ctx, tx, t.ProjectID, t.InstanceID, " FOR UPDATE")
		if err != nil {
			return err
		}
		inst.Status = instanceStatus
		_, err = updateInstance(ctx, tx, inst, db.secrets)
		return err
	})
}

// DeleteTask deletes the record of a finished task. It returns
// EINSTANCENOTFOUND or ETASKNOTFOUND if either does not exist, and
// ETASKRUNNING if the task has not finished.
func (db *DB) DeleteTask(ctx context.Context, projectID, instanceID, taskID string) (err error) {
	defer func() { err = domainError(err) }()
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// The status check and the delete are one statement, so a task that
		// finishes or is deleted meanwhile cannot slip between them.
		tag, err := tx.Exec(ctx, `DELETE FROM tasks WHERE id = $1 AND instance_id = $2 AND project_id = $3 AND status IN ($4, $5, $6)`,
			taskID, instanceID, projectID, dmsd.TaskSuccess, dmsd.TaskFailed, dmsd.TaskCancelled)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			// A replayed request is refused only now that the record would
			// go; returning the error rolls the delete back.
			if err := dmsd.CheckNotReplayed(ctx); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE instances SET task_count = task_count - 1 WHERE id = $1`, instanceID)
			return err
		}
		var status string
		err = tx.QueryRow(ctx, `SELECT status FROM tasks WHERE id = $1 AND instance_id = $2 AND project_id = $3`, taskID, instanceID, projectID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			if _, err := findInstance(ctx, tx, projectID, instanceID, ""); err != nil {
				return err
			}
			return errTaskNotFound()
		} else if err != nil {
			return err
		}
		return dmsd.Errorf(dmsd.ETASKRUNNING, "This DMS instance job task is still running (%s): only Successful, Failed or Cancelled tasks can be deleted.", status)
	})
}

// CountTasks returns the number of task records by name and status.
func (db *DB) CountTasks(ctx context.Context) (_ map[[2]string]int, err error) {
	defer func() { err = domainError(err) }()
	rows, err := db.pool.Query(ctx, `SELECT name, status, count(*) FROM tasks GROUP BY name, status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := make(map[[2]string]int)
	for rows.Next() {
		var name, status string
		var n int
		if err := rows.Scan(&name, &status, &n); err != nil {
			return nil, err
		}
		counts[[2]string{name, status}] = n
	}
	return counts, rows.Err()
}

func errTaskRunning() error {
	return dmsd.Errorf(dmsd.ETASKRUNNING, "This DMS instance job task is still running.")
}

func errTaskNotFound() error {
	return dmsd.Errorf(dmsd.ETASKNOTFOUND, "This task does not exist.")
}

func scanTask(row pgx.Row) (*dmsd.Task, error) {
	var t dmsd.Task
	var steps []byte
	var created, updated, execute int64
	if err := row.Scan(&t.ID, &t.ProjectID, &t.InstanceID, &t.Name, &t.UserID, &t.UserName, &t.Params, &t.Status, &t.Reason, &steps, &created, &updated, &execute, &t.JobID); err != nil {
		return nil, err
	}
	if execute != 0 {
		t.ExecuteAt = time.UnixMilli(execute).UTC()
	}
	if err := json.Unmarshal(steps, &t.Steps); err != nil {
		return nil, err
	}
	for i := range t.Steps {
		t.Steps[i].StartedAt, t.Steps[i].EndedAt = t.Steps[i].StartedAt.UTC(), t.Steps[i].EndedAt.UTC()
	}
	t.CreatedAt, t.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &t, nil
}
