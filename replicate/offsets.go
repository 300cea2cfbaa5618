package replicate

import (
	"sort"
	"sync"

	"github.com/dmsd/dmsd"
	"github.com/twmb/franz-go/pkg/kgo"
)

// maxOffsetRuns bounds the runs an offsetMap keeps per source partition.
// A batch the target acknowledged is usually one run (consecutive source
// offsets written at consecutive target offsets), so this covers the last
// few thousand batches; a group committed further back is not translated.
const maxOffsetRuns = 4096

// offsetRun says that source offsets src..src+n-1 were written at target
// offsets dst..dst+n-1.
type offsetRun struct{ src, dst, n int64 }

type topicPartition struct {
	topic     string
	partition int32
}

// offsetMap remembers where the records a flow copied landed on its target,
// per source partition, as the target acknowledges them; the consumer
// offset sync reads it to translate source offsets to target ones. It is in
// memory, but the last run of each partition is saved with the flow's
// offsets (stamp) and read back as the flow starts (seed), so that after a
// restart a group committed within or at the end of the records copied
// last is translated although nothing more is copied.
type offsetMap struct {
	mu    sync.Mutex
	parts map[topicPartition][]offsetRun
}

func newOffsetMap() *offsetMap {
	return &offsetMap{parts: map[topicPartition][]offsetRun{}}
}

// add records that each source record from[i] was written as to[i], whose
// Offset the target's acknowledgement set.
func (m *offsetMap) add(from, to []*kgo.Record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range from {
		m.addOne(topicPartition{r.Topic, r.Partition}, r.Offset, to[i].Offset)
	}
}

func (m *offsetMap) addOne(k topicPartition, src, dst int64) {
	runs := m.parts[k]
	// A record copied again (after a retry from the saved offsets) is where
	// its last copy is: what the map held from src on is dropped.
	i := sort.Search(len(runs), func(i int) bool { return runs[i].src+runs[i].n > src })
	if i < len(runs) {
		if runs[i].src < src {
			runs[i].n = src - runs[i].src
			i++
		}
		runs = runs[:i]
	}
	if n := len(runs); n > 0 {
		last := &runs[n-1]
		if src == last.src+last.n && dst == last.dst+last.n {
			last.n++
			m.parts[k] = runs
			return
		}
	}
	runs = append(runs, offsetRun{src: src, dst: dst, n: 1})
	if len(runs) > 2*maxOffsetRuns {
		runs = append([]offsetRun(nil), runs[len(runs)-maxOffsetRuns:]...)
	}
	m.parts[k] = runs
}

// translate returns the target offset a group should commit for having
// committed committed (the next offset to read) on the source partition: one
// past the target offset of the last copied record before committed. It
// returns false if no copied record before committed is remembered.
func (m *offsetMap) translate(topic string, partition int32, committed int64) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	runs := m.parts[topicPartition{topic, partition}]
	i := sort.Search(len(runs), func(i int) bool { return runs[i].src >= committed }) - 1
	if i < 0 {
		return 0, false
	}
	r := runs[i]
	last := min(committed-1, r.src+r.n-1)
	return r.dst + (last - r.src) + 1, true
}

// seed adds the run saved with o, the last one its flow copied from o's
// partition before it stopped, unless the map holds runs of the partition
// already: those are what this process copied, at least as recent. A nil
// map (a task that does not sync consumer offsets) takes nothing.
func (m *offsetMap) seed(o dmsd.ConnectOffset) {
	if m == nil || o.Copied.Count <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := topicPartition{o.Topic, o.Partition}
	if len(m.parts[k]) == 0 {
		m.parts[k] = []offsetRun{{src: o.Copied.Source, dst: o.Copied.Target, n: o.Copied.Count}}
	}
}

// stamp sets the Copied run of each offset to the last run the map holds
// of its partition, for CommitConnectBatch to save with it: one run per
// partition, whatever the map holds. A nil map leaves offsets as they are.
func (m *offsetMap) stamp(offsets []dmsd.ConnectOffset) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, o := range offsets {
		if runs := m.parts[topicPartition{o.Topic, o.Partition}]; len(runs) > 0 {
			r := runs[len(runs)-1]
			offsets[i].Copied = dmsd.ConnectRun{Source: r.src, Target: r.dst, Count: r.n}
		}
	}
}
