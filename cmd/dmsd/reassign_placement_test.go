package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// TestReassignmentTimeEstimate asks for time_estimate as the SDK sends it:
// the answer is reassignment_time, from the bytes of the replicas the plan
// adds at the throttle's rate, and no task starts.
func TestReassignmentTimeEstimate(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "estimate-cluster", 3, false)
	id := *inst.InstanceId
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "estimated", Partition: ptr(int32(1)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	cl := kafkaClient(t, inst, kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	value := []byte(strings.Repeat("x", 100_000))
	for range 10 {
		require.NoError(t, cl.ProduceSync(context.Background(), &kgo.Record{Topic: "estimated", Value: value}).FirstErr())
	}
	current := replicasOf(t, inst, "estimated")["estimated"][0]
	other := int32(0)
	for other == current[0] {
		other++
	}
	tasksBefore := taskCount(t, c, id)

	estimate := func(replicas []int32, throttle int32) *model.CreateKafkaReassignmentTaskResponse {
		t.Helper()
		resp, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
			Reassignments: []model.PartitionReassignEntity{{Topic: "estimated", Assignment: &[]model.TopicAssignment{{Partition: ptr(int32(0)), PartitionBrokers: &replicas}}}},
			Throttle:      ptr(throttle),
			TimeEstimate:  ptr(true),
		}})
		require.NoError(t, err)
		require.Nil(t, resp.JobId, "an estimate starts no task")
		require.NotNil(t, resp.ReassignmentTime)
		return resp
	}
	// One replica added: about 1 MB at 100 kB/s.
	secs := *estimate([]int32{current[0], other}, 100_000).ReassignmentTime
	require.GreaterOrEqual(t, secs, int32(10))
	require.LessOrEqual(t, secs, int32(15))
	// Nothing to copy: the partition is already there.
	require.Equal(t, int32(0), *estimate(current, 100_000).ReassignmentTime)
	require.Equal(t, tasksBefore, taskCount(t, c, id))

	// A plan the cluster refuses is refused for an estimate too.
	_, err = c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "estimated", Brokers: &[]int32{99}}},
		TimeEstimate:  ptr(true),
	}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EBROKERNOTFOUND)
}

// TestReassignmentOnExternalCluster reassigns partitions of an external
// cluster through kadm. The external cluster (kfake, in its own process)
// accepts the request and moves nothing: the task fails with what Kafka
// reports rather than claiming success. A plan that asks for the current
// placement succeeds.
func TestReassignmentOnExternalCluster(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "3")
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)
	b, err := json.Marshal(newCreateRequest("external-reassign", 1, false).Body)
	require.NoError(t, err)
	status, resp := s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + s.creds[0].ProjectID + "/instances",
		body: strings.TrimSuffix(string(b), "}") + `,"external":{"bootstrap_servers":["` + addrs[0] + `"]}}`, headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, resp)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &created))
	id := created.InstanceID
	inst := waitInstance(t, c, id, string(dmsd.InstanceRunning))
	_, err = c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "far-away", Partition: ptr(int32(2)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	before := replicasOf(t, inst, "far-away")["far-away"]

	reassign := func(p0, p1 []int32) (model.ListBackgroundTasksRespTasks, string) {
		t.Helper()
		resp, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
			Reassignments: []model.PartitionReassignEntity{{Topic: "far-away", Assignment: &[]model.TopicAssignment{
				{Partition: ptr(int32(0)), PartitionBrokers: &p0}, {Partition: ptr(int32(1)), PartitionBrokers: &p1},
			}}},
		}})
		require.NoError(t, err)
		task := waitTask(t, c, id, *resp.JobId)
		_, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/tasks/"+*resp.JobId)
		return task, body
	}
	shift := func(r []int32) []int32 { return []int32{(r[0] + 1) % 3} }
	task, body := reassign(shift(before[0]), shift(before[1]))
	require.Equal(t, "FAILED", *task.Status, body)
	require.Contains(t, body, "Kafka reports 0 of 2 partitions on the requested replicas; far-away-0: requested [")
	require.Equal(t, before, replicasOf(t, inst, "far-away")["far-away"])

	task, body = reassign(before[0], before[1])
	require.Equal(t, "SUCCESS", *task.Status, body)
	require.Contains(t, body, "reports all of them on the requested replicas")
}
