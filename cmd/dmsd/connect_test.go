package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// enableConnector enables Smart Connect on an instance and waits for its
// task to finish.
func enableConnector(t testing.TB, c *kafkasdk.KafkaClient, id string) {
	t.Helper()
	resp, err := c.CreateConnector(&model.CreateConnectorRequest{InstanceId: id, Body: &model.CreateConnectorReq{NodeCnt: ptr("2")}})
	require.NoError(t, err)
	require.NotEmpty(t, *resp.ConnectorId)
	task := waitTask(t, c, id, *resp.JobId)
	require.Equal(t, string(dmsd.TaskSuccess), *task.Status, "%+v", task)
}

// connectClient returns a franz-go client of an instance, closed with the test.
func connectClient(t *testing.T, inst *model.ShowInstanceResponse, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(brokerAddrs(inst), ",")...)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// produceN writes n records with keys, a header and fixed timestamps to
// topic's partitions in turn, numbered from first.
func produceN(t *testing.T, cl *kgo.Client, topic string, first, n int) {
	t.Helper()
	var recs []*kgo.Record
	for i := first; i < first+n; i++ {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i % 3), Key: []byte(fmt.Sprint("k", i)), Value: []byte(fmt.Sprint("v", i)),
			Headers: []kgo.RecordHeader{{Key: "n", Value: []byte(fmt.Sprint(i))}}, Timestamp: time.UnixMilli(int64(1_700_000_000_000 + i))})
	}
	require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())
}

// readAll reads topic from the start on inst until it has read want
// records, or within passes, and returns them.
func readAll(t *testing.T, inst *model.ShowInstanceResponse, topic string, want int, within time.Duration) []*kgo.Record {
	t.Helper()
	return readUntil(t, inst, topic, within, func(out []*kgo.Record) bool { return len(out) >= want })
}

// readKeys reads topic from the start on inst until it has seen want
// distinct keys, or within passes. It returns the records read, duplicates
// included, and how many times it read each key: unlike readAll, a record
// copied twice does not take the place of one not read yet.
func readKeys(t *testing.T, inst *model.ShowInstanceResponse, topic string, want int, within time.Duration) ([]*kgo.Record, map[string]int) {
	t.Helper()
	seen, counted := map[string]int{}, 0
	out := readUntil(t, inst, topic, within, func(out []*kgo.Record) bool {
		for _, r := range out[counted:] {
			seen[string(r.Key)]++
		}
		counted = len(out)
		return len(seen) >= want
	})
	return out, seen
}

// readUntil reads topic from the start on inst (or, with opts that make the
// client a group's consumer, from the group's offsets), a fetch at a time,
// until enough says so of the records read, or within passes, and returns
// them.
func readUntil(t *testing.T, inst *model.ShowInstanceResponse, topic string, within time.Duration, enough func([]*kgo.Record) bool, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	opts = append([]kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100 * time.Millisecond)}, opts...)
	cl := connectClient(t, inst, opts...)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var out []*kgo.Record
	for !enough(out) && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

func newReplicationTask(name, peer, direction string, startLater bool) *model.CreateConnectorTaskRequest {
	return &model.CreateConnectorTaskRequest{Body: &model.CreateSmartConnectTaskReq{
		TaskName:   ptr(name),
		StartLater: ptr(startLater),
		Topics:     ptr("orders"),
		SourceType: ptr(model.GetCreateSmartConnectTaskReqSourceTypeEnum().KAFKA_REPLICATOR_SOURCE),
		SourceTask: &model.SmartConnectTaskReqSourceConfig{
			CurrentClusterName: ptr("here"), ClusterName: ptr("there"), InstanceId: ptr(peer), Direction: ptr(direction),
			RenameTopicEnabled: ptr(true), ProvenanceHeaderEnabled: ptr(true), ConsumerStrategy: ptr("earliest"),
			ReplicationFactor: ptr(int32(1)), TaskNum: ptr(int32(1)), CompressionType: ptr("lz4"),
		},
	}}
}

