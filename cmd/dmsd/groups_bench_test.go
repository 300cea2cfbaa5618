package main

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkListGroups lists the groups of an instance that has 200 groups,
// each with committed offsets on 10 partitions: every call computes the lag
// of all 200 from the cluster. Run it with
//
//	go test ./cmd/dmsd/ -run '^$' -bench ListGroups -benchtime 200x
func BenchmarkListGroups(b *testing.B) {
	const groups, partitions = 200, 10
	s := startServer(b, b.TempDir(), "--rate-limit", "1000000")
	c := s.client(0)
	inst := createInstance(b, c, "bench-groups", 1, false)
	id := *inst.InstanceId
	cl, err := kgo.NewClient(kgo.SeedBrokers(*inst.ConnectAddress+":"+strconv.Itoa(int(*inst.Port))), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(b, err)
	b.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)
	ctx := b.Context()
	_, err = adm.CreateTopic(ctx, partitions, 1, nil, "bench-orders")
	require.NoError(b, err)
	for p := range int32(partitions) {
		for range 3 {
			require.NoError(b, cl.ProduceSync(ctx, &kgo.Record{Topic: "bench-orders", Partition: p, Value: []byte("o")}).FirstErr())
		}
	}
	for g := range groups {
		offsets := kadm.Offsets{}
		for p := range int32(partitions) {
			offsets.Add(kadm.Offset{Topic: "bench-orders", Partition: p, At: int64(g % 4), LeaderEpoch: -1})
		}
		require.NoError(b, adm.CommitAllOffsets(ctx, fmt.Sprintf("bench-group-%03d", g), offsets))
	}
	req := &model.ListInstanceConsumerGroupsRequest{InstanceId: id, Limit: ptr("50")}
	out, err := c.ListInstanceConsumerGroups(req)
	require.NoError(b, err)
	require.Equal(b, int32(groups), *out.Total)
	require.Equal(b, int64(3*partitions), *(*out.Groups)[0].Lag, "bench-group-000 committed 0 on every partition")

	ms := make([]float64, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := c.ListInstanceConsumerGroups(req); err != nil {
			b.Fatal(err)
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	b.StopTimer()
	b.ReportMetric(benchMedian(ms), "p50-ms/list")
	b.ReportMetric(benchPercentile(ms, 0.99), "p99-ms/list")
}
