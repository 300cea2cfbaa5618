package store

import (
	"context"

	"github.com/dmsd/dmsd"
)

// SaveTaskRun saves in one transaction the whole run of an unscheduled task
// whose start was not saved (a quick kind's, dmsd.TaskStore): its status,
// reason, steps and update time, in one update of the CREATED row; the
// instance as its steps left it (inst, nil when they changed nothing), with
// the record's current user notes and tags, moved to instanceStatus when that
// is set; and, as the task is finished, the end of its job. It returns
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
	return s.inTx(ctx, func(tx ExecutorTx) error {
		n, err := tx.EndCreatedTask(ctx, t.ID, jobID, string(t.Status), t.Reason, steps, t.UpdatedAt.UnixMilli())
		if err != nil {
			return err
		}
		if n == 0 {
			return errTaskNotFound()
		}
		if rs != nil {
			// Users and tags are managed while tasks run: the record's
			// are the current ones, as stepStore keeps them.
			if err := s.saveRunInstance(ctx, tx, rs); err != nil {
				return err
			}
		}
		return endJob(ctx, tx, t, jobID)
	})
}

// endJob deletes the queue job of a finished task, in the transaction that
// saves its end: the task record is all that is kept of a task, and River's
// completer, finding no job, then writes nothing, where completing the job
// would cost a transaction of its own after this one. The job's ids are never
// reused (River's SQLite job ids autoincrement, PostgreSQL's come from a
// sequence), so a completion that River still holds cannot reach another job.
// jobID is the job that ran the task, 0 for its recorded one.
func endJob(ctx context.Context, tx ExecutorTx, t *dmsd.Task, jobID int64) error {
	if !t.Status.Finished() {
		return nil
	}
	if jobID == 0 {
		jobID = t.JobID
	}
	if jobID == 0 {
		return nil
	}
	return tx.DeleteJob(ctx, jobID)
}