// TestConnectReplicatesPullWithRenamePauseResume creates two instances,
// enables Smart Connect on one and replicates the other's topic to it
// (pull, renamed with the peer's alias): records arrive with their keys,
// values, headers, timestamps and partitions, in order; a paused task copies
// nothing more within a second and resumed it continues without gaps.
func TestConnectReplicatesPullWithRenamePauseResume(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	here := createInstance(t, c, "conn-here", 1, false)
	there := createInstance(t, c, "conn-there", 1, false)

	src := connectClient(t, there, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	_, err := kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	produceN(t, src, "orders", 0, 90)

	// Before Smart Connect is enabled, tasks are refused.
	req := newReplicationTask("too-early", *there.InstanceId, "pull", false)
	req.InstanceId = *here.InstanceId
	_, err = c.CreateConnectorTask(req)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ECONNECTOROFF)
	enableConnector(t, c, *here.InstanceId)
	req.Body.TaskName = ptr("pull-orders")

	created, err := c.CreateConnectorTask(req)
	require.NoError(t, err)
	require.Equal(t, "RUNNING", *created.Status)
	require.Equal(t, "there", *created.SourceTask.ClusterName)

	got := readAll(t, here, "there.orders", 90, 30*time.Second)
	require.Len(t, got, 90)
	last := map[int32]int{}
	for _, r := range got {
		var n int
		_, err := fmt.Sscan(string(r.Headers[0].Value), &n)
		require.NoError(t, err)
		require.Equal(t, int32(n%3), r.Partition, "same partition")
		require.Equal(t, fmt.Sprint("k", n), string(r.Key))
		require.Equal(t, fmt.Sprint("v", n), string(r.Value))
		require.Equal(t, int64(1_700_000_000_000+n), r.Timestamp.UnixMilli())
		require.Equal(t, dmsd.ProvenanceHeader, r.Headers[1].Key)
		require.Equal(t, "there", string(r.Headers[1].Value))
		if prev, ok := last[r.Partition]; ok {
			require.Greater(t, n, prev, "in order per partition")
		}
		last[r.Partition] = n
	}

	id := *created.Id
	_, err = c.PauseConnectorTask(&model.PauseConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	require.NoError(t, err)
	shown, err := c.ShowConnectorTask(&model.ShowConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	require.NoError(t, err)
	require.Equal(t, "PAUSED", *shown.Status)
	// Within a second the worker has stopped: what is written after that
	// stays on the source.
	time.Sleep(time.Second)
	produceN(t, src, "orders", 90, 30)
	require.Len(t, readAll(t, here, "there.orders", 91, 2*time.Second), 90, "a paused task copies nothing")

	_, err = c.ResumeConnectorTask(&model.ResumeConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	require.NoError(t, err)
	got = readAll(t, here, "there.orders", 120, 30*time.Second)
	require.Len(t, got, 120)
	seen := map[string]int{}
	for _, r := range got {
		seen[string(r.Key)]++
	}
	for i := range 120 {
		require.Equal(t, 1, seen[fmt.Sprint("k", i)], "record %d exactly once", i)
	}

	list, err := c.ListConnectorTasks(&model.ListConnectorTasksRequest{InstanceId: *here.InstanceId})
	require.NoError(t, err)
	require.Equal(t, int32(1), *list.TotalNumber)
	require.Equal(t, "RUNNING", *(*list.Tasks)[0].Status)

	// Disabling with a task left is refused; deleting the task, then
	// disabling, works.
	_, err = c.DeleteConnector(&model.DeleteConnectorRequest{InstanceId: *here.InstanceId})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ECONNECTORON)
	_, err = c.DeleteConnectorTask(&model.DeleteConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	require.NoError(t, err)
	_, err = c.ShowConnectorTask(&model.ShowConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: id})
	requireDMSError(t, err, http.StatusNotFound, dmsd.ECONNECTTASKNOTFOUND)
	// The SDK signs to the second: the same call again needs the next one.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	del, err := c.DeleteConnector(&model.DeleteConnectorRequest{InstanceId: *here.InstanceId})
	require.NoError(t, err)
	require.Equal(t, string(dmsd.TaskSuccess), *waitTask(t, c, *here.InstanceId, *del.JobId).Status)
}

// TestConnectTwoWayDoesNotLoop replicates both ways between two instances
// with provenance headers and without renaming: each side gets the other's
// records once, and none comes back to where it was written.
func TestConnectTwoWayDoesNotLoop(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	here := createInstance(t, c, "two-here", 1, false)
	there := createInstance(t, c, "two-there", 1, false)
	a, b := connectClient(t, here, kgo.RecordPartitioner(kgo.ManualPartitioner())), connectClient(t, there, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for _, cl := range []*kgo.Client{a, b} {
		_, err := kadm.NewClient(cl).CreateTopic(context.Background(), 3, 1, nil, "orders")
		require.NoError(t, err)
	}
	produceN(t, a, "orders", 0, 30)
	produceN(t, b, "orders", 1000, 30)
	enableConnector(t, c, *here.InstanceId)

	req := newReplicationTask("both-ways", *there.InstanceId, "two-way", false)
	req.InstanceId = *here.InstanceId
	req.Body.SourceTask.RenameTopicEnabled = ptr(false)
	_, err := c.CreateConnectorTask(req)
	require.NoError(t, err)

	require.Len(t, readAll(t, here, "orders", 60, 30*time.Second), 60)
	require.Len(t, readAll(t, there, "orders", 60, 30*time.Second), 60)
	// Longer than the worker needs to copy a batch back, were it to loop.
	require.Len(t, readAll(t, here, "orders", 61, 3*time.Second), 60, "no record came back")
	require.Len(t, readAll(t, there, "orders", 61, time.Second), 60, "no record came back")
}

// TestConnectRefusals: types that need other cloud services, OBS buckets,
// a peer outside the project and modifying a task that does not exist are
// refused with their documented codes.
func TestConnectRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	here := createInstance(t, c, "refuse-here", 1, false)
	enableConnector(t, c, *here.InstanceId)

	req := newReplicationTask("to-obs", dmsd.NewID(), "pull", false)
	req.InstanceId = *here.InstanceId
	req.Body.SinkType = ptr(model.GetCreateSmartConnectTaskReqSinkTypeEnum().OBS_SINK)
	_, err := c.CreateConnectorTask(req)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ECONNECTTYPE)

	req = newReplicationTask("from-nowhere", dmsd.NewID(), "pull", false)
	req.InstanceId = *here.InstanceId
	_, err = c.CreateConnectorTask(req)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ECONNECTPEER)

	_, err = c.ListObsBuckets(&model.ListObsBucketsRequest{})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ECONNECTTYPE)

	_, err = c.ModifyConnectorTask(&model.ModifyConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: dmsd.NewID(), Body: &model.SmartConnectTaskEntity{TaskName: ptr("x")}})
	requireDMSError(t, err, http.StatusNotFound, dmsd.ECONNECTTASKNOTFOUND)
}

