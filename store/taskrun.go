package store

import (
	"context"

	"github.com/dmsd/dmsd"
)

// SaveTaskRun saves in one transaction the whole run of an unscheduled task
// whose start was not saved (a quick kind's, dmsd.TaskStore): its status,
// reason, steps and update time, in one update of the CREATED row; the
// instance as its steps left it (inst, nil when they changed nothing), with
// the record's current fields that the API manages (KeepAPIFields), moved to
// instanceStatus when that is set; and, as the task is finished, the end of its job. It returns
// ETASKNOTFOUND, saving nothing, if the task does not exist, is no longer
// CREATED or was rescheduled to another job than jobID, and EINSTANCENOTFOUND
// if the instance is gone.
func (s *Store) SaveTaskRun(ctx context.Context, t *dmsd.Task, jobID int64, inst *dmsd.Instance, instanceStatus dmsd.InstanceStatus) (err error) {
	defer s.out(&err)
	steps, err := encodeSteps(t.Steps, t.CreatedAt.UnixMilli())
	if err != nil {
		return err
	}
	var rs *runSave
	if inst != nil || instanceStatus != "" {
		if rs, err = s.prepareRunSave(t.ProjectID, t.InstanceID, inst, instanceStatus); err != nil {
			return err
		}
	}
	defer s.forgetTask(t.ID)
	run := &TaskRunRow{
		TaskID: t.ID, JobID: jobID, Status: string(t.Status), Reason: t.Reason, Steps: steps, UpdatedMs: t.UpdatedAt.UnixMilli(),
		EndJobID: jobToEnd(t, jobID), InstanceID: t.InstanceID,
	}
	if rs != nil && rs.next != nil {
		run.OldStatus, run.Old, run.NewStatus, run.Data = rs.old.status, rs.old.data, string(rs.next.Status), rs.data
	}
	// With nothing to read first, the end is one statement; where the
	// backend commits one alone, it takes one round trip, not three.
	if alone := s.d.Autocommit(); alone != nil && (rs == nil || run.Data != nil) {
		if ended, err := s.endTaskRun(ctx, alone, run); err != nil || ended {
			return err
		}
		if run.Data == nil {
			return errTaskNotFound()
		}
		// The task cannot end, or its instance's record is no longer the
		// one last known: the transaction below tells which.
		rs.next, run.Data = nil, nil
	}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		if run.Data != nil {
			if ended, err := s.endTaskRun(ctx, tx, run); err != nil || ended {
				return err
			}
			rs.next, run.Data = nil, nil
		}
		ended, err := s.endTaskRun(ctx, tx, run)
		if err != nil {
			return err
		}
		if !ended {
			return errTaskNotFound()
		}
		if rs == nil {
			return nil
		}
		// The fields the API manages while tasks run are the record's
		// (runInstance), as stepStore keeps them: over the record read
		// under its lock.
		return s.saveRunInstance(ctx, tx, rs)
	})
}

// endTaskRun runs run's EndTaskRun on ex and returns whether it saved it;
// when that includes the instance's record, the record is the one this
// process last knows.
func (s *Store) endTaskRun(ctx context.Context, ex Executor, run *TaskRunRow) (bool, error) {
	ended, err := ex.EndTaskRun(ctx, run)
	if err == nil && ended && run.Data != nil {
		s.know(run.InstanceID, run.NewStatus, run.Data)
	}
	return ended, err
}

// endJob deletes the queue job of a finished task, in the transaction that
// saves its end: the task record is all that is kept of a task, and River's
// completer, finding no job, then writes nothing, where completing the job
// would cost a transaction of its own after this one. The job's ids are never
// reused (River's SQLite job ids autoincrement, PostgreSQL's come from a
// sequence), so a completion that River still holds cannot reach another job.
// jobID is the job that ran the task, 0 for its recorded one.
func endJob(ctx context.Context, tx ExecutorTx, t *dmsd.Task, jobID int64) error {
	if jobID = jobToEnd(t, jobID); jobID == 0 {
		return nil
	}
	return tx.DeleteJob(ctx, jobID)
}

// jobToEnd returns the job that endJob deletes, 0 for none.
func jobToEnd(t *dmsd.Task, jobID int64) int64 {
	if !t.Status.Finished() {
		return 0
	}
	if jobID == 0 {
		jobID = t.JobID
	}
	return jobID
}
