package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// listedErr returns the domain error of a kadm offset listing: ETOPICNOTFOUND
// for a topic the cluster does not have, the first partition's error
// otherwise.
func listedErr(topic string, listed kadm.ListedOffsets, err error) error {
	if err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return errTopicNotFound(topic)
		}
		return fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	ps, ok := listed[topic]
	if !ok || len(ps) == 0 {
		return errTopicNotFound(topic)
	}
	for _, o := range ps {
		if errors.Is(o.Err, kerr.UnknownTopicOrPartition) {
			return errTopicNotFound(topic)
		}
		if o.Err != nil {
			return fmt.Errorf("list offsets of %s/%d: %w", topic, o.Partition, o.Err)
		}
	}
	return nil
}

// Bounds returns the start and end offsets of the topic's partitions, sorted
// by partition, or ETOPICNOTFOUND.
func (e *kadmin) Bounds(ctx context.Context, inst *dmsd.Instance, topic string) ([]dmsd.PartitionBounds, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err := listedErr(topic, starts, err); err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err := listedErr(topic, ends, err); err != nil {
		return nil, err
	}
	out := make([]dmsd.PartitionBounds, 0, len(starts[topic]))
	for p, s := range starts[topic] {
		out = append(out, dmsd.PartitionBounds{Partition: p, Start: s.Offset, End: ends[topic][p].Offset})
	}
	slices.SortFunc(out, func(a, b dmsd.PartitionBounds) int { return cmp.Compare(a.Partition, b.Partition) })
	return out, nil
}

// OffsetsAfter returns per partition the first offset whose record's
// timestamp is at or after millis, the end offset where none is.
func (e *kadmin) OffsetsAfter(ctx context.Context, inst *dmsd.Instance, topic string, millis int64) (map[int32]int64, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	listed, err := adm.ListOffsetsAfterMilli(ctx, millis, topic)
	if err := listedErr(topic, listed, err); err != nil {
		return nil, err
	}
	out := make(map[int32]int64, len(listed[topic]))
	for p, o := range listed[topic] {
		out[p] = o.Offset
	}
	return out, nil
}

// maxBatchBytes is the largest record batch Kafka accepts by default
// (message.max.bytes).
const maxBatchBytes = 1048588

// fetchWait is how long a broker holds a fetch that has no data yet.
const fetchWait = 100 * time.Millisecond

// ReadMessages consumes the partitions directly (no group), each from its
// from offset, until each reaches its to offset or the partition's end,
// fetching at most dmsd.MaxFetchBytes of keys and values in all
// (EQUERYTOOLARGE beyond), until ctx's deadline (EQUERYTIMEOUT).
func (e *kadmin) ReadMessages(ctx context.Context, inst *dmsd.Instance, topic string, from, to map[int32]int64, valueCap int, keep func(*dmsd.Message) bool) ([]*dmsd.Message, error) {
	want := map[int32]kgo.Offset{}
	span := int64(0)
	for p, f := range from {
		if f < to[p] {
			want[p] = kgo.NewOffset().At(f)
			span = max(span, to[p]-f)
		}
	}
	// A read of a few records asks for little instead of megabytes, but
	// for at least a whole batch of the brokers' default size: a broker
	// answers a larger batch than the bound only in the first partition of
	// a fetch, and the others would wait for fetches of their own.
	partitionBytes := int32(min(int64(dmsd.MaxFetchBytes/2), max(maxBatchBytes, span*(4<<10))))
	if len(want) == 0 {
		return nil, nil
	}
	if err := checkID(inst.ID); err != nil {
		return nil, err
	}
	cl, err := e.dial(inst,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: want}),
		// An offset gone by the time the fetch comes (retention, a
		// delete) resumes at the end rather than rereading the log.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
		kgo.FetchMaxBytes(dmsd.MaxFetchBytes),
		kgo.FetchMaxPartitionBytes(partitionBytes),
		kgo.FetchMaxWait(fetchWait),
	)
	if err != nil {
		return nil, err
	}
	defer cl.Close()

	var out []*dmsd.Message
	fetched := 0
	open := len(want)
	closed := map[int32]bool{}
	finish := func(p int32) {
		if !closed[p] {
			closed[p] = true
			open--
		}
	}
	for open > 0 {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, &dmsd.Error{Code: dmsd.EQUERYTIMEOUT, Message: "Query timed out.", Err: ctx.Err()}
		}
		for _, fe := range fetches.Errors() {
			if errors.Is(fe.Err, kerr.UnknownTopicOrPartition) {
				return nil, errTopicNotFound(topic)
			}
			if fe.Err != nil && !errors.Is(fe.Err, context.Canceled) && !errors.Is(fe.Err, context.DeadlineExceeded) {
				return nil, fmt.Errorf("fetch %s/%d of %s: %w", fe.Topic, fe.Partition, inst.ID, fe.Err)
			}
		}
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if closed[fp.Partition] {
				return
			}
			for _, r := range fp.Records {
				if r.Offset >= to[fp.Partition] {
					finish(fp.Partition)
					break
				}
				fetched += len(r.Key) + len(r.Value)
				m := messageOf(r, valueCap)
				if keep == nil || keep(&dmsd.Message{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: r.Key, Value: r.Value, Headers: m.Headers, Timestamp: m.Timestamp}) {
					out = append(out, m)
				}
				if r.Offset >= to[fp.Partition]-1 {
					finish(fp.Partition)
					break
				}
			}
			if len(fp.Records) > 0 && fp.Records[len(fp.Records)-1].Offset+1 >= fp.HighWatermark {
				finish(fp.Partition)
			}
		})
		if fetched > dmsd.MaxFetchBytes {
			return nil, dmsd.Errorf(dmsd.EQUERYTOOLARGE, "Query reach maximum byte: the query would read more than %d MB; shorten the time range.", dmsd.MaxFetchBytes>>20)
		}
	}
	slices.SortFunc(out, func(a, b *dmsd.Message) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
	})
	return out, nil
}

