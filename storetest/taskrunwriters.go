package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// ExerciseTaskRunKeepsOtherWrites checks that the end of a task run keeps
// the user notes, group notes, tags and storage growth that were set on its
// instance while it ran, when
// they were set through another store of the same database (another
// replica), whose write the running store did not see, and when the running
// store last saw a write of its own that rolled back; and that FindTaskRun
// reads a task with its instance as they are stored. writer and runner may
// be one store.
func ExerciseTaskRunKeepsOtherWrites(t *testing.T, newPair func(t *testing.T) (writer, runner dmsd.Store)) {
	// quick returns a bundle on runner whose instance is RUNNING with a
	// CREATED changeRetentionPolicy task, and the instance as the task's
	// step read it.
	quick := func(t *testing.T, runner dmsd.Store) (*bundle, *dmsd.Task, *dmsd.Instance) {
		b := setup(t, func(*testing.T) dmsd.Store { return runner })
		finish(t, b, b.task, dmsd.TaskSuccess)
		task := NewTask(b.inst, "changeRetentionPolicy")
		require.NoError(t, runner.SubmitTask(b.ctx, &dmsd.Submission{Task: task, AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning}}))
		seen, err := runner.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		return b, task, seen
	}
	// end saves task's successful run through runner, with seen's new
	// retention policy, and returns the instance as stored then.
	end := func(t *testing.T, b *bundle, runner dmsd.Store, task *dmsd.Task, seen *dmsd.Instance, status dmsd.InstanceStatus) *dmsd.Instance {
		seen.RetentionPolicy = "produce_reject"
		done := *task
		done.Steps = append([]dmsd.Step(nil), task.Steps...)
		for i := range done.Steps {
			done.Steps[i].Status = dmsd.StepSuccess
		}
		done.Status, done.UpdatedAt = dmsd.TaskSuccess, task.UpdatedAt.Add(1)
		require.NoError(t, runner.SaveTaskRun(b.ctx, &done, task.JobID, seen, status))
		got, err := runner.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		return got
	}

	t.Run("TaskRunKeepsTagsSetThroughAnotherStore", func(t *testing.T) {
		t.Parallel()
		writer, runner := newPair(t)
		b, task, seen := quick(t, runner)
		tagged, err := writer.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		tagged.Tags = []dmsd.Tag{{Key: "team", Value: "blue"}}
		tagged.UserNotes = map[string]dmsd.UserNote{"alice": {}}
		tagged.GroupNotes = map[string]dmsd.GroupNote{"readers": {Description: "made meanwhile"}}
		tagged.VolumeExpand = &dmsd.VolumeExpand{Enabled: true, Threshold: 80, Increment: 20, MaxSize: 1000}
		require.NoError(t, writer.UpdateInstance(b.ctx, tagged))

		got := end(t, b, runner, task, seen, dmsd.InstanceRunning)
		require.Equal(t, "produce_reject", got.RetentionPolicy)
		require.Equal(t, tagged.Tags, got.Tags, "the tags set meanwhile are kept")
		require.Equal(t, tagged.UserNotes, got.UserNotes, "the users added meanwhile are kept")
		require.Equal(t, tagged.GroupNotes, got.GroupNotes, "the groups added meanwhile are kept")
		require.Equal(t, tagged.VolumeExpand, got.VolumeExpand, "the storage growth set meanwhile is kept")
		// And through the writer, which reads what the runner wrote.
		fromWriter, err := writer.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Equal(t, got, fromWriter)
	})

	t.Run("TaskRunAfterARolledBackWrite", func(t *testing.T) {
		t.Parallel()
		_, runner := newPair(t)
		b, task, seen := quick(t, runner)
		// A submission that moves the instance to RESTARTING and is then
		// refused by the quota: the runner wrote the instance and rolled
		// it back.
		refused := NewTask(b.inst, "restartInstance")
		refused.ExecuteAt = dmsd.Now().Add(time.Hour) // Scheduled: the quick task does not refuse it first.
		err := runner.SubmitTask(b.ctx, &dmsd.Submission{Task: refused, InstanceStatus: dmsd.InstanceRestarting, Quota: &dmsd.Quota{MaxBrokers: 1}})
		requireCode(t, err, dmsd.EBROKERQUOTA)
		got := end(t, b, runner, task, seen, "")
		require.Equal(t, "produce_reject", got.RetentionPolicy)
		require.Equal(t, dmsd.InstanceRunning, got.Status, "the rolled-back status is not saved")
	})

	t.Run("FindTaskRunReadsTaskAndInstance", func(t *testing.T) {
		t.Parallel()
		writer, runner := newPair(t)
		b, task, _ := quick(t, runner)
		tagged, err := writer.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		tagged.Tags = []dmsd.Tag{{Key: "team", Value: "blue"}}
		require.NoError(t, writer.UpdateInstance(b.ctx, tagged))

		gotTask, gotInst, err := runner.FindTaskRun(b.ctx, task.ID)
		require.NoError(t, err)
		byID, err := runner.FindTaskByID(b.ctx, task.ID)
		require.NoError(t, err)
		require.Equal(t, byID, gotTask)
		inst, err := runner.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Equal(t, inst, gotInst)
		require.Equal(t, tagged.Tags, gotInst.Tags)

		_, _, err = runner.FindTaskRun(b.ctx, dmsd.NewID())
		requireCode(t, err, dmsd.ETASKNOTFOUND)
	})
}
