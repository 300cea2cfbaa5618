package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// A cheap task costs the store few write transactions from its submission to
// SUCCESS: the submission (with its job), the start with its step, the
// step's own change of the instance, and the finish. It was five before the
// start and its first step were saved together.
func TestCheapTaskWriteTransactions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)

	before := b.db.WriteTransactions()
	policy := "produce_reject"
	task, err := b.engine.UpdateInstance(b.ctx, b.actor, inst.ID, &dmsd.InstanceUpdate{RetentionPolicy: &policy})
	require.NoError(t, err)
	require.NotNil(t, task)
	done := b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	require.Equal(t, dmsd.StepSuccess, done.Steps[0].Status)
	writes := b.db.WriteTransactions() - before
	t.Logf("write transactions for %s: %d", task.Name, writes)
	require.LessOrEqual(t, writes, uint64(4))
}

// A task of several steps saves each step's end with the next one's start,
// and still shows every step's progress: restartInstance's three steps cost
// the submission, the start, two step changes and the finish.
func TestStepsWriteTransactions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)

	before := b.db.WriteTransactions()
	restart, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	done := b.waitTask(t, inst, restart.ID, dmsd.TaskSuccess)
	for i, s := range done.Steps {
		require.Equal(t, dmsd.StepSuccess, s.Status)
		require.False(t, s.EndedAt.Before(s.StartedAt))
		if i > 0 {
			require.False(t, s.StartedAt.Before(done.Steps[i-1].EndedAt))
		}
	}
	writes := b.db.WriteTransactions() - before
	t.Logf("write transactions for %s of %d steps: %d", restart.Name, len(done.Steps), writes)
	require.LessOrEqual(t, writes, uint64(len(done.Steps)+2))
}
