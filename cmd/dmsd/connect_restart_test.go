package main

import (
	"context"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestConnectSyncsConsumerOffsetsAfterRestart is a migration's cutover: a
// task with sync_consumer_offsets_enabled copies a topic, the producers stop
// on the source and the copy finishes; dmsd restarts; only then do the
// consumers commit on the source, one group at the end of what was copied
// and one in the middle. Both groups' offsets reach the target, translated,
// although nothing more is copied, and a consumer of each on the target
// reads exactly the records it had not read.
func TestConnectSyncsConsumerOffsetsAfterRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client(0)
	here := createInstance(t, c, "cutover-here", 1, false)
	there := createInstance(t, c, "cutover-there", 1, false)
	src := connectClient(t, there, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	_, err := kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	produceN(t, src, "orders", 0, 90)
	// The target topic has 5 records in each partition already, so the
	// copies land 5 offsets further than on the source.
	dst := connectClient(t, here, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	_, err = kadm.NewClient(dst).CreateTopic(context.Background(), 3, 1, nil, "there.orders")
	require.NoError(t, err)
	produceN(t, dst, "there.orders", 1000, 15)

	enableConnector(t, c, *here.InstanceId)
	req := newReplicationTask("cutover", *there.InstanceId, "pull", false)
	req.InstanceId = *here.InstanceId
	req.Body.SourceTask.SyncConsumerOffsetsEnabled = ptr(true)
	created, err := c.CreateConnectorTask(req)
	require.NoError(t, err)
	// The copy finishes: every source record copied and its offset saved.
	require.Eventually(t, func() bool {
		lag, ok := topicsLag(t, s, *here.InstanceId, *created.Id)["pull/orders"]
		return ok && lag == 0
	}, 30*time.Second, 20*time.Millisecond)
	s.stop()

	s = startServer(t, dir)
	src = connectClient(t, there)
	commitAt := func(group string, at int64) {
		offsets := kadm.Offsets{}
		for p := range int32(3) {
			offsets.Add(kadm.Offset{Topic: "orders", Partition: p, At: at, LeaderEpoch: -1})
		}
		resp, err := kadm.NewClient(src).CommitOffsets(context.Background(), group, offsets)
		require.NoError(t, err)
		require.NoError(t, resp.Error())
	}
	commitAt("read-all", 30)  // records 0 to 89
	commitAt("read-some", 10) // records 0 to 29
	requireGroupCommitted(t, here, "read-all", "there.orders", 35)
	requireGroupCommitted(t, here, "read-some", "there.orders", 15)

	// The producers moved to the target as well.
	produceN(t, connectClient(t, here, kgo.RecordPartitioner(kgo.ManualPartitioner())), "there.orders", 90, 9)
	requireCopiedInOrder(t, readAsGroup(t, here, "read-all", "there.orders", 9), 90, 9)
	requireCopiedInOrder(t, readAsGroup(t, here, "read-some", "there.orders", 69), 30, 69)
}

// requireGroupCommitted waits until group has committed at on each of the 3
// partitions of topic on inst.
func requireGroupCommitted(t *testing.T, inst *model.ShowInstanceResponse, group, topic string, at int64) {
	t.Helper()
	adm := kadm.NewClient(connectClient(t, inst))
	require.Eventually(t, func() bool {
		os, err := adm.FetchOffsets(context.Background(), group)
		if err != nil {
			return false
		}
		n := 0
		os.Each(func(o kadm.OffsetResponse) {
			if o.Topic == topic && o.Err == nil && o.At == at {
				n++
			}
		})
		return n == 3
	}, 30*time.Second, 20*time.Millisecond, "%s's offsets on %s, translated", group, topic)
}

// readAsGroup reads topic on inst as a consumer of group, which would start
// from the beginning without a committed offset, until it has want records
// or 30 seconds passed, and returns them.
func readAsGroup(t *testing.T, inst *model.ShowInstanceResponse, group, topic string, want int) []*kgo.Record {
	t.Helper()
	cl := connectClient(t, inst, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond), kgo.DisableAutoCommit())
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []*kgo.Record
	for len(got) < want && ctx.Err() == nil {
		got = append(got, cl.PollFetches(ctx).Records()...)
	}
	return got
}
