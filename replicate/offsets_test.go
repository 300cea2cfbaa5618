package replicate

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// copied returns the source and target records of copying source offsets
// srcs to target offsets dsts of partition 0 of topic t.
func copied(srcs, dsts []int64) (from, to []*kgo.Record) {
	for i := range srcs {
		from = append(from, &kgo.Record{Topic: "t", Offset: srcs[i]})
		to = append(to, &kgo.Record{Topic: "x.t", Offset: dsts[i]})
	}
	return from, to
}

func TestOffsetMapTranslate(t *testing.T) {
	t.Parallel()
	m := newOffsetMap()
	// Source 10..14 copied to 0..4; 15 and 16 skipped (they came from
	// the target); 17, 18 copied to 5, 6.
	m.add(copied([]int64{10, 11, 12, 13, 14, 17, 18}, []int64{0, 1, 2, 3, 4, 5, 6}))
	require.Len(t, m.parts[topicPartition{"t", 0}], 2, "consecutive copies are one run")

	for _, c := range []struct {
		name      string
		committed int64
		want      int64
		ok        bool
	}{
		{"before anything copied", 10, 0, false},
		{"after the first record", 11, 1, true},
		{"inside a run", 13, 3, true},
		{"in the skipped gap", 16, 5, true},
		{"after the last copied", 19, 7, true},
		{"beyond what was copied", 100, 7, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := m.translate("t", 0, c.committed)
			require.Equal(t, c.ok, ok)
			require.Equal(t, c.want, got)
		})
	}
	_, ok := m.translate("t", 1, 11)
	require.False(t, ok, "another partition")

	// Copied again from 12 after a retry, at 7..: the new copies count.
	m.add(copied([]int64{12, 13}, []int64{7, 8}))
	got, ok := m.translate("t", 0, 14)
	require.True(t, ok)
	require.Equal(t, int64(9), got)
	got, _ = m.translate("t", 0, 12)
	require.Equal(t, int64(2), got, "before the retry's first record: the old copy")
}

func TestOffsetMapBounded(t *testing.T) {
	t.Parallel()
	m := newOffsetMap()
	for i := range int64(3 * maxOffsetRuns) {
		// Every other target offset: each record its own run.
		m.add(copied([]int64{i}, []int64{2 * i}))
	}
	require.LessOrEqual(t, len(m.parts[topicPartition{"t", 0}]), 2*maxOffsetRuns)
	_, ok := m.translate("t", 0, 1)
	require.False(t, ok, "the oldest runs are forgotten")
	got, ok := m.translate("t", 0, 3*maxOffsetRuns)
	require.True(t, ok)
	require.Equal(t, int64(2*(3*maxOffsetRuns-1)+1), got)
}

// The last run of a partition, stamped on the offsets saved after a batch,
// seeds the map of a flow that starts again: a group committed within or at
// the end of that run translates as it did before the restart.
func TestOffsetMapStampAndSeed(t *testing.T) {
	t.Parallel()
	m := newOffsetMap()
	// Source 10..14 at 0..4, then 17..19 at 5..7 (15 and 16 skipped).
	m.add(copied([]int64{10, 11, 12, 13, 14, 17, 18, 19}, []int64{0, 1, 2, 3, 4, 5, 6, 7}))
	saved := []dmsd.ConnectOffset{{Flow: "f", Topic: "t", Partition: 0, Next: 20}, {Flow: "f", Topic: "t", Partition: 1, Next: 3}}
	m.stamp(saved)
	require.Equal(t, dmsd.ConnectRun{Source: 17, Target: 5, Count: 3}, saved[0].Copied, "the last run only")
	require.Zero(t, saved[1].Copied, "nothing copied from partition 1")

	restarted := newOffsetMap()
	for _, o := range saved {
		restarted.seed(o)
	}
	for committed, want := range map[int64]int64{18: 6, 20: 8} {
		got, ok := restarted.translate("t", 0, committed)
		require.True(t, ok, committed)
		require.Equal(t, want, got, committed)
	}
	_, ok := restarted.translate("t", 0, 17)
	require.False(t, ok, "before the saved run: not known")
	_, ok = restarted.translate("t", 1, 3)
	require.False(t, ok, "no run saved")

	// A flow that started again in the same process keeps what it copied.
	m.seed(dmsd.ConnectOffset{Topic: "t", Partition: 0, Copied: dmsd.ConnectRun{Source: 17, Target: 100, Count: 3}})
	got, _ := m.translate("t", 0, 20)
	require.Equal(t, int64(8), got)

	var off *offsetMap
	off.seed(saved[0])
	off.stamp(saved)
	require.Equal(t, int64(3), saved[0].Copied.Count, "a task without the sync neither seeds nor stamps")
}
