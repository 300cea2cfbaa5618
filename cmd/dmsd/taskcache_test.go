package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

// finishedTask returns a new instance's id and the id of its finished
// createInstance task, created through c.
func finishedTask(t *testing.T, s *testServer, name string) (instanceID, taskID string) {
	t.Helper()
	c := s.client(0)
	inst := createInstance(t, c, name, 1, false)
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: *inst.InstanceId})
	require.Len(t, *list.Tasks, 1)
	taskID = *(*list.Tasks)[0].Id
	require.Equal(t, "SUCCESS", *waitTask(t, c, *inst.InstanceId, taskID).Status)
	return *inst.InstanceId, taskID
}

// showTask shows a task through s, several times, and returns the last answer.
func showTask(t *testing.T, s *testServer, instanceID, taskID string) (*model.ShowBackgroundTaskResponse, error) {
	t.Helper()
	var out *model.ShowBackgroundTaskResponse
	var err error
	for range 3 {
		out, err = s.client(0).ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: instanceID, TaskId: taskID})
	}
	return out, err
}

// A finished task shown again and again, then deleted, is not found: the
// server does not answer from what it read before.
func TestShownTaskDeletedIsNotFound(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	id, taskID := finishedTask(t, s, "cache-delete")
	out, err := showTask(t, s, id, taskID)
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *(*out.Tasks)[0].Status)

	_, err = s.client(0).DeleteBackgroundTask(&model.DeleteBackgroundTaskRequest{InstanceId: id, TaskId: taskID})
	require.NoError(t, err)
	_, err = s.client(0).ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: taskID})
	requireDMSError(t, err, 404, dmsd.ETASKNOTFOUND)
}

// Two replicas on PostgreSQL: a finished task that replica B has shown, then
// changed in the database or deleted through replica A, is shown by B as it
// is stored, or not found.
func TestShownTaskChangedOrDeletedOnOtherReplica(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	a := startServer(t, dirA, "--database-url", dbURL, "--replica-id", "replica-a")
	copyFile(t, filepath.Join(dirA, "test-credentials.json"), filepath.Join(dirB, "test-credentials.json"))
	b := startServer(t, dirB, "--database-url", dbURL, "--replica-id", "replica-b")

	id, taskID := finishedTask(t, a, "cache-replicas")
	for _, s := range []*testServer{b, a} {
		out, err := showTask(t, s, id, taskID)
		require.NoError(t, err)
		require.Equal(t, "SUCCESS", *(*out.Tasks)[0].Status)
	}

	// A change no replica made (as a later version, or an operator, might
	// make it) is what both show.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, `UPDATE tasks SET status = 'FAILED', reason = 'changed in the database', updated_ms = updated_ms + 1 WHERE id = $1`, taskID)
	require.NoError(t, err)
	require.EqualValues(t, 1, tag.RowsAffected())
	for _, s := range []*testServer{b, a} {
		out, err := s.client(0).ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: taskID})
		require.NoError(t, err)
		require.Equal(t, "FAILED", *(*out.Tasks)[0].Status)
	}
	_, err = showTask(t, b, id, taskID)
	require.NoError(t, err)

	// Deleted through A, it is not found through B.
	_, err = a.client(0).DeleteBackgroundTask(&model.DeleteBackgroundTaskRequest{InstanceId: id, TaskId: taskID})
	require.NoError(t, err)
	_, err = b.client(0).ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: taskID})
	requireDMSError(t, err, 404, dmsd.ETASKNOTFOUND)
}
