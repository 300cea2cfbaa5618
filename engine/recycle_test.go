package engine_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
)

// TestRecycleBinExpiryIsTheSystems deletes an instance under a recycle bin
// policy whose days last a millisecond: the instance is RECYCLED with its
// times; once they are over, ExpireRecycled starts deleteInstance on it as
// the system, not as the user who deleted it.
func TestRecycleBinExpiryIsTheSystems(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// The bundle's engine with a recycle bin whose days last 1 ms.
	b.engine = engine.New(b.db, b.clusters, slog.New(slog.DiscardHandler), nil, engine.RecycleBin(b.db, time.Millisecond))
	inst := b.createRunning(t)
	require.NoError(t, b.engine.SetRecyclePolicy(b.ctx, b.actor, dmsd.RecyclePolicy{Enabled: true, RetentionDays: 2}))

	// The queue's worker runs the bundle's first engine, which has the
	// same kinds: recycleInstance runs whatever engine submitted it.
	del, err := b.engine.DeleteInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	require.Equal(t, "recycleInstance", del.Name)
	b.waitTask(t, inst, del.ID, dmsd.TaskSuccess)
	got, err := b.db.FindInstance(b.ctx, inst.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceRecycled, got.Status)
	require.Equal(t, 2*time.Millisecond, got.RecycleUntil.Sub(got.RecycledAt))
	recycled, err := b.engine.RecycledInstances(b.ctx, b.actor)
	require.NoError(t, err)
	require.Len(t, recycled, 1)

	// With the queue stopped, the expiry's task stays to be looked at.
	require.NoError(t, b.db.StopQueue(b.ctx))
	var tasks []*dmsd.Task
	require.Eventually(t, func() bool { // once the 2 ms are over
		require.NoError(t, b.engine.ExpireRecycled(b.ctx))
		tasks, _, err = b.db.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: inst.ProjectID, InstanceID: inst.ID, Limit: 1})
		require.NoError(t, err)
		return tasks[0].ID != del.ID
	}, 5*time.Second, time.Millisecond)
	require.Equal(t, "deleteInstance", tasks[0].Name)
	require.Equal(t, "system", tasks[0].UserName)
	require.Equal(t, dmsd.InstanceDeleting, mustFind(t, b, inst).Status)
}

func mustFind(t *testing.T, b *testBundle, inst *dmsd.Instance) *dmsd.Instance {
	t.Helper()
	got, err := b.db.FindInstance(b.ctx, inst.ProjectID, inst.ID)
	require.NoError(t, err)
	return got
}
