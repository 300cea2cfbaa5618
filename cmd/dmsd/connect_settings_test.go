package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// requireCopiedInOrder asserts that got are the records produceN numbered
// first to first+n-1, each exactly once, in their source partition and in
// order within it.
func requireCopiedInOrder(t *testing.T, got []*kgo.Record, first, n int) {
	t.Helper()
	require.Len(t, got, n)
	last := map[int32]int{}
	seen := map[int]bool{}
	for _, r := range got {
		var i int
		_, err := fmt.Sscan(string(r.Headers[0].Value), &i)
		require.NoError(t, err)
		require.False(t, seen[i], "record %d once", i)
		seen[i] = true
		require.GreaterOrEqual(t, i, first)
		require.Equal(t, int32(i%3), r.Partition, "same partition")
		require.Equal(t, fmt.Sprint("v", i), string(r.Value))
		if prev, ok := last[r.Partition]; ok {
			require.Greater(t, i, prev, "in order per partition")
		}
		last[r.Partition] = i
	}
}

// topicsLag returns ShowConnectorTask's topics_lag (which the SDK's model
// does not have) as direction/topic → lag.
func topicsLag(t *testing.T, s *testServer, instanceID, taskID string) map[string]int64 {
	t.Helper()
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+instanceID+"/connector/tasks/"+taskID)
	require.Equal(t, http.StatusOK, status, body)
	var shown struct {
		TopicsLag []struct {
			Direction string `json:"direction"`
			Topic     string `json:"topic"`
			Lag       int64  `json:"lag"`
		} `json:"topics_lag"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &shown), body)
	out := map[string]int64{}
	for _, l := range shown.TopicsLag {
		out[l.Direction+"/"+l.Topic] = l.Lag
	}
	return out
}

// TestConnectSyncsConsumerOffsets: with sync_consumer_offsets_enabled, a
// group's offsets committed on the source reach the target's renamed topic,
// translated to where the copies landed, and a consumer of that group on the
// target starts after the records it had consumed on the source.
func TestConnectSyncsConsumerOffsets(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	here, there, _ := newSyncTask(t, s, "sync")
	// The group "billing" consumed the first 10 records of each partition
	// (records 0 to 29) on the source.
	commitOn(t, there, "billing", "orders", 10)
	requireGroupCommitted(t, here, "billing", "there.orders", 15)

	// A consumer of billing on the target, which would start from the
	// beginning without a committed offset, reads only records 30 to 89.
	requireCopiedInOrder(t, readAsGroup(t, here, "billing", "there.orders", 60), 30, 60)
}

// TestConnectTaskNumLagAndModify: a task with task_num 3 copies every record
// once and in order per partition and shows task_num; its topics_lag counts
// what a paused task has not copied and is 0 once it caught up;
// ModifyConnectorTask changes a running task's topics and task_num, which
// it picks up, and refuses what create refuses or a new peer.
func TestConnectTaskNumLagAndModify(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	here := createInstance(t, c, "num-here", 1, false)
	there := createInstance(t, c, "num-there", 1, false)
	src := connectClient(t, there, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for _, topic := range []string{"orders", "events"} {
		_, err := kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, topic)
		require.NoError(t, err)
	}
	produceN(t, src, "orders", 0, 90)
	enableConnector(t, c, *here.InstanceId)

	req := newReplicationTask("num-orders", *there.InstanceId, "pull", false)
	req.InstanceId = *here.InstanceId
	req.Body.SourceTask.TaskNum = ptr(int32(3))
	created, err := c.CreateConnectorTask(req)
	require.NoError(t, err)
	id := *created.Id
	requireCopiedInOrder(t, readAll(t, here, "there.orders", 90, 30*time.Second), 0, 90)
	shown, err := c.ShowConnectorTask(&model.ShowConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	require.NoError(t, err)
	require.Equal(t, int32(3), *shown.SourceTask.TaskNum)
	require.Eventually(t, func() bool { return topicsLag(t, s, *here.InstanceId, id)["pull/orders"] == 0 }, 30*time.Second, 50*time.Millisecond)

	_, err = c.PauseConnectorTask(&model.PauseConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	require.NoError(t, err)
	// The worker stops within a second of the pause (nothing to await
	// from outside): what is written after that stays uncopied.
	time.Sleep(time.Second)
	produceN(t, src, "orders", 90, 30)
	require.Equal(t, map[string]int64{"pull/orders": 30}, topicsLag(t, s, *here.InstanceId, id))
	_, err = c.ResumeConnectorTask(&model.ResumeConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return topicsLag(t, s, *here.InstanceId, id)["pull/orders"] == 0 }, 30*time.Second, 50*time.Millisecond)
	requireCopiedInOrder(t, readAll(t, here, "there.orders", 120, 30*time.Second), 0, 120)

	// Modified while running: it copies events too, in two loops.
	produceN(t, src, "events", 0, 30)
	modified, err := c.ModifyConnectorTask(&model.ModifyConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id, Body: &model.SmartConnectTaskEntity{
		Topics: ptr("orders,events"), SourceTask: &model.SmartConnectTaskRespSourceConfig{TaskNum: ptr(int32(2))},
	}})
	require.NoError(t, err)
	require.Equal(t, "orders,events", *modified.Topics)
	require.Equal(t, int32(2), *modified.SourceTask.TaskNum)
	require.Equal(t, "lz4", *modified.SourceTask.CompressionType, "what the body leaves out stays")
	requireCopiedInOrder(t, readAll(t, here, "there.events", 30, 30*time.Second), 0, 30)
	produceN(t, src, "orders", 120, 30)
	requireCopiedInOrder(t, readAll(t, here, "there.orders", 150, 30*time.Second), 0, 150)
	shown, err = c.ShowConnectorTask(&model.ShowConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	require.NoError(t, err)
	require.Equal(t, "orders,events", *shown.Topics)
	require.Equal(t, int32(2), *shown.SourceTask.TaskNum)

	for _, bad := range []*model.SmartConnectTaskRespSourceConfig{
		{Direction: ptr("sideways")},
		{TaskNum: ptr(int32(21))},
		{InstanceId: ptr(*here.InstanceId)},
	} {
		_, err = c.ModifyConnectorTask(&model.ModifyConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id, Body: &model.SmartConnectTaskEntity{SourceTask: bad}})
		requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	}
	// The peer instance is checked as at creation: its listeners speak
	// PLAINTEXT, not SASL_SSL.
	_, err = c.ModifyConnectorTask(&model.ModifyConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id, Body: &model.SmartConnectTaskEntity{
		SourceTask: &model.SmartConnectTaskRespSourceConfig{SecurityProtocol: ptr("SASL_SSL")}}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ECONNECTPEER)
}
