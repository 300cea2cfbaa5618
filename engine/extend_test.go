package engine_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestExtendInstanceStatuses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)

	// Refusals create no task.
	for _, ext := range []dmsd.Extension{
		{OperType: "storage", NewStorageSpace: 150},
		{OperType: "storage", NewStorageSpace: 100},
		{OperType: "horizontal", NewBrokerNum: 1},
		{OperType: "vertical"},
	} {
		_, err := b.engine.ExtendInstance(b.ctx, b.actor, inst.ID, ext)
		require.Error(t, err, "%+v", ext)
	}
	_, count, err := b.db.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: b.actor.ProjectID, InstanceID: inst.ID, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, 1, count)

	// The instance is EXTENDING while the task runs.
	b.clusters.hold()
	task, err := b.engine.ExtendInstance(b.ctx, b.actor, inst.ID, dmsd.Extension{OperType: "horizontal", NewBrokerNum: 3})
	require.NoError(t, err)
	<-b.clusters.entered // inside START_BROKERS
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceExtending, got.Status)
	require.Equal(t, 3, got.BrokerNum)
	require.Equal(t, []int{19092, 0, 0}, got.Ports, "old ports kept, new brokers on free ports")
	require.Equal(t, 1, b.clusters.Calls("stop"))
	b.clusters.release()
	b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	got, err = b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceRunning, got.Status)
	require.Equal(t, 300, got.StorageSpace, "each broker keeps its storage")

	// A failed extension leaves EXTENDEDFAILED, from which the instance can
	// be restarted.
	b.clusters.mu.Lock()
	b.clusters.checkErr = errors.New("not enough brokers")
	b.clusters.mu.Unlock()
	task, err = b.engine.ExtendInstance(b.ctx, b.actor, inst.ID, dmsd.Extension{OperType: "storage", NewStorageSpace: 600})
	require.NoError(t, err)
	b.waitTask(t, inst, task.ID, dmsd.TaskFailed)
	got, err = b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceExtendFailed, got.Status)
	b.clusters.mu.Lock()
	b.clusters.checkErr = nil
	b.clusters.mu.Unlock()
	restart, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	b.waitTask(t, inst, restart.ID, dmsd.TaskSuccess)
}