// messageOf returns r as a dmsd.Message whose value is cut to valueCap.
func messageOf(r *kgo.Record, valueCap int) *dmsd.Message {
	m := &dmsd.Message{
		Topic:     r.Topic,
		Partition: r.Partition,
		Offset:    r.Offset,
		Key:       slices.Clone(r.Key),
		Timestamp: r.Timestamp.UnixMilli(),
		Size:      len(r.Key) + len(r.Value),
	}
	v := r.Value
	if len(v) > valueCap {
		v, m.Truncated = v[:valueCap], true
	}
	m.Value = slices.Clone(v)
	for _, h := range r.Headers {
		m.Headers = append(m.Headers, dmsd.MessageHeader{Key: h.Key, Value: slices.Clone(h.Value)})
	}
	return m
}

// ProduceMessage writes m, to m.Partition when it is not negative, and waits
// for the cluster's acknowledgement.
func (e *kadmin) ProduceMessage(ctx context.Context, inst *dmsd.Instance, m *dmsd.Message) (*dmsd.Message, error) {
	if err := checkID(inst.ID); err != nil {
		return nil, err
	}
	opts := []kgo.Opt{kgo.ProducerBatchMaxBytes(2 * dmsd.MaxSendBytes)}
	if m.Partition >= 0 {
		opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	}
	cl, err := e.dial(inst, opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	r := &kgo.Record{Topic: m.Topic, Partition: m.Partition, Key: m.Key, Value: m.Value}
	for _, h := range m.Headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
		switch {
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			return nil, errTopicNotFound(m.Topic)
		case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
			return nil, &dmsd.Error{Code: dmsd.EMSGTOOLARGE, Message: "The message is larger than the topic's size limit.", Err: err}
		}
		return nil, fmt.Errorf("produce to %s of %s: %w", m.Topic, inst.ID, err)
	}
	out := *m
	out.Partition, out.Offset, out.Timestamp = r.Partition, r.Offset, r.Timestamp.UnixMilli()
	out.Size = len(r.Key) + len(r.Value)
	return &out, nil
}

// DeleteRecords deletes each partition's records before its offset with
// Kafka's DeleteRecords.
func (e *kadmin) DeleteRecords(ctx context.Context, inst *dmsd.Instance, topic string, before map[int32]int64) (map[int32]error, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	os := kadm.Offsets{}
	for p, o := range before {
		os.Add(kadm.Offset{Topic: topic, Partition: p, At: o})
	}
	resps, err := adm.DeleteRecords(ctx, os)
	if err != nil {
		return nil, fmt.Errorf("delete records of %s on %s: %w", topic, inst.ID, err)
	}
	out := make(map[int32]error, len(before))
	for p := range before {
		r, ok := resps[topic][p]
		switch {
		case !ok:
			out[p] = fmt.Errorf("no answer for partition %d", p)
		default:
			out[p] = r.Err
		}
	}
	return out, nil
}
