package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/dmsd/dmsd"
)

const taskColumns = `id, project_id, instance_id, name, user_id, user_name, params, status, reason, steps, created_ms, updated_ms`

// readColumns are the columns scanTask reads: taskColumns and the scheduled
// time and job id, which SubmitTask sets apart.
const readColumns = taskColumns + `, execute_ms, job_id`

const (
	findTaskQuery  = `SELECT ` + readColumns + ` FROM tasks WHERE id = ? AND instance_id = ? AND project_id = ?`
	taskCountQuery = `SELECT task_count FROM instances WHERE id = ? AND project_id = ?`
	taskPageQuery  = `SELECT ` + readColumns + ` FROM tasks WHERE instance_id = ? AND created_ms BETWEEN ? AND ? ORDER BY created_ms DESC, seq DESC LIMIT ? OFFSET ?`
)

// SubmitTask records sub.Task and inserts its job in one transaction. It
// returns EINSTANCENOTFOUND, ETASKRUNNING or EINSTANCESTATUS as
// dmsd.TaskStore documents.
func (db *DB) SubmitTask(ctx context.Context, sub *dmsd.Submission) error {
	if db.queue == nil {
		return dmsd.Errorf(dmsd.EUNAVAILABLE, "The service is not ready to accept tasks.")
	}
	t := sub.Task
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if sub.NewInstance != nil {
			if err := insertInstance(ctx, tx, sub.NewInstance, db.secrets); err != nil {
				return err
			}
		}
		inst, err := findInstance(ctx, tx, t.ProjectID, t.InstanceID)
		if err != nil {
			return err
		}
		// A running task explains the instance's status better than the
		// status itself, so it is reported first.
		// A scheduled task neither counts as the instance's unfinished
		// task until it starts nor waits for one to be accepted.
		var running int
		if !t.Scheduled() {
			err = tx.QueryRowContext(ctx, `SELECT count(*) FROM tasks WHERE instance_id = ? AND (status = ? OR (status = ? AND execute_ms = 0))`,
				t.InstanceID, dmsd.TaskExecuting, dmsd.TaskCreated).Scan(&running)
		}
		if err != nil {
			return err
		} else if running > 0 {
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
		steps, err := encodeSteps(t.Steps)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tasks (`+taskColumns+`, execute_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.ProjectID, t.InstanceID, t.Name, t.UserID, t.UserName, t.Params, t.Status, t.Reason, steps,
			t.CreatedAt.UnixMilli(), t.UpdatedAt.UnixMilli(), toMillis(t.ExecuteAt))
		if isUniqueViolation(err) {
			return errTaskRunning()
		} else if err != nil {
			return err
		}
		if sub.InstanceStatus != "" && sub.InstanceStatus != inst.Status {
			inst.Status = sub.InstanceStatus
			if err := updateInstanceTx(ctx, tx, inst, db.secrets); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE instances SET task_count = task_count + 1 WHERE id = ?`, t.InstanceID); err != nil {
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
		_, err = tx.ExecContext(ctx, `UPDATE tasks SET job_id = ? WHERE id = ?`, t.JobID, t.ID)
		return err
	})
}

// updateInstanceTx saves inst, sealing the secrets it holds in the clear.
func updateInstanceTx(ctx context.Context, tx *sql.Tx, inst *dmsd.Instance, box dmsd.SecretBox) error {
	data, err := dmsd.EncodeInstance(inst, box)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE instances SET data = ?, status = ? WHERE id = ?`, data, inst.Status, inst.ID)
	return err
}

// FindTask returns a task of an instance of a project. It returns
// EINSTANCENOTFOUND or ETASKNOTFOUND if either does not exist there.
func (db *DB) FindTask(ctx context.Context, projectID, instanceID, taskID string) (*dmsd.Task, error) {
	t, err := scanTask(db.findTaskStmt.QueryRowContext(ctx, taskID, instanceID, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := db.FindInstance(ctx, projectID, instanceID); err != nil {
			return nil, err
		}
		return nil, errTaskNotFound()
	}
	return t, err
}

// FindTaskByID returns a task by id. It returns ETASKNOTFOUND if it does not
// exist.
func (db *DB) FindTaskByID(ctx context.Context, taskID string) (*dmsd.Task, error) {
	t, err := scanTask(db.read.QueryRowContext(ctx, `SELECT `+readColumns+` FROM tasks WHERE id = ?`, taskID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTaskNotFound()
	}
	return t, err
}

// ListTasks returns a page of an instance's tasks, newest first, and how many
// match the filter's time range. It returns EINSTANCENOTFOUND if the instance
// does not exist in the project.
func (db *DB) ListTasks(ctx context.Context, f dmsd.TaskFilter) ([]*dmsd.Task, int, error) {
	// One read transaction, so that the page and the count agree.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()

	var count int
	err = tx.StmtContext(ctx, db.countStmt).QueryRowContext(ctx, f.InstanceID, f.ProjectID).Scan(&count)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	} else if err != nil {
		return nil, 0, err
	}

	// Open bounds are the extremes of the column, so that one prepared
	// statement serves every filter.
	begin, end := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.Begin.IsZero() {
		begin = f.Begin.UnixMilli()
	}
	if !f.End.IsZero() {
		end = f.End.UnixMilli()
	}
	if !f.Begin.IsZero() || !f.End.IsZero() {
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tasks WHERE instance_id = ? AND created_ms BETWEEN ? AND ?`, f.InstanceID, begin, end).Scan(&count)
		if err != nil {
			return nil, 0, err
		}
	}
	if f.Offset >= count || f.Limit <= 0 {
		return []*dmsd.Task{}, count, nil
	}

	rows, err := tx.StmtContext(ctx, db.pageStmt).QueryContext(ctx, f.InstanceID, begin, end, f.Limit, f.Offset)
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
func (db *DB) UpdateTask(ctx context.Context, t *dmsd.Task, instanceStatus dmsd.InstanceStatus) error {
	steps, err := encodeSteps(t.Steps)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET status = ?, reason = ?, steps = ?, updated_ms = ? WHERE id = ?`,
			t.Status, t.Reason, steps, t.UpdatedAt.UnixMilli(), t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errTaskNotFound()
		}
		if instanceStatus == "" {
			return nil
		}
		inst, err := findInstance(ctx, tx, t.ProjectID, t.InstanceID)
		if err != nil {
			return err
		}
		inst.Status = instanceStatus
		return updateInstanceTx(ctx, tx, inst, db.secrets)
	})
}

