package replicate

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// TestSharesSplitPartitions: with task_num n, each partition of each topic
// belongs to exactly one loop, a topic's consecutive partitions to
// different loops, and each loop counts its unacknowledged records apart.
func TestSharesSplitPartitions(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 3, 7} {
		sh := shares(&dmsd.ConnectTask{Peer: dmsd.ConnectPeer{TaskNum: n}}, nil)
		require.Len(t, sh, n)
		keys := map[string]bool{}
		for _, s := range sh {
			keys[s.batchKey(dmsd.DirectionPull)] = true
		}
		require.Len(t, keys, n, "one batch count per loop")
		require.True(t, keys[dmsd.DirectionPull], "the first loop keeps the flow's own count")
		for _, topic := range []string{"orders", "events", "a.b-c"} {
			perLoop := make([]int, n)
			for p := range int32(3 * n) {
				owners := 0
				for i, s := range sh {
					if s.owns(topic, p) {
						owners++
						perLoop[i]++
					}
				}
				require.Equal(t, 1, owners, "%s/%d with task_num %d", topic, p, n)
			}
			for i := range perLoop {
				require.Equal(t, 3, perLoop[i], "%s with task_num %d: partitions go to the loops in turn", topic, n)
			}
		}
	}
	require.Len(t, shares(&dmsd.ConnectTask{}, nil), 1, "a task stored without task_num runs one loop")
}
