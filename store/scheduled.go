package store

import (
	"context"
	"time"

	"github.com/dmsd/dmsd"
)

// findScheduled returns a scheduled task of an instance, its row locked, or
// EINSTANCENOTFOUND or ETASKNOTFOUND (also for a task that is not scheduled).
func (s *Store) findScheduled(ctx context.Context, tx ExecutorTx, projectID, instanceID, taskID string) (*dmsd.Instance, *dmsd.Task, error) {
	inst, err := s.findInstance(ctx, tx, projectID, instanceID, false)
	if err != nil {
		return nil, nil, err
	}
	r, err := tx.GetTask(ctx, projectID, instanceID, taskID, true)
	if s.isNoRows(err) {
		return nil, nil, errTaskNotFound()
	} else if err != nil {
		return nil, nil, err
	}
	t, err := decodeTask(r)
	if err == nil && !t.Scheduled() {
		return nil, nil, errTaskNotFound()
	}
	return inst, t, err
}

// changeScheduled runs fn on a scheduled task that is still CREATED, in one
// transaction with the queue ready; the refusals come first, then the check
// that the request is not replayed.
func (s *Store) changeScheduled(ctx context.Context, projectID, instanceID, taskID string,
	fn func(tx ExecutorTx, q Queue, inst *dmsd.Instance, t *dmsd.Task) error) (err error) {
	defer s.out(&err)
	q, err := s.readyQueue()
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		inst, t, err := s.findScheduled(ctx, tx, projectID, instanceID, taskID)
		if err != nil {
			return err
		}
		if t.Status != dmsd.TaskCreated {
			return errScheduleStarted(t.Status)
		}
		// The refusals above answer a replayed request as any other; past
		// here the operation changes something, which a replay may not.
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		return fn(tx, q, inst, t)
	})
}

// RescheduleTask cancels the job of a scheduled CREATED task and queues a new
// one for at, with the record, in one transaction.
func (s *Store) RescheduleTask(ctx context.Context, projectID, instanceID, taskID string, at time.Time) error {
	return s.changeScheduled(ctx, projectID, instanceID, taskID, func(tx ExecutorTx, q Queue, inst *dmsd.Instance, t *dmsd.Task) error {
		if err := s.cancelJob(ctx, tx, q, t.JobID); err != nil {
			return err
		}
		jobID, err := q.Insert(ctx, s.d.UnwrapTx(tx), t.ID, inst.Queue(), at)
		if err != nil {
			return err
		}
		return tx.RescheduleTask(ctx, t.ID, at.UnixMilli(), jobID, dmsd.Now().UnixMilli())
	})
}

// CancelTask cancels a scheduled CREATED task and its job in one transaction.
// The task's row is locked, so a worker starting it meanwhile waits and then
// finds it CANCELLED.
func (s *Store) CancelTask(ctx context.Context, projectID, instanceID, taskID string) error {
	return s.changeScheduled(ctx, projectID, instanceID, taskID, func(tx ExecutorTx, q Queue, _ *dmsd.Instance, t *dmsd.Task) error {
		// The status condition keeps a worker that started the task from
		// being overwritten, should a backend let one slip past the lock.
		n, err := tx.CancelCreatedTask(ctx, t.ID, dmsd.Now().UnixMilli())
		if err != nil {
			return err
		}
		if n == 0 {
			return errScheduleStarted(dmsd.TaskExecuting)
		}
		return s.cancelJob(ctx, tx, q, t.JobID)
	})
}

// DeleteScheduledTask deletes a scheduled task that has not started or has
// finished, cancelling its job.
func (s *Store) DeleteScheduledTask(ctx context.Context, projectID, instanceID, taskID string) (err error) {
	defer s.out(&err)
	q, err := s.readyQueue()
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		_, t, err := s.findScheduled(ctx, tx, projectID, instanceID, taskID)
		if err != nil {
			return err
		}
		// The row is locked: the status read is the one deleted.
		if t.Status == dmsd.TaskExecuting {
			return dmsd.Errorf(dmsd.ETASKRUNNING, "This DMS instance job task is still running (EXECUTING): it can be deleted once it ends.")
		}
		// The refusals above answer a replayed request as any other; past
		// here the operation changes something, which a replay may not.
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		if err := tx.DeleteTask(ctx, t.ID); err != nil {
			return err
		}
		if err := tx.AddTaskCount(ctx, instanceID, -1); err != nil {
			return err
		}
		if t.Status == dmsd.TaskCreated {
			return s.cancelJob(ctx, tx, q, t.JobID)
		}
		return nil
	})
}

// cancelJob cancels a task's job; a task without one is fine.
func (s *Store) cancelJob(ctx context.Context, tx ExecutorTx, q Queue, jobID int64) error {
	if jobID == 0 {
		return nil
	}
	return q.Cancel(ctx, s.d.UnwrapTx(tx), jobID)
}
