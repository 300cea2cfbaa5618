package engine

import (
	"context"
	"log/slog"

	"github.com/dmsd/dmsd"
)

// runQuick runs a CREATED task of a quick kind (Kind.Quick), not scheduled,
// which holds its instance's one unfinished task since it was accepted, its
// steps starting from inst, the instance as read with the task, and saves
// its whole run in one write: its start, its steps with their times, the
// instance as the steps left it, and its end, with the end of its job.
// The start is not saved apart, as the steps last milliseconds: a user sees
// the task CREATED, then finished, with the times of its steps as they ran.
// An interruption (shutdown, the database away) saves nothing and returns
// the error, and the task runs again from its start when River retries the
// job, as the steps only record on the instance, which nothing saved yet.
func (e *Engine) runQuick(ctx context.Context, logger *slog.Logger, t *dmsd.Task, inst *dmsd.Instance, k kind, jobID int64) error {
	pending := &pendingStore{InstanceStore: e.store, id: t.InstanceID, read: inst}
	t.Status, t.UpdatedAt = dmsd.TaskExecuting, dmsd.Now()
	for i := range t.Steps {
		if t.Steps[i].Status == dmsd.StepSuccess {
			continue
		}
		t.Steps[i].Status, t.Steps[i].StartedAt = dmsd.StepExecuting, dmsd.Now()
		if err := e.doStep(ctx, logger, pending, t, k, i); err != nil {
			return err // Interrupted: nothing was saved, it runs again from its start.
		}
		if t.Status == dmsd.TaskFailed {
			break
		}
	}
	if t.Status == dmsd.TaskExecuting {
		t.Status = dmsd.TaskSuccess
	}
	status, _ := k.ending(t.Status == dmsd.TaskFailed)
	switch err := e.store.SaveTaskRun(context.WithoutCancel(ctx), t, jobID, pending.inst, status); dmsd.ErrorCode(err) {
	case "":
	case dmsd.ETASKNOTFOUND:
		// Cancelled, deleted or rescheduled meanwhile: the steps' change
		// of the instance goes unsaved with the run.
		return nil
	default:
		return err
	}
	e.duration.WithLabelValues(t.Name, string(t.Status)).Observe(t.UpdatedAt.Sub(t.CreatedAt).Seconds())
	if t.Status == dmsd.TaskSuccess {
		logger.Info("task succeeded", "duration", t.UpdatedAt.Sub(t.CreatedAt))
	}
	return nil
}

// pendingStore is the instance store of a quick task's steps: the task's
// instance as they save it is kept (inst) for the task's one write, and the
// steps after them read it from here; other instances pass through.
type pendingStore struct {
	dmsd.InstanceStore
	id   string
	inst *dmsd.Instance
	// read is the task's instance as read with the task, which the steps
	// start from: nothing the steps do to the instance is saved
	// meanwhile.
	read *dmsd.Instance
}

// FindInstance returns the task's instance as the steps saved it, or as it
// was read with the task; other instances as the store has them. It returns
// the store's errors.
func (s *pendingStore) FindInstance(ctx context.Context, projectID, instanceID string) (*dmsd.Instance, error) {
	if instanceID == s.id {
		switch {
		case s.inst != nil:
			c := *s.inst
			return &c, nil
		case s.read != nil && projectID == s.read.ProjectID:
			c := *s.read
			return &c, nil
		}
	}
	return s.InstanceStore.FindInstance(ctx, projectID, instanceID)
}

// UpdateInstance keeps the task's instance for the task's write; another
// instance is saved at once, with stepStore's care for the fields the API manages. It
// returns the store's errors for another instance, nil for the task's.
func (s *pendingStore) UpdateInstance(ctx context.Context, inst *dmsd.Instance) error {
	if inst.ID != s.id {
		return stepStore{s.InstanceStore}.UpdateInstance(ctx, inst)
	}
	c := *inst
	s.inst = &c
	return nil
}
