package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd/storetest"
)

// Two replicas share one PostgreSQL database: either answers any request,
// and an instance's tasks run on the replica that hosts its cluster, whichever
// replica accepted them.
func TestTwoReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	a, b := startReplicas(t, dbURL, "replica-a", "replica-b")
	dirA := a.dataDir

	inst := createInstance(t, a.client(0), "on-replica-a", 1, false)
	id := *inst.InstanceId
	fromB, err := b.client(0).ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, *inst.Port, *fromB.Port)

	// A restart accepted by B runs on A, which hosts the cluster.
	_, err = b.client(0).BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	list := listTasks(t, a.client(0), &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "2", *list.TaskCount)
	restart := (*list.Tasks)[0]
	require.Equal(t, "restartInstance", *restart.Name)
	require.Equal(t, "SUCCESS", *waitTask(t, b.client(0), id, *restart.Id).Status)
	waitInstance(t, b.client(0), id, "RUNNING")

	// A delete of a finished task through B is seen by A at once.
	_, err = b.client(0).DeleteBackgroundTask(&model.DeleteBackgroundTaskRequest{InstanceId: id, TaskId: *restart.Id})
	require.NoError(t, err)
	_, err = a.client(0).ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: *restart.Id})
	requireDMSError(t, err, 404, "DMS.00404070")

	// A restarted replica A keeps hosting its instance.
	a.stop()
	a = startServer(t, dirA, "--database-url", dbURL, "--replica-id", "replica-a")
	_, err = b.client(0).DeleteInstance(&model.DeleteInstanceRequest{InstanceId: id})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		instances, err := a.client(0).ListInstances(&model.ListInstancesRequest{})
		require.NoError(t, err)
		return *instances.InstanceNum == 0
	}, 30*time.Second, 5*time.Millisecond)
	_, err = os.Stat(filepath.Join(dirA, "kafka", id))
	require.ErrorIs(t, err, os.ErrNotExist, "the hosting replica removed the cluster's data")
}

// An external cluster is reachable from every replica, so its tasks run on
// whichever replica is alive, not only on the one that created it.
func TestExternalInstanceTasksRunOnAnyReplica(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	addrs := startExternalKafka(t, "-brokers", "1")
	a, b := startReplicas(t, dbURL, "replica-a", "replica-b", "--external-allow", "127.0.0.1")

	req := newCreateRequest("external-shared", 1, false)
	body, err := json.Marshal(req.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	delete(m, "broker_num")
	m["external"] = map[string]any{"bootstrap_servers": addrs}
	body, err = json.Marshal(m)
	require.NoError(t, err)
	status, answer := a.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + a.creds[0].ProjectID + "/instances",
		body: string(body), headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, answer)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(answer), &created))
	waitInstance(t, b.client(0), created.InstanceID, "RUNNING")

	// With the creating replica gone, a task accepted by the other runs
	// there.
	a.stop()
	resp, err := b.client(0).ModifyInstanceConfigs(&model.ModifyInstanceConfigsRequest{InstanceId: created.InstanceID,
		Body: &model.ModifyInstanceConfigsReq{KafkaConfigs: &[]model.ModifyInstanceConfig{{Name: ptr("message.max.bytes"), Value: ptr("2000000")}}}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, b.client(0), created.InstanceID, *resp.JobId).Status)
}

// startReplicas runs two dmsd replicas, named nameA and nameB, on one
// PostgreSQL database, each with its own data dir and with args; both know
// the same credentials.
func startReplicas(t *testing.T, dbURL, nameA, nameB string, args ...string) (a, b *testServer) {
	t.Helper()
	dirA, dirB := t.TempDir(), t.TempDir()
	a = startServer(t, dirA, append([]string{"--database-url", dbURL, "--replica-id", nameA}, args...)...)
	copyFile(t, filepath.Join(dirA, "test-credentials.json"), filepath.Join(dirB, "test-credentials.json"))
	b = startServer(t, dirB, append([]string{"--database-url", dbURL, "--replica-id", nameB}, args...)...)
	return a, b
}
