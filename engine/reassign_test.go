package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// A scheduled task that comes due while another task of its instance runs
// waits for it, then runs.
func TestScheduledTaskWaitsForRunningTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)

	b.clusters.hold()
	restart, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	<-b.clusters.entered // The restart is inside START_BROKERS.

	now := dmsd.Now()
	scheduled := &dmsd.Task{
		ID: dmsd.NewID(), ProjectID: b.actor.ProjectID, InstanceID: inst.ID, Name: "changeRetentionPolicy",
		UserID: b.actor.UserID, UserName: b.actor.UserName, Status: dmsd.TaskCreated,
		Params:    `{"new_retention_policy":"produce_reject","origin_retention_policy":"time_base"}`,
		Steps:     []dmsd.Step{{Name: "MODIFY_RETENTION_POLICY", Status: dmsd.StepWaiting}},
		CreatedAt: now, UpdatedAt: now, ExecuteAt: now.Add(200 * time.Millisecond),
	}
	require.NoError(t, b.db.SubmitTask(b.ctx, &dmsd.Submission{Task: scheduled}), "accepted while the restart runs")

	// Due, it stays CREATED while the restart holds the instance.
	require.Never(t, func() bool {
		task, err := b.db.FindTaskByID(b.ctx, scheduled.ID)
		require.NoError(t, err)
		return task.Status != dmsd.TaskCreated
	}, 1500*time.Millisecond, 20*time.Millisecond)

	b.clusters.release()
	restarted := b.waitTask(t, inst, restart.ID, dmsd.TaskSuccess)
	done := b.waitTask(t, inst, scheduled.ID, dmsd.TaskSuccess)
	require.False(t, done.Steps[0].StartedAt.Before(restarted.UpdatedAt), "it ran after the restart ended")
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, "produce_reject", got.RetentionPolicy)
}
