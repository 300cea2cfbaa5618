package admin

import (
	"bytes"
	"cmp"
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

// Ensure Service implements the message services.
var _ dmsd.MessageService = (*Service)(nil)

// partitionOf returns the bounds of partition p among bounds, or
// EMSGPARTITION.
func partitionOf(bounds []dmsd.PartitionBounds, topic string, p int32) (dmsd.PartitionBounds, error) {
	i := slices.IndexFunc(bounds, func(b dmsd.PartitionBounds) bool { return b.Partition == p })
	if i < 0 {
		return dmsd.PartitionBounds{}, dmsd.Errorf(dmsd.EMSGPARTITION, "The topic %s has no partition %d.", topic, p)
	}
	return bounds[i], nil
}

// QueryMessages reads the window [q.StartMs, q.EndMs) of q's partitions
// (ListOffsets by time gives where it begins and ends in each), keeps the
// messages that match q's keyword and key, sorts them by time and returns
// q's page. A window of more than dmsd.MaxWindowRecords records is refused
// before anything is read.
func (s *Service) QueryMessages(ctx context.Context, actor dmsd.Actor, instanceID string, q *dmsd.MessageQuery) (*dmsd.MessagePage, error) {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, dmsd.MessageQueryBudget)
	defer cancel()
	bounds, err := c.Bounds(ctx, inst, q.Topic)
	if err != nil {
		return nil, err
	}
	if q.Partition >= 0 {
		b, err := partitionOf(bounds, q.Topic, q.Partition)
		if err != nil {
			return nil, err
		}
		bounds = []dmsd.PartitionBounds{b}
	}
	from, err := c.OffsetsAfter(ctx, inst, q.Topic, q.StartMs)
	if err != nil {
		return nil, err
	}
	to, err := c.OffsetsAfter(ctx, inst, q.Topic, q.EndMs)
	if err != nil {
		return nil, err
	}
	fromIn, toIn := map[int32]int64{}, map[int32]int64{}
	records := int64(0)
	for _, b := range bounds {
		f := max(from[b.Partition], b.Start)
		t := min(to[b.Partition], b.End)
		if f >= t {
			continue
		}
		fromIn[b.Partition], toIn[b.Partition] = f, t
		records += t - f
	}
	if records > dmsd.MaxWindowRecords {
		return nil, dmsd.Errorf(dmsd.EQUERYTOOLARGE, "Query reach maximum byte: the time range holds %d messages, more than the %d one query may read; shorten it.", records, dmsd.MaxWindowRecords)
	}
	msgs, err := c.ReadMessages(ctx, inst, q.Topic, fromIn, toIn, q.ValueCap, func(m *dmsd.Message) bool {
		// Timestamps need not grow with offsets (CreateTime): the
		// window's offsets may hold a record stamped outside it.
		if m.Timestamp < q.StartMs || m.Timestamp >= q.EndMs {
			return false
		}
		if q.Key != "" && string(m.Key) != q.Key {
			return false
		}
		if q.Keyword != "" && !bytes.Contains(m.Value, []byte(q.Keyword)) && !bytes.Contains(m.Key, []byte(q.Keyword)) {
			return false
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(msgs, func(a, b *dmsd.Message) int {
		c := cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
		if q.Desc {
			return -c
		}
		return c
	})
	page := &dmsd.MessagePage{Total: len(msgs), Messages: []*dmsd.Message{}}
	if q.Skip < len(msgs) {
		page.Messages = msgs[q.Skip:min(len(msgs), q.Skip+q.Limit)]
	}
	return page, nil
}

// MessageAt reads the one record of q.Partition at q.Offset.
func (s *Service) MessageAt(ctx context.Context, actor dmsd.Actor, instanceID string, q *dmsd.MessageQuery) (*dmsd.Message, error) {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, dmsd.MessageQueryBudget)
	defer cancel()
	bounds, err := c.Bounds(ctx, inst, q.Topic)
	if err != nil {
		return nil, err
	}
	b, err := partitionOf(bounds, q.Topic, q.Partition)
	if err != nil {
		return nil, err
	}
	if q.Offset < b.Start || q.Offset >= b.End {
		return nil, dmsd.Errorf(dmsd.EMSGOFFSET, "Partition %d of %s holds messages from offset %d to %d; it has none at %d.", q.Partition, q.Topic, b.Start, b.End-1, q.Offset)
	}
	msgs, err := c.ReadMessages(ctx, inst, q.Topic, map[int32]int64{q.Partition: q.Offset}, map[int32]int64{q.Partition: q.Offset + 1}, q.ValueCap, nil)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 || msgs[0].Offset != q.Offset {
		// A compacted or transactional log has offsets without a record.
		return nil, dmsd.Errorf(dmsd.EMSGOFFSET, "Partition %d of %s has no message at offset %d.", q.Partition, q.Topic, q.Offset)
	}
	return msgs[0], nil
}

// PartitionEdge returns the first (or last) message's offset and timestamp.
func (s *Service) PartitionEdge(ctx context.Context, actor dmsd.Actor, instanceID, topic string, partition int32, last bool) (*dmsd.Message, error) {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, dmsd.MessageQueryBudget)
	defer cancel()
	bounds, err := c.Bounds(ctx, inst, topic)
	if err != nil {
		return nil, err
	}
	b, err := partitionOf(bounds, topic, partition)
	if err != nil {
		return nil, err
	}
	out := &dmsd.Message{Topic: topic, Partition: partition, Offset: b.End}
	if b.Start >= b.End {
		return out, nil
	}
	at := b.Start
	if last {
		at = b.End - 1
	}
	out.Offset = at
	msgs, err := c.ReadMessages(ctx, inst, topic, map[int32]int64{partition: at}, map[int32]int64{partition: at + 1}, 0, nil)
	if err != nil {
		return nil, err
	}
	if len(msgs) > 0 {
		out.Offset, out.Timestamp = msgs[0].Offset, msgs[0].Timestamp
	}
	return out, nil
}

// SendMessage checks m's topic and partition and its size, then produces it.
func (s *Service) SendMessage(ctx context.Context, actor dmsd.Actor, instanceID string, m *dmsd.Message) (*dmsd.Message, error) {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	if n := len(m.Key) + len(m.Value); n > dmsd.MaxSendBytes {
		return nil, dmsd.Errorf(dmsd.EMSGTOOLARGE, "The message size is %d, larger than the size limit %d.", n, dmsd.MaxSendBytes)
	}
	ctx, cancel := context.WithTimeout(ctx, dmsd.MessageQueryBudget)
	defer cancel()
	bounds, err := c.Bounds(ctx, inst, m.Topic)
	if err != nil {
		return nil, err
	}
	if m.Partition >= 0 {
		if _, err := partitionOf(bounds, m.Topic, m.Partition); err != nil {
			return nil, err
		}
	}
	// A send always adds a record: a replay has no answer that changes
	// nothing.
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return nil, err
	}
	return c.ProduceMessage(ctx, inst, m)
}

