package store

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/dmsd/dmsd"
)

// SubmitTask records sub.Task and inserts its job in one transaction. It
// returns EINSTANCENOTFOUND, ETASKRUNNING, EINSTANCESTATUS or the quota's
// errors as dmsd.TaskStore documents.
func (s *Store) SubmitTask(ctx context.Context, sub *dmsd.Submission) (err error) {
	defer s.out(&err)
	queue, err := s.readyQueue()
	if err != nil {
		return err
	}
	t := sub.Task
	// Encoded before the transaction, which the write connection waits
	// for.
	row, err := taskRow(t)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		if sub.NewInstance != nil {
			if err := s.insertInstance(ctx, tx, sub.NewInstance); err != nil {
				return err
			}
		}
		// The row lock orders submissions to one instance across replicas.
		// Its unfinished tasks are counted in the same statement.
		inst, running, err := s.findInstanceUnfinished(ctx, tx, t.ProjectID, t.InstanceID)
		if err != nil {
			return err
		}
		// The status first: while a task holds the instance in a status
		// the operation cannot start from (RESTARTING, EXTENDING...), the
		// cloud answers DMS.00400026, which clients such as the Terraform
		// provider retry once the instance is RUNNING again; ETASKRUNNING
		// is for a task that left the status as it was.
		if len(sub.AllowedStatuses) > 0 && !slices.Contains(sub.AllowedStatuses, inst.Status) {
			return dmsd.Errorf(dmsd.EINSTANCESTATUS, "This operation is not allowed due to the instance status (%s).", inst.Status)
		}
		// A scheduled task neither counts as the instance's unfinished
		// task until it starts nor waits for one to be accepted.
		if !t.Scheduled() && running > 0 {
			return errTaskRunning()
		}
		changed := false
		if sub.Change != nil {
			switch err := sub.Change(t, inst); {
			case errors.Is(err, dmsd.ErrUnchanged):
			case err != nil:
				return err
			default:
				changed = true
			}
			row.Params = t.Params // Change may set them from the record.
		}
		// The refusals above answer a replayed request as any other; past
		// here the operation changes something, which a replay may not.
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		// The job first, so that the task's row is written once, with its
		// job's id; a refusal below rolls the job back with the rest.
		if row.JobID, err = queue.Insert(ctx, s.d.UnwrapTx(tx), t.ID, inst.Queue(), t.ExecuteAt); err != nil {
			return err
		}
		if err := tx.InsertTask(ctx, row); s.isUnique(err) {
			return errTaskRunning()
		} else if err != nil {
			return err
		}
		if sub.InstanceStatus != "" && sub.InstanceStatus != inst.Status {
			inst.Status, changed = sub.InstanceStatus, true
		}
		if changed {
			if _, err := s.updateInstance(ctx, tx, inst); err != nil {
				return err
			}
		}
		if sub.Quota != nil {
			if err := s.checkQuota(ctx, tx, t.ProjectID, *sub.Quota); err != nil {
				return err
			}
		}
		t.JobID = row.JobID
		return nil
	})
}

// checkQuota returns q.Check's error for the project's usage as tx sees it,
// counted under the backend's lock of the project's usage: concurrent
// submissions of one project, on any replica, count one after the other, so
// two cannot both take the last slot.
func (s *Store) checkQuota(ctx context.Context, tx ExecutorTx, projectID string, q dmsd.Quota) error {
	if err := tx.LockProjectUsage(ctx, projectID); err != nil {
		return err
	}
	u, err := tx.ProjectUsage(ctx, projectID)
	if err != nil {
		return err
	}
	return q.Check(u)
}

// StartTask moves a CREATED task to EXECUTING and its first step that has
// not succeeded to IN_PROGRESS, started at at, in one transaction: the runner
// need not write the step's start again. The unique index of unfinished
// tasks refuses it, as ETASKRUNNING, while another task of the instance is
// EXECUTING or CREATED and not scheduled.
func (s *Store) StartTask(ctx context.Context, taskID string, jobID int64, at time.Time) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		n, err := tx.StartTask(ctx, taskID, jobID, at.UnixMilli())
		if s.isUnique(err) {
			return errTaskRunning()
		} else if err != nil {
			return err
		}
		if n == 0 {
			return errTaskNotFound()
		}
		r, err := tx.GetTaskByID(ctx, taskID)
		if err != nil {
			return err
		}
		steps, err := decodeSteps(r.Steps, r.CreatedMs)
		if err != nil {
			return err
		}
		i := firstUnfinishedStep(steps)
		if i < 0 {
			return nil
		}
		steps[i].Status, steps[i].StartedAt = dmsd.StepExecuting, at
		data, err := encodeSteps(steps, r.CreatedMs)
		if err != nil {
			return err
		}
		_, err = tx.UpdateTask(ctx, taskID, r.Status, r.Reason, data, at.UnixMilli())
		return err
	})
}

