package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

// A database that an older dmsd wrote reads as it was written: instances as
// json.Marshal of dmsd.Instance, steps as dmsd.Step's own JSON, as the
// PostgreSQL store kept them.
func TestReadsWhatAnOlderDmsdStored(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	db := openTestDB(t, url)
	ctx := context.Background()

	inst := storetest.NewInstance(dmsd.NewID())
	inst.Status, inst.Ports, inst.Tags = dmsd.InstanceRunning, []int{9092}, []dmsd.Tag{{Key: "k", Value: "v"}}
	inst.External = &dmsd.ExternalCluster{BootstrapServers: []string{"127.0.0.1:9092"}, Username: "u"}
	task := storetest.NewTask(inst, "restartInstance")
	task.Status = dmsd.TaskSuccess
	started := dmsd.Now().Add(-time.Second)
	task.Steps[0] = dmsd.Step{Name: "ONE", Status: dmsd.StepSuccess, StartedAt: started, EndedAt: started.Add(time.Millisecond)}

	data, err := json.Marshal(inst)
	require.NoError(t, err)
	steps, err := json.Marshal(task.Steps)
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO instances (id, project_id, status, data, task_count, created_ms) VALUES ($1, $2, $3, $4, 1, $5)`,
		inst.ID, inst.ProjectID, inst.Status, data, inst.CreatedAt.UnixMilli())
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO tasks (id, project_id, instance_id, name, user_id, user_name, params, status, reason, steps, created_ms, updated_ms)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10, $11)`,
		task.ID, task.ProjectID, task.InstanceID, task.Name, task.UserID, task.UserName, task.Params, task.Status, steps,
		task.CreatedAt.UnixMilli(), task.UpdatedAt.UnixMilli())
	require.NoError(t, err)

	got, err := db.FindInstance(ctx, inst.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, inst, got)
	found, err := db.FindTask(ctx, inst.ProjectID, inst.ID, task.ID)
	require.NoError(t, err)
	require.Equal(t, task, found)
}
