package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// TestReadMessagesBounds checks the bounds of a read on a running cluster:
// a read that would fetch more than dmsd.MaxFetchBytes and one past its
// deadline are refused with their codes, and a read of a range returns
// just that range, values cut to the cap.
func TestReadMessagesBounds(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	inst := newInstance(1)
	ctx := testContext(t)
	ep, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.NoError(t, e.CreateTopic(ctx, inst, &dmsd.Topic{Name: "bounded", Partitions: 1, Replication: 1}))
	cl, _ := newClient(t, ep, kgo.ProducerBatchMaxBytes(1<<20))
	value := make([]byte, 256<<10)
	n := dmsd.MaxFetchBytes/len(value) + 8
	rs := make([]*kgo.Record, n)
	for i := range rs {
		rs[i] = &kgo.Record{Topic: "bounded", Value: value}
	}
	require.NoError(t, cl.ProduceSync(ctx, rs...).FirstErr())

	bounds, err := e.Bounds(ctx, inst, "bounded")
	require.NoError(t, err)
	require.Equal(t, []dmsd.PartitionBounds{{Partition: 0, Start: 0, End: int64(n)}}, bounds)

	_, err = e.ReadMessages(ctx, inst, "bounded", map[int32]int64{0: 0}, map[int32]int64{0: int64(n)}, 16, nil)
	require.Equal(t, dmsd.EQUERYTOOLARGE, dmsd.ErrorCode(err), "%v", err)

	got, err := e.ReadMessages(ctx, inst, "bounded", map[int32]int64{0: 3}, map[int32]int64{0: 5}, 16, nil)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, []int64{3, 4}, []int64{got[0].Offset, got[1].Offset})
	require.Len(t, got[0].Value, 16)
	require.True(t, got[0].Truncated)
	require.Equal(t, len(value), got[0].Size)

	past, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	_, err = e.ReadMessages(past, inst, "bounded", map[int32]int64{0: 0}, map[int32]int64{0: 1}, 16, nil)
	require.Equal(t, dmsd.EQUERYTIMEOUT, dmsd.ErrorCode(err), "%v", err)

	_, err = e.Bounds(ctx, inst, "no-such-topic")
	require.Equal(t, dmsd.ETOPICNOTFOUND, dmsd.ErrorCode(err), "%v", err)
}
