package dmsd

import (
	"fmt"
	"maps"
	"slices"
)

// Misplaced returns a description of every partition of plan whose replicas
// md does not report as requested ("orders-0: requested [0 1], Kafka
// reports [1 2]"), sorted by topic and partition; none when the plan is in
// place.
func (md *ClusterMetadata) Misplaced(plan PartitionPlan) []string {
	var out []string
	for _, topic := range slices.Sorted(maps.Keys(plan)) {
		for _, p := range slices.Sorted(maps.Keys(plan[topic])) {
			want, got := plan[topic][p], md.Topics[topic][p]
			if !slices.Equal(want, got) {
				out = append(out, fmt.Sprintf("%s-%d: requested %v, Kafka reports %v", topic, p, want, got))
			}
		}
	}
	return out
}

// Partitions returns the number of partitions plan moves.
func (plan PartitionPlan) Partitions() int {
	n := 0
	for _, parts := range plan {
		n += len(parts)
	}
	return n
}

// EstimateRate is the copy rate, in bytes per second, that a reassignment
// estimate assumes when the request sets no throttle.
const EstimateRate = 100 << 20

// EstimateSeconds returns the seconds a reassignment of plan is expected to
// take: the bytes of every replica it adds to a partition (the partition's
// size in sizes, by topic and partition) copied at throttle bytes per
// second, or at EstimateRate without one, rounded up. It is 0 when the plan
// adds no replica and at least 1 otherwise.
func (md *ClusterMetadata) EstimateSeconds(plan PartitionPlan, sizes map[string]map[int32]int64, throttle int64) int {
	rate := throttle
	if rate <= 0 {
		rate = EstimateRate
	}
	var bytes int64
	added := false
	for topic, parts := range plan {
		for p, want := range parts {
			for _, b := range want {
				if !slices.Contains(md.Topics[topic][p], b) {
					added = true
					bytes += sizes[topic][p]
				}
			}
		}
	}
	if !added {
		return 0
	}
	return int(max(1, (bytes+rate-1)/rate))
}
