package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	connectBenchMB          = flag.Int("connect-bench-mb", 32, "megabytes BenchmarkConnectReplication copies (the issue's goal is 1024)")
	connectBenchCompression = flag.String("connect-bench-compression", "none", "compression of the batches BenchmarkConnectReplication writes to the target, the same for the bare loop and the task: none, snappy, lz4, zstd or gzip")
)

// endSum returns the sum of topic's end offsets on cl's cluster.
func endSum(cl *kgo.Client, topic string) int64 {
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
	if err != nil {
		return 0
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += max(o.Offset, 0) })
	return n
}

// BenchmarkConnectReplication copies -connect-bench-mb of 1 KiB records
// between two embedded instances twice: with a bare franz-go consume-produce
// loop, then with a replication task; it reports both rates in MB/s and
// their ratio (task ÷ bare). Run it with -benchtime=1x: the run copies the
// whole size once (a second run would find the task's name taken).
func BenchmarkConnectReplication(b *testing.B) {
	s := startServer(b, b.TempDir())
	c := s.client(0)
	here := createInstance(b, c, "bench-here", 1, false)
	there := createInstance(b, c, "bench-there", 1, false)
	seeds := func(inst *model.ShowInstanceResponse) kgo.Opt {
		return kgo.SeedBrokers(strings.Split(brokerAddrs(inst), ",")...)
	}
	src, err := kgo.NewClient(seeds(there), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.MetadataMinAge(10*time.Millisecond))
	require.NoError(b, err)
	defer src.Close()
	// The bare loop compresses as the task does: otherwise the comparison
	// is of codecs (franz-go's default is snappy), not of the task's work.
	codec := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(),
		"zstd": kgo.ZstdCompression(), "gzip": kgo.GzipCompression()}[*connectBenchCompression]
	dst, err := kgo.NewClient(seeds(here), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.MetadataMinAge(10*time.Millisecond),
		kgo.ProducerBatchCompression(codec))
	require.NoError(b, err)
	defer dst.Close()
	ctx := context.Background()
	_, err = kadm.NewClient(src).CreateTopic(ctx, 3, 1, nil, "orders")
	require.NoError(b, err)
	_, err = kadm.NewClient(dst).CreateTopic(ctx, 3, 1, nil, "bare")
	require.NoError(b, err)
	value := []byte(strings.Repeat("x", 1024))
	total := int64(*connectBenchMB) * 1024
	for i := int64(0); i < total; i += 1000 {
		var recs []*kgo.Record
		for j := i; j < min(i+1000, total); j++ {
			recs = append(recs, &kgo.Record{Topic: "orders", Partition: int32(j % 3), Key: []byte(fmt.Sprint(j)), Value: value})
		}
		require.NoError(b, src.ProduceSync(ctx, recs...).FirstErr())
	}
	mb := float64(total) * 1024 / 1e6
	enableConnector(b, c, *here.InstanceId)

	b.ResetTimer()
	for range b.N {
		// The bare loop: consume a poll, produce it, wait for the acks.
		start := time.Now()
		cons, err := kgo.NewClient(seeds(there), kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.FetchMaxBytes(1<<20), kgo.FetchMaxPartitionBytes(1<<20))
		require.NoError(b, err)
		var copied int64
		for copied < total {
			var out []*kgo.Record
			cons.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				out = append(out, &kgo.Record{Topic: "bare", Partition: r.Partition, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp, Headers: r.Headers})
			})
			require.NoError(b, dst.ProduceSync(ctx, out...).FirstErr())
			copied += int64(len(out))
		}
		cons.Close()
		bare := mb / time.Since(start).Seconds()

		// The replication task, from its creation until the target holds
		// every record.
		start = time.Now()
		req := newReplicationTask("bench-mirror", *there.InstanceId, "pull", false)
		req.InstanceId = *here.InstanceId
		req.Body.SourceTask.CompressionType = connectBenchCompression
		req.Body.SourceTask.ProvenanceHeaderEnabled = ptr(false)
		_, err = c.CreateConnectorTask(req)
		require.NoError(b, err)
		deadline := time.Now().Add(10 * time.Minute)
		for endSum(dst, "there.orders") < total && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond) // polling the target's end offsets
		}
		require.Equal(b, total, endSum(dst, "there.orders"))
		task := mb / time.Since(start).Seconds()
		b.ReportMetric(bare, "bare-MB/s")
		b.ReportMetric(task, "task-MB/s")
		b.ReportMetric(task/bare, "ratio")
	}
}
