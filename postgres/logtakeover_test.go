package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/postgres"
	"github.com/dmsd/dmsd/storetest"
)

// A log is taken over from its replica only once no process works that
// replica, and only from the replica that collects it; once taken over, it
// takes entries only from the replica that took it.
func TestTakeOverLogOnlyFromAReplicaNoProcessWorks(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	db := openTestDB(t, url, "taker")
	holder, err := postgres.Open(ctx, url, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, holder.StartQueue(ctx, "holder", newQueue(t, holder, "holder")))
	l := storetest.OpenRunningLog(t, db, "holder")

	taken, err := db.TakeOverLog(ctx, l.ID, "holder", "taker")
	require.NoError(t, err)
	require.False(t, taken, "the holder works its replica")
	works, err := db.ReplicaWorks(ctx, "holder")
	require.NoError(t, err)
	require.True(t, works)

	require.NoError(t, holder.StopQueue(ctx))
	require.NoError(t, holder.Close())
	// The server ends the holder's session, and frees its locks, a moment
	// after the connection closes.
	require.Eventually(t, func() bool {
		taken, err := db.TakeOverLog(ctx, l.ID, "holder", "taker")
		require.NoError(t, err)
		return taken
	}, 10*time.Second, 5*time.Millisecond, "no process works the holder's replica")
	works, err = db.ReplicaWorks(ctx, "holder")
	require.NoError(t, err)
	require.False(t, works)
	got, err := db.FindLogHeader(ctx, l.ProjectID, l.InstanceID, l.Type)
	require.NoError(t, err)
	require.Equal(t, "taker", got.Replica)
	on, err := db.AppendLog(ctx, l.ID, "holder", dmsd.Now(), []string{"late"}, 10)
	require.NoError(t, err)
	require.False(t, on, "a collector of the holder that has not stopped yet records nothing more")
	on, err = db.AppendLog(ctx, l.ID, "taker", dmsd.Now(), []string{"taken"}, 10)
	require.NoError(t, err)
	require.True(t, on)
	taken, err = db.TakeOverLog(ctx, l.ID, "holder", "third")
	require.NoError(t, err)
	require.False(t, taken, "the holder no longer collects it")

	require.NoError(t, db.CloseLog(ctx, l.ID, dmsd.Now()))
	taken, err = db.TakeOverLog(ctx, l.ID, "gone", "taker")
	require.NoError(t, err)
	require.False(t, taken, "a stopped log is nobody's")
}
