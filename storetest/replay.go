package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// exerciseReplays checks that an operation run for a replayed request
// (dmsd.WithReplay) gives the store's own refusal when it has one, and is
// otherwise refused with EREPLAYED, changing nothing.
func exerciseReplays(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	ctx := context.Background()
	replayed := dmsd.WithReplay(ctx)
	requireCode := func(t *testing.T, err error, code string) {
		t.Helper()
		require.Error(t, err)
		require.Equal(t, code, dmsd.ErrorCode(err), err.Error())
	}
	setup := func(t *testing.T) (dmsd.Store, *dmsd.Instance, *dmsd.Task) {
		t.Helper()
		store := newStore(t)
		inst := NewInstance(dmsd.NewID())
		create := NewTask(inst, "createInstance")
		require.NoError(t, store.SubmitTask(ctx, &dmsd.Submission{Task: create, NewInstance: inst}))
		return store, inst, create
	}
	taskCount := func(t *testing.T, store dmsd.Store, inst *dmsd.Instance) int {
		t.Helper()
		_, n, err := store.ListTasks(ctx, dmsd.TaskFilter{ProjectID: inst.ProjectID, InstanceID: inst.ID, Limit: 10})
		require.NoError(t, err)
		return n
	}

	t.Run("ReplayedSubmitAnswersOrRefuses", func(t *testing.T) {
		t.Parallel()
		store, inst, create := setup(t)
		restart := func() *dmsd.Submission {
			return &dmsd.Submission{Task: NewTask(inst, "restartInstance"), AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning}, InstanceStatus: dmsd.InstanceRestarting}
		}
		// CREATING while its creation runs: the status refuses it first.
		requireCode(t, store.SubmitTask(replayed, restart()), dmsd.EINSTANCESTATUS)
		create.Status = dmsd.TaskSuccess
		require.NoError(t, store.UpdateTask(ctx, create, dmsd.InstanceRunning))
		requireCode(t, store.SubmitTask(replayed, restart()), dmsd.EREPLAYED)
		missing := NewTask(NewInstance(inst.ProjectID), "restartInstance")
		requireCode(t, store.SubmitTask(replayed, &dmsd.Submission{Task: missing}), dmsd.EINSTANCENOTFOUND)
		fresh := NewInstance(inst.ProjectID)
		requireCode(t, store.SubmitTask(replayed, &dmsd.Submission{Task: NewTask(fresh, "createInstance"), NewInstance: fresh}), dmsd.EREPLAYED)

		_, err := store.FindInstance(ctx, fresh.ProjectID, fresh.ID)
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)
		found, err := store.FindInstance(ctx, inst.ProjectID, inst.ID)
		require.NoError(t, err)
		require.Equal(t, dmsd.InstanceRunning, found.Status, "the refused restart did not move the instance")
		require.Equal(t, 1, taskCount(t, store, inst))
		require.NoError(t, store.SubmitTask(ctx, restart()), "a fresh request still goes through")
	})

	t.Run("ReplayedDeletesAnswerOrRefuse", func(t *testing.T) {
		t.Parallel()
		store, inst, create := setup(t)
		requireCode(t, store.DeleteTask(replayed, inst.ProjectID, inst.ID, create.ID), dmsd.ETASKRUNNING)
		create.Status = dmsd.TaskSuccess
		require.NoError(t, store.UpdateTask(ctx, create, dmsd.InstanceRunning))
		requireCode(t, store.DeleteTask(replayed, inst.ProjectID, inst.ID, create.ID), dmsd.EREPLAYED)
		_, err := store.FindTask(ctx, inst.ProjectID, inst.ID, create.ID)
		require.NoError(t, err, "the record stays")
		require.Equal(t, 1, taskCount(t, store, inst))
		require.NoError(t, store.DeleteTask(ctx, inst.ProjectID, inst.ID, create.ID))
		requireCode(t, store.DeleteTask(replayed, inst.ProjectID, inst.ID, create.ID), dmsd.ETASKNOTFOUND)

		// Scheduled tasks: their own refusals first, then EREPLAYED.
		scheduled := NewTask(inst, "kafkaReassignment")
		scheduled.ExecuteAt = time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
		require.NoError(t, store.SubmitTask(ctx, &dmsd.Submission{Task: scheduled}))
		at := scheduled.ExecuteAt.Add(time.Hour)
		requireCode(t, store.RescheduleTask(replayed, inst.ProjectID, inst.ID, scheduled.ID, at), dmsd.EREPLAYED)
		requireCode(t, store.CancelTask(replayed, inst.ProjectID, inst.ID, scheduled.ID), dmsd.EREPLAYED)
		requireCode(t, store.DeleteScheduledTask(replayed, inst.ProjectID, inst.ID, scheduled.ID), dmsd.EREPLAYED)
		found, err := store.FindTaskByID(ctx, scheduled.ID)
		require.NoError(t, err)
		require.Equal(t, dmsd.TaskCreated, found.Status)
		require.True(t, found.ExecuteAt.Equal(scheduled.ExecuteAt))
		require.Equal(t, scheduled.JobID, found.JobID)

		require.NoError(t, store.CancelTask(ctx, inst.ProjectID, inst.ID, scheduled.ID))
		requireCode(t, store.CancelTask(replayed, inst.ProjectID, inst.ID, scheduled.ID), dmsd.ESCHEDULESTARTED)
		requireCode(t, store.RescheduleTask(replayed, inst.ProjectID, inst.ID, scheduled.ID, at), dmsd.ESCHEDULESTARTED)
		require.NoError(t, store.DeleteScheduledTask(ctx, inst.ProjectID, inst.ID, scheduled.ID))
		requireCode(t, store.DeleteScheduledTask(replayed, inst.ProjectID, inst.ID, scheduled.ID), dmsd.ETASKNOTFOUND)
	})
}
