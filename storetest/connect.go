package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func exerciseConnect(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	t.Run("UpdateConnectTaskKeepsNamesUnique", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		tasks, ok := b.store.(dmsd.ConnectStore)
		require.True(t, ok, "the store keeps connect tasks")
		newTask := func(name string) *dmsd.ConnectTask {
			ct := &dmsd.ConnectTask{ID: dmsd.NewID(), ProjectID: b.inst.ProjectID, InstanceID: b.inst.ID, Name: name, Topics: []string{"a"},
				Status: dmsd.ConnectRunning, CreatedAt: dmsd.Now(), Peer: dmsd.ConnectPeer{InstanceID: "peer", Direction: dmsd.DirectionPull, TaskNum: 1}}
			require.NoError(t, tasks.CreateConnectTask(b.ctx, ct))
			return ct
		}
		one, two := newTask("task-one"), newTask("task-two")

		one.Name, one.Topics, one.Peer.TaskNum = "task-three", []string{"a", "b"}, 4
		require.NoError(t, tasks.UpdateConnectTask(b.ctx, one))
		got, err := tasks.FindConnectTask(b.ctx, b.inst.ProjectID, b.inst.ID, one.ID)
		require.NoError(t, err)
		require.Equal(t, "task-three", got.Name)
		require.Equal(t, []string{"a", "b"}, got.Topics)
		require.Equal(t, 4, got.Peer.TaskNum)
		require.Equal(t, dmsd.ConnectRunning, got.Status, "the status is not the update's")

		two.Name = "task-three"
		requireCode(t, tasks.UpdateConnectTask(b.ctx, two), dmsd.EINVALID)
		gone := &dmsd.ConnectTask{ID: dmsd.NewID(), Name: "task-four"}
		requireCode(t, tasks.UpdateConnectTask(b.ctx, gone), dmsd.ECONNECTTASKNOTFOUND)
	})

	t.Run("CommitConnectBatchSavesCopiedRuns", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		tasks := b.store.(dmsd.ConnectStore)
		ct := &dmsd.ConnectTask{ID: dmsd.NewID(), ProjectID: b.inst.ProjectID, InstanceID: b.inst.ID, Name: "runs", Topics: []string{"a"},
			Status: dmsd.ConnectRunning, CreatedAt: dmsd.Now(), Peer: dmsd.ConnectPeer{InstanceID: "peer", Direction: dmsd.DirectionPull, TaskNum: 1}}
		require.NoError(t, tasks.CreateConnectTask(b.ctx, ct))

		first := []dmsd.ConnectOffset{
			{Flow: "pull", Topic: "a", Partition: 0, Next: 5},
			{Flow: "pull", Topic: "a", Partition: 1, Next: 40, Copied: dmsd.ConnectRun{Source: 10, Target: 1 << 40, Count: 30}},
		}
		require.NoError(t, tasks.CommitConnectBatch(b.ctx, ct.ID, "pull", first))
		got, err := tasks.ConnectOffsets(b.ctx, ct.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a partition without a run has Count 0")

		// The next batch replaces the offset and its run, one run a partition.
		next := []dmsd.ConnectOffset{{Flow: "pull", Topic: "a", Partition: 1, Next: 45, Copied: dmsd.ConnectRun{Source: 42, Target: 7, Count: 3}}}
		require.NoError(t, tasks.CommitConnectBatch(b.ctx, ct.ID, "pull", next))
		got, err = tasks.ConnectOffsets(b.ctx, ct.ID)
		require.NoError(t, err)
		require.Equal(t, []dmsd.ConnectOffset{first[0], next[0]}, got)
	})
}
