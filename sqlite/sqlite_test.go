package sqlite_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/sqlite"
	"github.com/dmsd/dmsd/storetest"
)

func openTestDB(t *testing.T) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dmsd.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	q, err := engine.NewQueue(db.RiverDriver(), engine.QueueConfig{Workers: storetest.IdleWorkers(), PollInterval: sqlite.PollInterval})
	require.NoError(t, err)
	require.NoError(t, db.StartQueue(ctx, "", q))
	t.Cleanup(func() {
		require.NoError(t, db.StopQueue(ctx))
		require.NoError(t, db.Close())
	})
	return db
}

func TestStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) dmsd.Store { return openTestDB(t) })
}

// SQLite has one writer, so one store is both.
func TestFinishedTaskReads(t *testing.T) {
	t.Parallel()
	storetest.ExerciseFinishedTaskReads(t, func(t *testing.T) (dmsd.Store, dmsd.Store) {
		db := openTestDB(t)
		return db, db
	})
}

func TestSubmitRefusedBeforeQueueStarts(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "dmsd.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer db.Close()
	inst := storetest.NewInstance(dmsd.NewID())
	err = db.SubmitTask(context.Background(), &dmsd.Submission{Task: storetest.NewTask(inst, "createInstance"), NewInstance: inst})
	require.Equal(t, dmsd.EUNAVAILABLE, dmsd.ErrorCode(err))
	_, err = db.FindInstance(context.Background(), inst.ProjectID, inst.ID)
	require.Equal(t, dmsd.EINSTANCENOTFOUND, dmsd.ErrorCode(err), "a refused submission leaves nothing behind")
}

// SQLite has one writer, so one store is both.
func TestTaskRunKeepsOtherWrites(t *testing.T) {
	t.Parallel()
	storetest.ExerciseTaskRunKeepsOtherWrites(t, func(t *testing.T) (dmsd.Store, dmsd.Store) {
		db := openTestDB(t)
		return db, db
	})
}

// One process uses a SQLite database: no log is taken over from another.
func TestTakeOverLogTakesNothing(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	l := storetest.OpenRunningLog(t, db, "gone")
	taken, err := db.TakeOverLog(context.Background(), l.ID, "gone", dmsd.DefaultReplica)
	require.NoError(t, err)
	require.False(t, taken)
	works, err := db.ReplicaWorks(context.Background(), "gone")
	require.NoError(t, err)
	require.True(t, works, "no replica of a SQLite database is ever found idle")
}