// firstUnfinishedStep returns the index of the first step that has not
// succeeded, the one a task starts or resumes at, or -1 if there is none.
func firstUnfinishedStep(steps []dmsd.Step) int {
	for i, s := range steps {
		if s.Status != dmsd.StepSuccess {
			return i
		}
	}
	return -1
}

// FindTask returns a task of an instance of a project. It returns
// EINSTANCENOTFOUND or ETASKNOTFOUND if either does not exist there.
func (s *Store) FindTask(ctx context.Context, projectID, instanceID, taskID string) (_ *dmsd.Task, err error) {
	defer s.out(&err)
	ex := s.d.GetExecutor()
	if t := s.cachedTask(ctx, ex, projectID, instanceID, taskID); t != nil {
		return t, nil
	}
	gen, _ := s.generation()
	r, err := ex.GetTask(ctx, projectID, instanceID, taskID, false)
	if s.isNoRows(err) {
		if _, err := s.findInstance(ctx, ex, projectID, instanceID, false); err != nil {
			return nil, err
		}
		return nil, errTaskNotFound()
	} else if err != nil {
		return nil, err
	}
	t, err := decodeTask(r)
	if err == nil {
		s.cacheTask(t, gen)
	}
	return t, err
}

// FindTaskByID returns a task by id. It returns ETASKNOTFOUND if it does not
// exist.
func (s *Store) FindTaskByID(ctx context.Context, taskID string) (_ *dmsd.Task, err error) {
	defer s.out(&err)
	r, err := s.d.GetExecutor().GetTaskByID(ctx, taskID)
	if s.isNoRows(err) {
		return nil, errTaskNotFound()
	} else if err != nil {
		return nil, err
	}
	return decodeTask(r)
}

// ListTasks returns a page of an instance's tasks, newest first, and how many
// match the filter's time range. It returns EINSTANCENOTFOUND if the instance
// does not exist in the project.
func (s *Store) ListTasks(ctx context.Context, f dmsd.TaskFilter) (_ []*dmsd.Task, _ int, err error) {
	defer s.out(&err)
	// One snapshot, so that the page and the count agree.
	tx, err := s.d.BeginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	count, err := tx.GetTaskCount(ctx, f.ProjectID, f.InstanceID)
	if s.isNoRows(err) {
		return nil, 0, errInstanceNotFound()
	} else if err != nil {
		return nil, 0, err
	}
	begin, end := bounds(f)
	if !f.Begin.IsZero() || !f.End.IsZero() {
		if count, err = countWindow(ctx, tx, f.InstanceID, begin, end, count); err != nil {
			return nil, 0, err
		}
	}
	return s.page(ctx, tx, f, begin, end, false, count)
}

// countWindow returns how many of an instance's total tasks were created
// between begin and end. A count reads every row it counts, so it counts the
// smaller side: the rows outside the window, subtracted from the instance's
// counter, as long as they are fewer than half of all; the rows inside
// otherwise. A window covering most of the history then costs what the rows
// left out cost, not what it matches.
func countWindow(ctx context.Context, ex Executor, instanceID string, begin, end int64, total int) (int, error) {
	limit := total/2 + 1
	outside := 0
	if begin > math.MinInt64 {
		n, err := ex.CountTasksAtMost(ctx, instanceID, math.MinInt64, begin-1, limit)
		if err != nil {
			return 0, err
		}
		outside += n
	}
	if end < math.MaxInt64 && outside < limit {
		n, err := ex.CountTasksAtMost(ctx, instanceID, end+1, math.MaxInt64, limit-outside)
		if err != nil {
			return 0, err
		}
		outside += n
	}
	if outside < limit && begin <= end {
		return max(total-outside, 0), nil
	}
	return ex.CountTasks(ctx, instanceID, begin, end, false)
}

