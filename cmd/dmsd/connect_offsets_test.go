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
	here, there, taskID := newSyncTask(t, s, "cutover")
	// The copy finishes: every source record copied and its offset saved.
	require.Eventually(t, func() bool {
		lag, ok := topicsLag(t, s, *here.InstanceId, taskID)["pull/orders"]
		return ok && lag == 0
	}, 30*time.Second, 20*time.Millisecond)
	s.stop()
	startServer(t, dir)                           // the same data dir: the task's saved offsets, the clusters
	commitOn(t, there, "read-all", "orders", 30)  // records 0 to 89
	commitOn(t, there, "read-some", "orders", 10) // records 0 to 29
	requireGroupCommitted(t, here, "read-all", "there.orders", 35)
	requireGroupCommitted(t, here, "read-some", "there.orders", 15)

	// The producers moved to the target as well.
	produceN(t, connectClient(t, here, kgo.RecordPartitioner(kgo.ManualPartitioner())), "there.orders", 90, 9)
	requireCopiedInOrder(t, readAsGroup(t, here, "read-all", "there.orders", 9), 90, 9)
	requireCopiedInOrder(t, readAsGroup(t, here, "read-some", "there.orders", 69), 30, 69)
}

// newSyncTask creates the instances prefix-here and prefix-there on s, with
// records 0 to 89 in there's topic orders (3 partitions) and 5 records in
// each partition of here's there.orders already, so that the copies land 5
// offsets further than on the source, and a task of here pulling orders
// with sync_consumer_offsets_enabled. It returns the instances and the
// task's id.
func newSyncTask(t *testing.T, s *testServer, prefix string) (here, there *model.ShowInstanceResponse, taskID string) {
	t.Helper()
	c := s.client(0)
	here = createInstance(t, c, prefix+"-here", 1, false)
	there = createInstance(t, c, prefix+"-there", 1, false)
	src := connectClient(t, there, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	_, err := kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	produceN(t, src, "orders", 0, 90)
	dst := connectClient(t, here, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	_, err = kadm.NewClient(dst).CreateTopic(context.Background(), 3, 1, nil, "there.orders")
	require.NoError(t, err)
	produceN(t, dst, "there.orders", 1000, 15)

	enableConnector(t, c, *here.InstanceId)
	req := newReplicationTask(prefix+"-orders", *there.InstanceId, "pull", false)
	req.InstanceId = *here.InstanceId
	req.Body.SourceTask.SyncConsumerOffsetsEnabled = ptr(true)
	created, err := c.CreateConnectorTask(req)
	require.NoError(t, err)
	require.True(t, *created.SourceTask.SyncConsumerOffsetsEnabled)
	return here, there, *created.Id
}

// commitOn commits at for group on each of the 3 partitions of topic on inst.
func commitOn(t *testing.T, inst *model.ShowInstanceResponse, group, topic string, at int64) {
	t.Helper()
	offsets := kadm.Offsets{}
	for p := range int32(3) {
		offsets.Add(kadm.Offset{Topic: topic, Partition: p, At: at, LeaderEpoch: -1})
	}
	resp, err := kadm.NewClient(connectClient(t, inst)).CommitOffsets(context.Background(), group, offsets)
	require.NoError(t, err)
	require.NoError(t, resp.Error())
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
	return readUntil(t, inst, topic, 30*time.Second, func(got []*kgo.Record) bool { return len(got) >= want },
		kgo.ConsumerGroup(group), kgo.DisableAutoCommit())
}