// DeleteMessages checks every partition and offset, then deletes the
// records before each offset.
func (s *Service) DeleteMessages(ctx context.Context, actor dmsd.Actor, instanceID, topic string, before map[int32]int64) ([]dmsd.MessageDeletion, error) {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	if len(before) == 0 {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partitions is empty.")
	}
	ctx, cancel := context.WithTimeout(ctx, dmsd.MessageQueryBudget)
	defer cancel()
	bounds, err := c.Bounds(ctx, inst, topic)
	if err != nil {
		return nil, err
	}
	for p, o := range before {
		b, err := partitionOf(bounds, topic, p)
		if err != nil {
			return nil, err
		}
		if o < 0 || o > b.End {
			return nil, dmsd.Errorf(dmsd.EMSGDELETEAHEAD, "Invalid offset %d for partition %d of %s: it must be between 0 and its end offset %d.", o, p, topic, b.End)
		}
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return nil, err
	}
	results, err := c.DeleteRecords(ctx, inst, topic, before)
	if err != nil {
		return nil, err
	}
	out := make([]dmsd.MessageDeletion, 0, len(results))
	for p, err := range results {
		out = append(out, dmsd.MessageDeletion{Partition: p, Err: err})
	}
	slices.SortFunc(out, func(a, b dmsd.MessageDeletion) int { return cmp.Compare(a.Partition, b.Partition) })
	return out, nil
}
