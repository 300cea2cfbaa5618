package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/postgres"
	"github.com/dmsd/dmsd/storetest"
)

// openTestDB opens the database at url and starts the queue of the replica
// named (dmsd.DefaultReplica when none is).
func openTestDB(t *testing.T, url string, replica ...string) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, db.StartQueue(ctx, strings.Join(replica, ""), newQueue(t, db, strings.Join(replica, ""))))
	t.Cleanup(func() {
		require.NoError(t, db.StopQueue(ctx))
		require.NoError(t, db.Close())
	})
	return db
}

// newQueue returns an engine queue of replica on db whose worker leaves the
// tasks alone.
func newQueue(t *testing.T, db *postgres.DB, replica string) *engine.Queue {
	t.Helper()
	q, err := engine.NewQueue(db.RiverDriver(), engine.QueueConfig{Workers: storetest.IdleWorkers(), Replica: replica, RescueAfter: postgres.RescueAfter})
	require.NoError(t, err)
	return q
}

func TestStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) dmsd.Store { return openTestDB(t, storetest.PostgresURL(t)) })
}

// Two replicas of one database: what one writes, the other reads.
func TestFinishedTaskReadsAcrossReplicas(t *testing.T) {
	t.Parallel()
	storetest.ExerciseFinishedTaskReads(t, func(t *testing.T) (dmsd.Store, dmsd.Store) {
		url := storetest.PostgresURL(t)
		return openTestDB(t, url, "replica-a"), openTestDB(t, url, "replica-b")
	})
}

// Replicas start at once against one database: migrations run once, and both
// serve the same state.
func TestReplicasStartTogether(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	const replicas = 4
	dbs := make([]*postgres.DB, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { dbs[i] = openTestDB(t, url, fmt.Sprint("replica-", i)) })
	}
	wg.Wait()

	ctx := context.Background()
	inst := storetest.NewInstance(dmsd.NewID())
	task := storetest.NewTask(inst, "createInstance")
	require.NoError(t, dbs[0].SubmitTask(ctx, &dmsd.Submission{Task: task, NewInstance: inst}))
	for i, db := range dbs {
		got, err := db.FindTask(ctx, inst.ProjectID, inst.ID, task.ID)
		require.NoError(t, err, fmt.Sprint("replica ", i))
		require.Equal(t, task.ID, got.ID)
		err = db.SubmitTask(ctx, &dmsd.Submission{Task: storetest.NewTask(inst, "restartInstance")})
		require.Equal(t, dmsd.ETASKRUNNING, dmsd.ErrorCode(err), "replica %d sees the unfinished task", i)
	}
}

// Two processes must never work one replica's queue: the second is refused.
func TestReplicaIDIsExclusive(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	openTestDB(t, url)
	second, err := postgres.Open(ctx, url, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer second.Close()
	err = second.StartQueue(ctx, "", newQueue(t, second, ""))
	require.ErrorContains(t, err, "another dmsd process runs as replica")
	require.NoError(t, second.StartQueue(ctx, "other", newQueue(t, second, "other")))
	require.NoError(t, second.StopQueue(ctx))
}

// Two replicas of one database: what one writes while the other runs a task
// is kept by the task's end.
func TestTaskRunKeepsOtherWritesAcrossReplicas(t *testing.T) {
	t.Parallel()
	storetest.ExerciseTaskRunKeepsOtherWrites(t, func(t *testing.T) (dmsd.Store, dmsd.Store) {
		url := storetest.PostgresURL(t)
		return openTestDB(t, url, "replica-a"), openTestDB(t, url, "replica-b")
	})
}