// ListScheduledTasks returns a page of an instance's scheduled tasks, newest
// first, and how many match the filter's time range.
func (s *Store) ListScheduledTasks(ctx context.Context, f dmsd.TaskFilter) (_ []*dmsd.Task, _ int, err error) {
	defer s.out(&err)
	tx, err := s.d.BeginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := s.findInstance(ctx, tx, f.ProjectID, f.InstanceID, false); err != nil {
		return nil, 0, err
	}
	begin, end := bounds(f)
	count, err := tx.CountTasks(ctx, f.InstanceID, begin, end, true)
	if err != nil {
		return nil, 0, err
	}
	return s.page(ctx, tx, f, begin, end, true, count)
}

// page returns the filter's page of tasks, of count in all.
func (s *Store) page(ctx context.Context, ex Executor, f dmsd.TaskFilter, begin, end int64, scheduled bool, count int) ([]*dmsd.Task, int, error) {
	if f.Offset >= count || f.Limit <= 0 {
		return []*dmsd.Task{}, count, nil
	}
	rows, err := ex.ListTasks(ctx, f.InstanceID, begin, end, scheduled, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	tasks := make([]*dmsd.Task, 0, len(rows))
	for _, r := range rows {
		t, err := decodeTask(r)
		if err != nil {
			return nil, 0, err
		}
		tasks = append(tasks, t)
	}
	return tasks, count, nil
}

// bounds returns the filter's creation time range in milliseconds: open
// bounds are the extremes of the column, so that one statement serves every
// filter.
func bounds(f dmsd.TaskFilter) (begin, end int64) {
	begin, end = math.MinInt64, math.MaxInt64
	if !f.Begin.IsZero() {
		begin = f.Begin.UnixMilli()
	}
	if !f.End.IsZero() {
		end = f.End.UnixMilli()
	}
	return begin, end
}

// UpdateTask saves a task's status, reason, steps and update time, and moves
// its instance to instanceStatus when that is set; a finished task's job ends
// with it (endJob). It returns ETASKNOTFOUND if the task does not exist.
func (s *Store) UpdateTask(ctx context.Context, t *dmsd.Task, instanceStatus dmsd.InstanceStatus) (err error) {
	defer s.out(&err)
	steps, err := encodeSteps(t.Steps, t.CreatedAt.UnixMilli())
	if err != nil {
		return err
	}
	var rs *runSave
	if instanceStatus != "" {
		if rs, err = s.prepareRunSave(t.ProjectID, t.InstanceID, nil, instanceStatus); err != nil {
			return err
		}
	}
	defer s.forgetTask(t.ID)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		n, err := tx.UpdateTask(ctx, t.ID, string(t.Status), t.Reason, steps, t.UpdatedAt.UnixMilli())
		if err != nil {
			return err
		}
		if n == 0 {
			return errTaskNotFound()
		}
		if err := endJob(ctx, tx, t, 0); err != nil {
			return err
		}
		if rs == nil {
			return nil
		}
		return s.saveRunInstance(ctx, tx, rs)
	})
}

// DeleteTask deletes the record of a finished task. It returns
// EINSTANCENOTFOUND or ETASKNOTFOUND if either does not exist, and
// ETASKRUNNING if the task has not finished.
func (s *Store) DeleteTask(ctx context.Context, projectID, instanceID, taskID string) (err error) {
	defer s.out(&err)
	defer s.forgetTask(taskID)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		// The row is locked (or the one writer holds the database), so a
		// task that finishes or is deleted meanwhile cannot slip between
		// this read and the delete.
		r, err := tx.GetTask(ctx, projectID, instanceID, taskID, true)
		if s.isNoRows(err) {
			if _, err := s.findInstance(ctx, tx, projectID, instanceID, false); err != nil {
				return err
			}
			return errTaskNotFound()
		} else if err != nil {
			return err
		}
		if status := dmsd.TaskStatus(r.Status); !status.Finished() {
			return dmsd.Errorf(dmsd.ETASKRUNNING, "This DMS instance job task is still running (%s): only Successful, Failed or Cancelled tasks can be deleted.", status)
		}
		// A replayed request is refused only now that the record would go.
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		if err := tx.DeleteTask(ctx, taskID); err != nil {
			return err
		}
		return tx.AddTaskCount(ctx, instanceID, -1)
	})
}

// CountTasks returns the number of task records by name and status.
func (s *Store) CountTasks(ctx context.Context) (_ map[[2]string]int, err error) {
	defer s.out(&err)
	rows, err := s.d.GetExecutor().CountTasksByNameStatus(ctx)
	if err != nil {
		return nil, err
	}
	counts := make(map[[2]string]int, len(rows))
	for _, c := range rows {
		counts[[2]string{c.Name, c.Status}] = c.N
	}
	return counts, nil
}
