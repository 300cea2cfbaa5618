package main

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// benchTopicMB is the size of the topic BenchmarkMessageQuery reads:
// DMSD_BENCH_TOPIC_MB, default 64 (DMSD_BENCH_TOPIC_MB=1024 for the 1 GB
// topic of the issue; the embedded cluster keeps it in memory).
func benchTopicMB(b *testing.B) int {
	s := os.Getenv("DMSD_BENCH_TOPIC_MB")
	if s == "" {
		return 64
	}
	n, err := strconv.Atoi(s)
	require.NoError(b, err, "DMSD_BENCH_TOPIC_MB")
	return n
}

// BenchmarkMessageQuery fills a 4-partition topic of an embedded instance
// with uncompressed 10 KiB records (record i on partition i%4, stamped base+i ms), then
// measures through the SDK the two reads a user makes of a large topic: the
// message at a random partition and offset, and a random 20 ms window
// (about 20 messages over all partitions). Each is bounded by what it
// selects, not by the size of the topic.
func BenchmarkMessageQuery(b *testing.B) {
	s := startServer(b, b.TempDir())
	c := s.client(0)
	inst := createInstance(b, c, "bench-messages", 1, false)
	id := *inst.InstanceId
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{
		Id: "big-topic", Partition: ptr(int32(4)), Replication: ptr(int32(1))}})
	require.NoError(b, err)

	const recordBytes = 10 << 10
	records := benchTopicMB(b) << 20 / recordBytes
	cl, err := kgo.NewClient(kgo.SeedBrokers(*inst.ConnectAddress+":"+strconv.Itoa(int(*inst.Port))),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerLinger(5*time.Millisecond),
		// Uncompressed, so that the topic's log holds its full size.
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	require.NoError(b, err)
	defer cl.Close()
	base := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	value := make([]byte, recordBytes)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	ctx := context.Background()
	errs := make(chan error, 1)
	for i := range records {
		cl.Produce(ctx, &kgo.Record{Topic: "big-topic", Partition: int32(i % 4), Value: value, Timestamp: base.Add(time.Duration(i) * time.Millisecond)},
			func(_ *kgo.Record, err error) {
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			})
	}
	require.NoError(b, cl.Flush(ctx))
	select {
	case err := <-errs:
		require.NoError(b, err)
	default:
	}
	perPartition := int64(records / 4)

	rng := rand.New(rand.NewPCG(1, 2))
	var atMs, windowMs []float64
	b.ResetTimer()
	for b.Loop() {
		p := rng.Int32N(4)
		off := rng.Int64N(perPartition)
		start := time.Now()
		got, err := c.ShowPartitionMessage(&model.ShowPartitionMessageRequest{InstanceId: id, Topic: "big-topic", Partition: p, MessageOffset: strconv.FormatInt(off, 10)})
		atMs = append(atMs, float64(time.Since(start).Microseconds())/1000)
		require.NoError(b, err)
		require.Equal(b, off, *(*got.Message)[0].MessageOffset)

		from := base.Add(time.Duration(rng.IntN(records-20)) * time.Millisecond)
		start = time.Now()
		page, err := c.ShowInstanceMessages(&model.ShowInstanceMessagesRequest{InstanceId: id, Topic: "big-topic",
			StartTime: ptr(strconv.FormatInt(from.UnixMilli(), 10)), EndTime: ptr(strconv.FormatInt(from.Add(19*time.Millisecond).UnixMilli(), 10)),
			Limit: ptr(strconv.Itoa(dmsd.MaxMessagePage))})
		windowMs = append(windowMs, float64(time.Since(start).Microseconds())/1000)
		require.NoError(b, err)
		require.Equal(b, int64(20), *page.Total)
	}
	b.StopTimer()
	b.ReportMetric(float64(benchTopicMB(b)), "topic-MB")
	b.ReportMetric(benchMedian(atMs), "p50-ms/at-offset")
	b.ReportMetric(benchPercentile(atMs, 0.99), "p99-ms/at-offset")
	b.ReportMetric(benchMedian(windowMs), "p50-ms/window")
	b.ReportMetric(benchPercentile(windowMs, 0.99), "p99-ms/window")
}