// DeleteTask deletes the record of a finished task. It returns
// EINSTANCENOTFOUND or ETASKNOTFOUND if either does not exist, and
// ETASKRUNNING if the task has not finished.
func (db *DB) DeleteTask(ctx context.Context, projectID, instanceID, taskID string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		// The status check and the delete are one statement, so a task that
		// finishes or is deleted meanwhile cannot slip between them.
		res, err := tx.ExecContext(ctx, `DELETE FROM tasks WHERE id = ? AND instance_id = ? AND project_id = ? AND status IN (?, ?, ?)`,
			taskID, instanceID, projectID, dmsd.TaskSuccess, dmsd.TaskFailed, dmsd.TaskCancelled)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			// A replayed request is refused only now that the record would
			// go; returning the error rolls the delete back.
			if err := dmsd.CheckNotReplayed(ctx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE instances SET task_count = task_count - 1 WHERE id = ?`, instanceID)
			return err
		}
		var status string
		err = tx.QueryRowContext(ctx, `SELECT status FROM tasks WHERE id = ? AND instance_id = ? AND project_id = ?`, taskID, instanceID, projectID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := findInstance(ctx, tx, projectID, instanceID); err != nil {
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
func (db *DB) CountTasks(ctx context.Context) (map[[2]string]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT name, status, count(*) FROM tasks GROUP BY name, status`)
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

func scanTask(s scanner) (_ *dmsd.Task, err error) {
	var t dmsd.Task
	var steps []byte
	var created, updated, execute int64
	if err := s.Scan(&t.ID, &t.ProjectID, &t.InstanceID, &t.Name, &t.UserID, &t.UserName, &t.Params, &t.Status, &t.Reason, &steps, &created, &updated, &execute, &t.JobID); err != nil {
		return nil, err
	}
	if execute != 0 {
		t.ExecuteAt = fromMillis(execute)
	}
	if t.Steps, err = decodeSteps(steps); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &t, nil
}

// stepRow is a step as stored: times as Unix milliseconds, which decode far
// faster than RFC 3339 strings on every read of a task.
type stepRow struct {
	Name    string `json:"n"`
	Status  string `json:"s"`
	Started int64  `json:"b,omitempty"`
	Ended   int64  `json:"e,omitempty"`
}

func encodeSteps(steps []dmsd.Step) ([]byte, error) {
	rows := make([]stepRow, len(steps))
	for i, s := range steps {
		rows[i] = stepRow{Name: s.Name, Status: string(s.Status), Started: toMillis(s.StartedAt), Ended: toMillis(s.EndedAt)}
	}
	return json.Marshal(rows)
}

func decodeSteps(data []byte) ([]dmsd.Step, error) {
	var rows []stepRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, err
	}
	steps := make([]dmsd.Step, len(rows))
	for i, r := range rows {
		steps[i] = dmsd.Step{Name: r.Name, Status: dmsd.StepStatus(r.Status)}
		if r.Started != 0 {
			steps[i].StartedAt = fromMillis(r.Started)
		}
		if r.Ended != 0 {
			steps[i].EndedAt = fromMillis(r.Ended)
		}
	}
	return steps, nil
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