// TestConnectSurvivesSIGKILL kills dmsd while a task replicates and starts
// it again: the task resumes from its saved offsets, every source record is
// on the target, and the records there twice are no more than the task
// reports as possible duplicates.
func TestConnectSurvivesSIGKILL(t *testing.T) {
	bin := buildDMSD(t)
	dir := t.TempDir()
	seed := startServer(t, dir)
	seed.stop()
	p := startProcess(t, bin, dir)
	c := newSDKClient(t, p.url, seed.creds[0])
	here := createInstance(t, c, "kill-here", 1, false)
	there := createInstance(t, c, "kill-there", 1, false)
	src := connectClient(t, there, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	_, err := kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	const total = 20000
	pad := strings.Repeat("x", 2000) // 40 MB: more than one fetch of the worker
	for i := 0; i < total; i += 1000 {
		var recs []*kgo.Record
		for j := i; j < i+1000; j++ {
			recs = append(recs, &kgo.Record{Topic: "orders", Partition: int32(j % 3), Key: []byte(fmt.Sprint("k", j)), Value: []byte(pad)})
		}
		require.NoError(t, src.ProduceSync(context.Background(), recs...).FirstErr())
	}
	src.Close()
	enableConnector(t, c, *here.InstanceId)
	req := newReplicationTask("kill-mirror", *there.InstanceId, "pull", false)
	req.InstanceId = *here.InstanceId
	created, err := c.CreateConnectorTask(req)
	require.NoError(t, err)

	// Mid-stream: some records are on the target, not all.
	dst := connectClient(t, here, kgo.MetadataMinAge(10*time.Millisecond))
	adm := kadm.NewClient(dst)
	var atKill int64
	require.Eventually(t, func() bool {
		ends, err := adm.ListEndOffsets(context.Background(), "there.orders")
		if err != nil {
			return false
		}
		var n int64
		ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
		atKill = n
		return n > 0
	}, 30*time.Second, time.Millisecond)
	p.kill()
	t.Logf("killed with %d of %d records on the target", atKill, total)
	dst.Close()

	p = startProcess(t, bin, dir)
	c = newSDKClient(t, p.url, seed.creds[0])
	got, seen := readKeys(t, here, "there.orders", total, 60*time.Second)
	require.Len(t, seen, total, "every source record is on the target")
	var duplicates struct {
		Duplicates int64 `json:"duplicates"`
	}
	_, body := (&testServer{t: t, url: p.url, creds: seed.creds}).signedGet(t, 0,
		"/v2/"+seed.creds[0].ProjectID+"/instances/"+*here.InstanceId+"/connector/tasks/"+*created.Id)
	require.NoError(t, json.Unmarshal([]byte(body), &duplicates), body)
	t.Logf("after SIGKILL: %d records, %d distinct, %d reported as possible duplicates", len(got), len(seen), duplicates.Duplicates)
	require.LessOrEqual(t, int64(len(got)-total), duplicates.Duplicates, "duplicates are within what the task reports")
}
