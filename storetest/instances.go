package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// exerciseInstances checks instance records: updates, deletion with their
// tasks, and the task counts.
func exerciseInstances(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	t.Run("DeleteInstanceRemovesItsTasks", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		require.NoError(t, b.store.DeleteInstance(b.ctx, b.inst.ID))
		require.NoError(t, b.store.DeleteInstance(b.ctx, b.inst.ID), "deleting twice is no error")
		_, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)
		_, err = b.store.FindTaskByID(b.ctx, b.task.ID)
		requireCode(t, err, dmsd.ETASKNOTFOUND)
		requireCode(t, b.store.UpdateTask(b.ctx, b.task, ""), dmsd.ETASKNOTFOUND)
	})

	t.Run("UpdateInstanceAndCounts", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.inst.Ports, b.inst.EnableAutoTopic, b.inst.Status = []int{9001, 9002, 9003}, true, dmsd.InstanceRunning
		require.NoError(t, b.store.UpdateInstance(b.ctx, b.inst))
		inst, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Equal(t, b.inst, inst)
		missing := NewInstance(b.inst.ProjectID)
		requireCode(t, b.store.UpdateInstance(b.ctx, missing), dmsd.EINSTANCENOTFOUND)

		counts, err := b.store.CountTasks(b.ctx)
		require.NoError(t, err)
		require.Equal(t, 1, counts[[2]string{"createInstance", "CREATED"}])
	})
}
