package replicate

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/dmsd/dmsd"
)

// A share is the part of a flow's source partitions that one of its
// task_num loops copies: each loop has its own source consumer and its own
// count of unacknowledged records; the target producer's records of one
// partition come from one loop only, so they stay in order.
type share struct {
	index, of int
	// offsets is the flow's map of copied offsets, which every share of
	// the flow adds to; nil unless the task syncs consumer offsets.
	offsets *offsetMap
}

// shares returns the task_num shares of a flow of t, each adding to offsets.
func shares(t *dmsd.ConnectTask, offsets *offsetMap) []share {
	n := max(1, t.Peer.TaskNum)
	out := make([]share, n)
	for i := range out {
		out[i] = share{index: i, of: n, offsets: offsets}
	}
	return out
}

// owns reports whether the share copies a partition. The owner depends only
// on the topic's name, the partition and task_num, not on which other
// topics exist, so a topic appearing later does not move partitions between
// loops; a topic's partitions go to the loops in turn.
func (s share) owns(topic string, partition int32) bool {
	if s.of <= 1 {
		return true
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(topic))
	return (int(h.Sum32()%uint32(s.of))+int(partition))%s.of == s.index
}

// batchKey names the share's count of unacknowledged records: the flow's
// name for the first share (as before task_num split flows), and the name
// with #i for the others.
func (s share) batchKey(flow string) string {
	if s.index == 0 {
		return flow
	}
	return fmt.Sprintf("%s#%d", flow, s.index)
}

// recoverBatches counts the share's records that a process which stopped
// had sent and not seen acknowledged as possible duplicates. The first
// share also takes those of the shares that task_num no longer has, which
// no loop would take otherwise.
func (w *Worker) recoverBatches(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, sh share) error {
	if err := w.store.RecoverConnectBatch(ctx, t.ID, sh.batchKey(f.Name)); err != nil {
		return err
	}
	if sh.index != 0 {
		return nil
	}
	for i := sh.of; i < dmsd.MaxConnectTaskNum; i++ {
		if err := w.store.RecoverConnectBatch(ctx, t.ID, (share{index: i}).batchKey(f.Name)); err != nil {
			return err
		}
	}
	return nil
}

// A loop is one consumer-producer loop of a task: a flow and the share of
// its partitions the loop copies.
type loop struct {
	flow  dmsd.ConnectFlow
	share share
}

// loops returns the loops of t, task_num per flow, and starts each flow's
// consumer offset sync if t asks for it (see offsetsFor), which wg waits
// for.
func (w *Worker) loops(ctx context.Context, t *dmsd.ConnectTask, wg *sync.WaitGroup) []loop {
	var out []loop
	for _, f := range t.Flows() {
		offsets := w.offsetsFor(ctx, t, &f, wg)
		for _, sh := range shares(t, offsets) {
			out = append(out, loop{flow: f, share: sh})
		}
	}
	return out
}
