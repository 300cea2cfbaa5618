package replicate

import (
	"context"

	"github.com/dmsd/dmsd"
	"github.com/twmb/franz-go/pkg/kgo"
)

// maxBatchRecords bounds a batch (what one poll returns) in records, as the
// fetch sizes bound it only in bytes as the source stores them: a fetch of
// compressed batches can hold ten times as many records. It bounds what a
// crash may leave written twice, and keeps the target busy with one batch
// while the next is polled.
const maxBatchRecords = 16384

// batchOf returns what a poll's records become on the flow's target, in
// their order, and the offsets the flow reaches once the target has
// acknowledged them: per partition, the one after its last record (records
// that came from the target count too, although they are not copied). from
// holds, for each copy, the source record it was made from.
//
// It works per partition, not per record: the target topic's name is
// computed once per partition, and the copies share one allocation, so that
// what the task adds to a bare consume-produce loop stays small.
func (w *Worker) batchOf(fs kgo.Fetches, f *dmsd.ConnectFlow) (out, from []*kgo.Record, offsets []dmsd.ConnectOffset) {
	n := fs.NumRecords()
	if n == 0 {
		return nil, nil, nil
	}
	copies := make([]kgo.Record, 0, n)
	out = make([]*kgo.Record, 0, n)
	from = make([]*kgo.Record, 0, n)
	at := map[topicPartition]int{}
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		topic := f.TargetTopic(p.Topic)
		for _, r := range p.Records {
			if f.Provenance && provenance(r) == f.TargetAlias {
				continue // it came from the target: copying it back would loop
			}
			copies = append(copies, w.copyOf(r, topic, f))
			out, from = append(out, &copies[len(copies)-1]), append(from, r)
		}
		o := dmsd.ConnectOffset{Flow: f.Name, Topic: p.Topic, Partition: p.Partition, Next: p.Records[len(p.Records)-1].Offset + 1}
		// A partition may come twice in one poll (two fetches buffered):
		// the later one reaches further.
		if i, ok := at[topicPartition{p.Topic, p.Partition}]; ok {
			offsets[i] = o
			return
		}
		at[topicPartition{p.Topic, p.Partition}] = len(offsets)
		offsets = append(offsets, o)
	})
	return out, from, offsets
}

// pipeline sends a flow's batches to its target one at a time, each in the
// background while the next is polled and prepared: a batch is recorded as
// sent (BeginConnectBatch) only once the previous one is acknowledged and
// its offsets saved (CommitConnectBatch), so at most one batch is ever
// unacknowledged, as a restart's RecoverConnectBatch expects. A batch that
// fails cancels the pipeline's context, so that a poll waiting for records
// that may never come ends and the flow starts again from its offsets.
type pipeline struct {
	w    *Worker
	t    *dmsd.ConnectTask
	f    *dmsd.ConnectFlow
	sh   share
	dst  *kgo.Client
	fail context.CancelCauseFunc
	prev chan error // the previous batch's outcome; nil before the first
}

// newPipeline returns the pipeline of a flow writing to dst, and the
// context to poll with: ctx, ended early by a batch that fails. close it
// once done.
func (w *Worker) newPipeline(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, sh share, dst *kgo.Client) (context.Context, *pipeline) {
	ctx, fail := context.WithCancelCause(ctx)
	return ctx, &pipeline{w: w, t: t, f: f, sh: sh, dst: dst, fail: fail}
}

// send waits for the previous batch, then records out as sent and starts
// producing it, its offsets saved once the target acknowledged it. It
// returns the previous batch's error or BeginConnectBatch's. Once
// acknowledged, the copies' offsets are added to the share's offset map
// beside those of the source records they came from (from), and the map's
// last run of each partition is saved with its offset.
func (p *pipeline) send(ctx context.Context, out, from []*kgo.Record, offsets []dmsd.ConnectOffset) error {
	if err := p.wait(); err != nil {
		return err
	}
	if len(out) > 0 {
		if err := p.w.store.BeginConnectBatch(ctx, p.t.ID, p.sh.batchKey(p.f.Name), len(out)); err != nil {
			return err
		}
	}
	done := make(chan error, 1)
	p.prev = done
	go func() {
		err := error(nil)
		if len(out) > 0 {
			err = p.dst.ProduceSync(ctx, out...).FirstErr()
			if err == nil && p.sh.offsets != nil {
				p.sh.offsets.add(from, out)
			}
		}
		if err == nil {
			p.sh.offsets.stamp(offsets)
			err = p.w.store.CommitConnectBatch(context.WithoutCancel(ctx), p.t.ID, p.sh.batchKey(p.f.Name), offsets)
		}
		if err != nil {
			p.fail(err)
		}
		done <- err
	}()
	return nil
}

// wait waits for the batch being sent, if any, and returns its error.
func (p *pipeline) wait() error {
	if p.prev == nil {
		return nil
	}
	err := <-p.prev
	p.prev = nil
	return err
}

// close waits for the batch being sent and ends the pipeline's context.
func (p *pipeline) close() {
	_ = p.wait()
	p.fail(nil)
}
