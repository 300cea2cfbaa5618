package engine_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// A cheap task costs the database three write transactions from its
// submission to SUCCESS, counting River's own: the submission (with its
// job), River's fetch of the job, and the task's one write of its start,
// its step, the step's change of the instance, its end and its job's end,
// after which River's completer finds no job to complete. It was six: the
// start, the step's change and River's completion were writes of their own.
// The record still tells the run as it happened.
func TestCheapTaskWriteTransactions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)
	b.waitJobsIdle(t)

	before, storeBefore := b.db.Commits(), b.db.WriteTransactions()
	policy := "produce_reject"
	task, err := b.engine.UpdateInstance(b.ctx, b.actor, inst.ID, &dmsd.InstanceUpdate{RetentionPolicy: &policy})
	require.NoError(t, err)
	require.NotNil(t, task)
	done := b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	b.waitJobsIdle(t)
	writes, storeWrites := b.db.Commits()-before, b.db.WriteTransactions()-storeBefore
	t.Logf("write transactions for %s: %d (the store's: %d)", task.Name, writes, storeWrites)
	require.LessOrEqual(t, writes, uint64(3))

	step := done.Steps[0]
	require.Equal(t, dmsd.StepSuccess, step.Status)
	require.False(t, step.StartedAt.Before(done.CreatedAt))
	require.False(t, step.EndedAt.Before(step.StartedAt))
	require.Equal(t, step.EndedAt, done.UpdatedAt)
	got, err := b.db.FindInstance(b.ctx, inst.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, policy, got.RetentionPolicy)
	require.Equal(t, dmsd.InstanceRunning, got.Status)
}

// A task of several steps saves its start, and each step's end with the
// next one's start, so that it shows EXECUTING and every step's progress
// while it runs: restartInstance's three steps cost the submission, River's
// fetch, the start, two step changes and the finish, which ends the job.
func TestStepsWriteTransactions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)
	b.waitJobsIdle(t)

	before := b.db.Commits()
	restart, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	done := b.waitTask(t, inst, restart.ID, dmsd.TaskSuccess)
	b.waitJobsIdle(t)
	for i, s := range done.Steps {
		require.Equal(t, dmsd.StepSuccess, s.Status)
		require.False(t, s.EndedAt.Before(s.StartedAt))
		if i > 0 {
			require.False(t, s.StartedAt.Before(done.Steps[i-1].EndedAt))
		}
	}
	writes := b.db.Commits() - before
	t.Logf("write transactions for %s of %d steps: %d", restart.Name, len(done.Steps), writes)
	require.LessOrEqual(t, writes, uint64(len(done.Steps)+3))
}

// waitJobsIdle waits until River holds no job running or due, so that a
// completion it has still to write is counted.
func (b *testBundle) waitJobsIdle(t *testing.T) {
	t.Helper()
	db, err := sql.Open("sqlite", b.path)
	require.NoError(t, err)
	defer db.Close()
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM river_job WHERE state IN ('running', 'available')`).Scan(&n))
		return n == 0
	}, 10*time.Second, 5*time.Millisecond, "River's jobs never finished")
}
