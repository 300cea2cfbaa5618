package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func exerciseLogs(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	newLog := func(b *bundle, typ string) *dmsd.InstanceLog {
		now := dmsd.Now()
		return &dmsd.InstanceLog{ID: dmsd.NewUUID(), ProjectID: b.inst.ProjectID, InstanceID: b.inst.ID, Type: typ,
			FileName: "server.log", Replica: "r1", CreatedAt: now, UpdatedAt: now}
	}

	t.Run("InstanceLogLifecycle", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		logs := b.store
		p, i := b.inst.ProjectID, b.inst.ID

		_, err := logs.FindLog(b.ctx, p, i, dmsd.LogTypeTopic)
		requireCode(t, err, dmsd.ELOGNOTRUNNING)
		_, err = logs.FindLog(b.ctx, "other", i, dmsd.LogTypeTopic)
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)
		orphan := newLog(b, dmsd.LogTypeTopic)
		orphan.InstanceID = dmsd.NewUUID()
		requireCode(t, logs.OpenLog(b.ctx, orphan), dmsd.EINSTANCENOTFOUND)

		l := newLog(b, dmsd.LogTypeTopic)
		require.NoError(t, logs.OpenLog(b.ctx, l))
		rebalance := newLog(b, dmsd.LogTypeRebalance)
		require.NoError(t, logs.OpenLog(b.ctx, rebalance), "one log of each type")
		running, err := logs.AppendLog(b.ctx, l.ID, "r1", dmsd.Now(), nil, 10)
		require.NoError(t, err)
		require.True(t, running)
		running, err = logs.AppendLog(b.ctx, l.ID, "r1", dmsd.Now(), []string{"a", "b"}, 10)
		require.NoError(t, err)
		require.True(t, running)
		later := dmsd.Now().Add(time.Second)
		_, err = logs.AppendLog(b.ctx, l.ID, "r1", later, []string{"c"}, 10)
		require.NoError(t, err)
		for _, entries := range [][]string{nil, {"r2's"}} {
			running, err = logs.AppendLog(b.ctx, l.ID, "r2", later, entries, 10)
			require.NoError(t, err)
			require.False(t, running, "a log another replica collects takes nothing from r2")
		}

		got, err := logs.FindLog(b.ctx, p, i, dmsd.LogTypeTopic)
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b", "c"}, got.Entries, "oldest first")
		require.Equal(t, dmsd.LogRunning, got.Status)
		require.Equal(t, "server.log", got.FileName)
		require.Equal(t, "r1", got.Replica)
		require.Equal(t, later.UnixMilli(), got.UpdatedAt.UnixMilli())
		other, err := logs.FindLog(b.ctx, p, i, dmsd.LogTypeRebalance)
		require.NoError(t, err)
		require.Empty(t, other.Entries, "each log has its own entries")

		list, err := logs.ListRunningLogs(b.ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)

		require.NoError(t, logs.CloseLog(b.ctx, l.ID, later.Add(time.Second)))
		require.NoError(t, logs.CloseLog(b.ctx, l.ID, later.Add(time.Hour)), "closing twice is no error")
		running, err = logs.AppendLog(b.ctx, l.ID, "r1", dmsd.Now(), []string{"late"}, 10)
		require.NoError(t, err)
		require.False(t, running, "a stopped log takes no entries")
		got, err = logs.FindLog(b.ctx, p, i, dmsd.LogTypeTopic)
		require.NoError(t, err)
		require.Equal(t, dmsd.LogStopped, got.Status)
		require.Equal(t, []string{"a", "b", "c"}, got.Entries)
		require.Equal(t, later.Add(time.Second).UnixMilli(), got.UpdatedAt.UnixMilli(), "the second close changed nothing")
		list, err = logs.ListRunningLogs(b.ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, rebalance.ID, list[0].ID)

		// Opening again replaces the log and its entries.
		again := newLog(b, dmsd.LogTypeTopic)
		require.NoError(t, logs.OpenLog(b.ctx, again))
		got, err = logs.FindLog(b.ctx, p, i, dmsd.LogTypeTopic)
		require.NoError(t, err)
		require.Equal(t, again.ID, got.ID)
		require.Empty(t, got.Entries)
		running, err = logs.AppendLog(b.ctx, l.ID, "r1", dmsd.Now(), []string{"x"}, 10)
		require.NoError(t, err)
		require.False(t, running, "the replaced log is gone")

		// The instance's deletion takes its logs.
		require.NoError(t, b.store.DeleteInstance(b.ctx, i))
		list, err = logs.ListRunningLogs(b.ctx)
		require.NoError(t, err)
		require.Empty(t, list)
		running, err = logs.AppendLog(b.ctx, again.ID, "r1", dmsd.Now(), []string{"x"}, 10)
		require.NoError(t, err)
		require.False(t, running)
	})

	t.Run("InstanceLogHeaderLeavesEntriesOut", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		p, i := b.inst.ProjectID, b.inst.ID
		_, err := b.store.FindLogHeader(b.ctx, p, i, dmsd.LogTypeRebalance)
		requireCode(t, err, dmsd.ELOGNOTRUNNING)
		_, err = b.store.FindLogHeader(b.ctx, "other", i, dmsd.LogTypeRebalance)
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)

		l := newLog(b, dmsd.LogTypeRebalance)
		require.NoError(t, b.store.OpenLog(b.ctx, l))
		later := dmsd.Now().Add(time.Second)
		_, err = b.store.AppendLog(b.ctx, l.ID, "r1", later, []string{"a", "b"}, 10)
		require.NoError(t, err)
		got, err := b.store.FindLogHeader(b.ctx, p, i, dmsd.LogTypeRebalance)
		require.NoError(t, err)
		require.Empty(t, got.Entries)
		full, err := b.store.FindLog(b.ctx, p, i, dmsd.LogTypeRebalance)
		require.NoError(t, err)
		require.Len(t, full.Entries, 2)
		full.Entries = nil
		require.Equal(t, full, got, "the log as FindLog reads it, but its entries")

		require.NoError(t, b.store.CloseLog(b.ctx, l.ID, later.Add(time.Second)))
		got, err = b.store.FindLogHeader(b.ctx, p, i, dmsd.LogTypeRebalance)
		require.NoError(t, err)
		require.Equal(t, dmsd.LogStopped, got.Status)
		require.Equal(t, later.Add(time.Second).UnixMilli(), got.UpdatedAt.UnixMilli())
	})

	t.Run("InstanceLogIsBounded", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		logs := b.store
		l := newLog(b, dmsd.LogTypeRebalance)
		require.NoError(t, logs.OpenLog(b.ctx, l))
		const max = 5
		var batch []string
		for n := range 3 {
			batch = append(batch, fmt.Sprint(n))
		}
		for range 2 {
			_, err := logs.AppendLog(b.ctx, l.ID, "r1", dmsd.Now(), batch, max)
			require.NoError(t, err)
		}
		got, err := logs.FindLog(b.ctx, l.ProjectID, l.InstanceID, l.Type)
		require.NoError(t, err)
		require.Equal(t, []string{"1", "2", "0", "1", "2"}, got.Entries, "the oldest go first")
		var big []string
		for n := range 8 {
			big = append(big, fmt.Sprint("b", n))
		}
		_, err = logs.AppendLog(b.ctx, l.ID, "r1", dmsd.Now(), big, max)
		require.NoError(t, err)
		got, err = logs.FindLog(b.ctx, l.ProjectID, l.InstanceID, l.Type)
		require.NoError(t, err)
		require.Equal(t, []string{"b3", "b4", "b5", "b6", "b7"}, got.Entries, "a batch past the bound keeps its newest")
	})
}

// OpenRunningLog records a new instance in s, then a rebalance log of it,
// RUNNING and collected by replica, and returns the log.
func OpenRunningLog(t *testing.T, s dmsd.Store, replica string) *dmsd.InstanceLog {
	t.Helper()
	ctx := context.Background()
	inst := NewInstance(dmsd.NewID())
	require.NoError(t, s.SubmitTask(ctx, &dmsd.Submission{Task: NewTask(inst, "createInstance"), NewInstance: inst}))
	now := dmsd.Now()
	l := &dmsd.InstanceLog{ID: dmsd.NewUUID(), ProjectID: inst.ProjectID, InstanceID: inst.ID, Type: dmsd.LogTypeRebalance,
		Replica: replica, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, s.OpenLog(ctx, l))
	return l
}
