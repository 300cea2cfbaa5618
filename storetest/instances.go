package storetest

import (
	"fmt"
	"sync"
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

	t.Run("ModifyInstanceLosesNoConcurrentChange", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = b.store.ModifyInstance(b.ctx, b.inst.ProjectID, b.inst.ID, func(inst *dmsd.Instance) error {
					inst.Tags = append(inst.Tags, dmsd.Tag{Key: fmt.Sprintf("k%02d", i), Value: "v"})
					return nil
				})
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		inst, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Len(t, inst.Tags, n, "each change saw the ones before it")

		refused := dmsd.Errorf(dmsd.EINVALID, "refused")
		require.Equal(t, refused, b.store.ModifyInstance(b.ctx, b.inst.ProjectID, b.inst.ID, func(inst *dmsd.Instance) error {
			inst.Tags = nil
			return refused
		}))
		require.NoError(t, b.store.ModifyInstance(b.ctx, b.inst.ProjectID, b.inst.ID, func(inst *dmsd.Instance) error {
			inst.Tags = nil
			return dmsd.ErrUnchanged
		}))
		after, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Equal(t, inst, after, "a refused or unchanged change saves nothing")
		requireCode(t, b.store.ModifyInstance(b.ctx, dmsd.NewID(), b.inst.ID, func(*dmsd.Instance) error { return nil }), dmsd.EINSTANCENOTFOUND)
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
