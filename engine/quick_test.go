package engine_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// A quick task whose process dies after River took its job and before its
// one write shows CREATED, as nothing of its run was saved, and runs in the
// next process, which saves the whole run.
func TestQuickTaskOfADeadProcessRunsAgain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)
	require.NoError(t, b.db.StopQueue(b.ctx))

	policy := "produce_reject"
	task, err := b.engine.UpdateInstance(b.ctx, b.actor, inst.ID, &dmsd.InstanceUpdate{RetentionPolicy: &policy})
	require.NoError(t, err)
	b.stop(t, time.Second)
	// As the dead process left it: its job taken, the task not started.
	db, err := sql.Open("sqlite", b.path)
	require.NoError(t, err)
	_, err = db.ExecContext(b.ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', 'subsec') WHERE id = ?`, task.JobID)
	require.NoError(t, err)
	var status string
	require.NoError(t, db.QueryRowContext(b.ctx, `SELECT status FROM tasks WHERE id = unhex(?)`, task.ID).Scan(&status))
	require.Equal(t, string(dmsd.TaskCreated), status)
	require.NoError(t, db.Close())

	next := newGatedClusters()
	next.release()
	b.start(t, next)
	done := b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	require.Equal(t, dmsd.StepSuccess, done.Steps[0].Status)
	require.False(t, done.Steps[0].StartedAt.Before(done.CreatedAt))
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, policy, got.RetentionPolicy)
	require.Equal(t, dmsd.InstanceRunning, got.Status)
}
