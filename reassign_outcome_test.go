package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestReassignmentOutcome(t *testing.T) {
	t.Parallel()
	md := &dmsd.ClusterMetadata{
		Brokers: []int32{0, 1, 2},
		Topics:  map[string]map[int32][]int32{"a": {0: {0, 1}, 1: {1, 2}}, "b": {0: {2}}},
	}
	require.Empty(t, md.Misplaced(dmsd.PartitionPlan{"a": {0: {0, 1}}, "b": {0: {2}}}))
	require.Equal(t, []string{"a-1: requested [2 0], Kafka reports [1 2]", "b-0: requested [0], Kafka reports [2]"},
		md.Misplaced(dmsd.PartitionPlan{"b": {0: {0}}, "a": {0: {0, 1}, 1: {2, 0}}}))
	require.Equal(t, 3, dmsd.PartitionPlan{"a": {0: nil, 1: nil}, "b": {0: nil}}.Partitions())

	sizes := map[string]map[int32]int64{"a": {0: 1000, 1: 3000}, "b": {0: 500}}
	require.Equal(t, 0, md.EstimateSeconds(dmsd.PartitionPlan{"a": {0: {1, 0}}}, sizes, 100), "no replica added")
	// a-1 gains broker 0 (3000 B), b-0 gains 0 and 1 (2 × 500 B): 4000 B.
	require.Equal(t, 40, md.EstimateSeconds(dmsd.PartitionPlan{"a": {1: {0, 1}}, "b": {0: {0, 1}}}, sizes, 100))
	require.Equal(t, 1, md.EstimateSeconds(dmsd.PartitionPlan{"b": {0: {0}}}, sizes, 0), "rounded up, at the default rate")
}
