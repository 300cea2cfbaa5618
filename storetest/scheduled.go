package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// exerciseScheduled checks scheduled tasks: they do not block the instance
// until they start, they wait when they come due while another task runs,
// and they can be listed, rescheduled, cancelled and deleted.
func exerciseScheduled(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	ctx := context.Background()
	requireCode := func(t *testing.T, err error, code string) {
		t.Helper()
		require.Error(t, err)
		require.Equal(t, code, dmsd.ErrorCode(err), err.Error())
	}
	// setup returns a store with a RUNNING instance and no unfinished task.
	setup := func(t *testing.T) (dmsd.Store, *dmsd.Instance) {
		t.Helper()
		store := newStore(t)
		inst := NewInstance(dmsd.NewID())
		create := NewTask(inst, "createInstance")
		require.NoError(t, store.SubmitTask(ctx, &dmsd.Submission{Task: create, NewInstance: inst}))
		create.Status = dmsd.TaskSuccess
		require.NoError(t, store.UpdateTask(ctx, create, dmsd.InstanceRunning))
		return store, inst
	}
	schedule := func(t *testing.T, store dmsd.Store, inst *dmsd.Instance, at time.Time) *dmsd.Task {
		t.Helper()
		task := NewTask(inst, "kafkaReassignment")
		task.ExecuteAt = at.UTC().Truncate(time.Millisecond)
		require.NoError(t, store.SubmitTask(ctx, &dmsd.Submission{Task: task, AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning}}))
		require.NotZero(t, task.JobID)
		return task
	}
	later := time.Now().Add(time.Hour)

	t.Run("CheckIdleCountsWhatASubmissionWaitsFor", func(t *testing.T) {
		t.Parallel()
		store, inst := setup(t)
		require.NoError(t, store.CheckIdle(ctx, inst.ProjectID, inst.ID))
		requireCode(t, store.CheckIdle(ctx, dmsd.NewID(), inst.ID), dmsd.EINSTANCENOTFOUND)
		scheduled := schedule(t, store, inst, later)
		require.NoError(t, store.CheckIdle(ctx, inst.ProjectID, inst.ID), "a scheduled task holds nothing until it starts")
		restart := NewTask(inst, "restartInstance")
		require.NoError(t, store.SubmitTask(ctx, &dmsd.Submission{Task: restart}))
		requireCode(t, store.CheckIdle(ctx, inst.ProjectID, inst.ID), dmsd.ETASKRUNNING)
		require.NoError(t, store.StartTask(ctx, restart.ID, 0, dmsd.Now()))
		requireCode(t, store.CheckIdle(ctx, inst.ProjectID, inst.ID), dmsd.ETASKRUNNING)
		restart.Status = dmsd.TaskSuccess
		require.NoError(t, store.UpdateTask(ctx, restart, dmsd.InstanceRunning))
		require.NoError(t, store.CheckIdle(ctx, inst.ProjectID, inst.ID))
		require.NoError(t, store.StartTask(ctx, scheduled.ID, 0, dmsd.Now()))
		requireCode(t, store.CheckIdle(ctx, inst.ProjectID, inst.ID), dmsd.ETASKRUNNING)
	})

	t.Run("ScheduledTaskDoesNotBlockUntilItStarts", func(t *testing.T) {
		t.Parallel()
		store, inst := setup(t)
		scheduled := schedule(t, store, inst, later)
		again := schedule(t, store, inst, later)
		found, err := store.FindTask(ctx, inst.ProjectID, inst.ID, scheduled.ID)
		require.NoError(t, err)
		require.Equal(t, scheduled, found)

		// Other operations go ahead while it waits.
		restart := NewTask(inst, "restartInstance")
		require.NoError(t, store.SubmitTask(ctx, &dmsd.Submission{Task: restart}))
		// Come due now, it waits for the instance's running task, created
		// or executing.
		requireCode(t, store.StartTask(ctx, scheduled.ID, 0, dmsd.Now()), dmsd.ETASKRUNNING)
		require.NoError(t, store.StartTask(ctx, restart.ID, 0, dmsd.Now()))
		requireCode(t, store.StartTask(ctx, scheduled.ID, 0, dmsd.Now()), dmsd.ETASKRUNNING)
		found, err = store.FindTaskByID(ctx, scheduled.ID)
		require.NoError(t, err)
		require.Equal(t, dmsd.TaskCreated, found.Status, "a refused start changes nothing")
		restart.Status = dmsd.TaskSuccess
		require.NoError(t, store.UpdateTask(ctx, restart, ""))

		// Started, it is the instance's running task.
		require.NoError(t, store.StartTask(ctx, scheduled.ID, 0, dmsd.Now()))
		requireCode(t, store.SubmitTask(ctx, &dmsd.Submission{Task: NewTask(inst, "restartInstance")}), dmsd.ETASKRUNNING)
		requireCode(t, store.StartTask(ctx, again.ID, 0, dmsd.Now()), dmsd.ETASKRUNNING)
		// A started task cannot be started, cancelled, rescheduled or deleted.
		requireCode(t, store.StartTask(ctx, scheduled.ID, 0, dmsd.Now()), dmsd.ETASKNOTFOUND)
		requireCode(t, store.CancelTask(ctx, inst.ProjectID, inst.ID, scheduled.ID), dmsd.ESCHEDULESTARTED)
		requireCode(t, store.RescheduleTask(ctx, inst.ProjectID, inst.ID, scheduled.ID, later), dmsd.ESCHEDULESTARTED)
		requireCode(t, store.DeleteScheduledTask(ctx, inst.ProjectID, inst.ID, scheduled.ID), dmsd.ETASKRUNNING)
		// But a new scheduled one is still accepted.
		schedule(t, store, inst, later)
	})

	t.Run("ListScheduledTasks", func(t *testing.T) {
		t.Parallel()
		store, inst := setup(t)
		first := schedule(t, store, inst, later)
		second := schedule(t, store, inst, later.Add(time.Minute))
		tasks, count, err := store.ListScheduledTasks(ctx, dmsd.TaskFilter{ProjectID: inst.ProjectID, InstanceID: inst.ID, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, 2, count, "the createInstance task is not a scheduled one")
		require.Len(t, tasks, 2)
		ids := []string{tasks[0].ID, tasks[1].ID}
		require.ElementsMatch(t, []string{first.ID, second.ID}, ids)
		for _, task := range tasks {
			require.True(t, task.Scheduled())
		}
		page, count, err := store.ListScheduledTasks(ctx, dmsd.TaskFilter{ProjectID: inst.ProjectID, InstanceID: inst.ID, Offset: 1, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, 2, count)
		require.Len(t, page, 1)
		_, _, err = store.ListScheduledTasks(ctx, dmsd.TaskFilter{ProjectID: dmsd.NewID(), InstanceID: inst.ID, Limit: 10})
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)
	})

	t.Run("RescheduleCancelDelete", func(t *testing.T) {
		t.Parallel()
		store, inst := setup(t)
		task := schedule(t, store, inst, later)
		at := later.Add(time.Hour).UTC().Truncate(time.Millisecond)
		require.NoError(t, store.RescheduleTask(ctx, inst.ProjectID, inst.ID, task.ID, at))
		found, err := store.FindTaskByID(ctx, task.ID)
		require.NoError(t, err)
		require.True(t, found.ExecuteAt.Equal(at))
		require.Equal(t, dmsd.TaskCreated, found.Status)
		require.NotEqual(t, task.JobID, found.JobID, "a new job runs it")
		requireCode(t, store.StartTask(ctx, task.ID, task.JobID, dmsd.Now()), dmsd.ETASKNOTFOUND) // The old job does not start it.

		require.NoError(t, store.CancelTask(ctx, inst.ProjectID, inst.ID, task.ID))
		found, err = store.FindTaskByID(ctx, task.ID)
		require.NoError(t, err)
		require.Equal(t, dmsd.TaskCancelled, found.Status)
		requireCode(t, store.StartTask(ctx, task.ID, 0, dmsd.Now()), dmsd.ETASKNOTFOUND)
		requireCode(t, store.CancelTask(ctx, inst.ProjectID, inst.ID, task.ID), dmsd.ESCHEDULESTARTED)
		requireCode(t, store.RescheduleTask(ctx, inst.ProjectID, inst.ID, task.ID, at), dmsd.ESCHEDULESTARTED)
		require.NoError(t, store.DeleteScheduledTask(ctx, inst.ProjectID, inst.ID, task.ID))
		_, err = store.FindTaskByID(ctx, task.ID)
		requireCode(t, err, dmsd.ETASKNOTFOUND)

		// A waiting one is deleted too, and the task count follows.
		waiting := schedule(t, store, inst, later)
		require.NoError(t, store.DeleteScheduledTask(ctx, inst.ProjectID, inst.ID, waiting.ID))
		_, count, err := store.ListTasks(ctx, dmsd.TaskFilter{ProjectID: inst.ProjectID, InstanceID: inst.ID, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, 1, count)

		// Tasks that are not scheduled are not found here, nor are other
		// projects' tasks.
		tasks, _, err := store.ListTasks(ctx, dmsd.TaskFilter{ProjectID: inst.ProjectID, InstanceID: inst.ID, Limit: 10})
		require.NoError(t, err)
		plain := tasks[0].ID
		requireCode(t, store.CancelTask(ctx, inst.ProjectID, inst.ID, plain), dmsd.ETASKNOTFOUND)
		requireCode(t, store.RescheduleTask(ctx, inst.ProjectID, inst.ID, plain, at), dmsd.ETASKNOTFOUND)
		requireCode(t, store.DeleteScheduledTask(ctx, inst.ProjectID, inst.ID, plain), dmsd.ETASKNOTFOUND)
		other := schedule(t, store, inst, later)
		requireCode(t, store.CancelTask(ctx, dmsd.NewID(), inst.ID, other.ID), dmsd.EINSTANCENOTFOUND)
		requireCode(t, store.DeleteScheduledTask(ctx, inst.ProjectID, inst.ID, dmsd.NewID()), dmsd.ETASKNOTFOUND)
	})
}
