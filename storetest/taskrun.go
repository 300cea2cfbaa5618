package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// exerciseTaskRuns checks SaveTaskRun, the one write of a quick task's run:
// it saves the run and the instance as the steps left it, keeping what was
// managed meanwhile, and saves nothing for a task that is no longer CREATED
// or whose job is not the one that ran it.
func exerciseTaskRuns(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	// quick returns a bundle whose instance is RUNNING with a CREATED
	// changeRetentionPolicy task, ready to run.
	quick := func(t *testing.T) (*bundle, *dmsd.Task) {
		b := setup(t, newStore)
		finish(t, b, b.task, dmsd.TaskSuccess)
		task := NewTask(b.inst, "changeRetentionPolicy")
		require.NoError(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: task, AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning}}))
		return b, task
	}
	// run returns task as its quick run ends: its steps done, SUCCESS.
	run := func(task *dmsd.Task) *dmsd.Task {
		done := *task
		done.Steps = append([]dmsd.Step(nil), task.Steps...)
		start := task.CreatedAt.Add(3 * time.Millisecond)
		for i := range done.Steps {
			done.Steps[i].Status, done.Steps[i].StartedAt, done.Steps[i].EndedAt = dmsd.StepSuccess, start, start.Add(time.Millisecond)
		}
		done.Status, done.UpdatedAt = dmsd.TaskSuccess, start.Add(time.Millisecond)
		return &done
	}

	t.Run("TaskRunSavesRunAndInstance", func(t *testing.T) {
		t.Parallel()
		b, task := quick(t)
		// What the steps read, before a user tagged the instance.
		seen, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		tagged := *seen
		tagged.Tags = []dmsd.Tag{{Key: "team", Value: "blue"}}
		require.NoError(t, b.store.UpdateInstance(b.ctx, &tagged))

		seen.RetentionPolicy = "produce_reject"
		done := run(task)
		require.NoError(t, b.store.SaveTaskRun(b.ctx, done, task.JobID, seen, dmsd.InstanceRunning))

		got, err := b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, task.ID)
		require.NoError(t, err)
		require.Equal(t, done, got)
		inst, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Equal(t, "produce_reject", inst.RetentionPolicy)
		require.Equal(t, tagged.Tags, inst.Tags, "the tags set meanwhile are kept")
		require.Equal(t, dmsd.InstanceRunning, inst.Status)
		// The instance takes its next task at once.
		require.NoError(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: NewTask(b.inst, "restartInstance")}))
	})

	t.Run("TaskRunSavesNothingOnceNotCreated", func(t *testing.T) {
		t.Parallel()
		b, task := quick(t)
		require.NoError(t, b.store.StartTask(b.ctx, task.ID, task.JobID, dmsd.Now()))
		seen, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		seen.RetentionPolicy = "produce_reject"
		requireCode(t, b.store.SaveTaskRun(b.ctx, run(task), task.JobID, seen, dmsd.InstanceRunning), dmsd.ETASKNOTFOUND)
		got, err := b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, task.ID)
		require.NoError(t, err)
		require.Equal(t, dmsd.TaskExecuting, got.Status)
		inst, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Equal(t, "time_base", inst.RetentionPolicy)
	})

	t.Run("TaskRunRacingAStartSavesAllOrNothing", func(t *testing.T) {
		t.Parallel()
		// Another worker starting the task (a job run twice) races the
		// run's end: either the end is saved with its instance, or nothing
		// of it is, whichever comes first.
		for range 8 {
			b, task := quick(t)
			seen, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
			require.NoError(t, err)
			seen.RetentionPolicy = "produce_reject"
			started := make(chan error, 1)
			go func() { started <- b.store.StartTask(b.ctx, task.ID, task.JobID, dmsd.Now()) }()
			endErr := b.store.SaveTaskRun(b.ctx, run(task), task.JobID, seen, dmsd.InstanceRunning)
			startErr := <-started
			got, err := b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, task.ID)
			require.NoError(t, err)
			inst, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
			require.NoError(t, err)
			if endErr == nil {
				requireCode(t, startErr, dmsd.ETASKNOTFOUND)
				require.Equal(t, dmsd.TaskSuccess, got.Status)
				require.Equal(t, "produce_reject", inst.RetentionPolicy)
			} else {
				requireCode(t, endErr, dmsd.ETASKNOTFOUND)
				require.NoError(t, startErr)
				require.Equal(t, dmsd.TaskExecuting, got.Status)
				require.Equal(t, "time_base", inst.RetentionPolicy, "a refused end changes no instance")
			}
		}
	})

	t.Run("TaskRunOfAnotherJobSavesNothing", func(t *testing.T) {
		t.Parallel()
		b, task := quick(t)
		requireCode(t, b.store.SaveTaskRun(b.ctx, run(task), task.JobID+1000, nil, ""), dmsd.ETASKNOTFOUND)
		got, err := b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, task.ID)
		require.NoError(t, err)
		require.Equal(t, dmsd.TaskCreated, got.Status)
	})
}
