package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/dmsd/dmsd"
)

var _ dmsd.GroupObserver = (*kadmin)(nil)

// SampleGroup returns group's members and their partitions of topic, and
// each partition's leader, end offset and the group's commit. It returns
// ETOPICNOTFOUND if the topic does not exist, or the cluster's error.
func (e *kadmin) SampleGroup(ctx context.Context, inst *dmsd.Instance, group, topic string) (*dmsd.GroupSample, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	meta, err := adm.Metadata(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", inst.ID, err)
	}
	td, ok := meta.Topics[topic]
	if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) || len(td.Partitions) == 0 {
		return nil, dmsd.Errorf(dmsd.ETOPICNOTFOUND, "Failed to query topics: the topic %s does not exist.", topic)
	}
	groups, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("describe group %s of %s: %w", group, inst.ID, err)
	}
	// Sampled as close together as possible, so that lag and rates
	// compare like with like.
	at := time.Now()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", inst.ID, err)
	}
	commits, err := adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		commits, err = nil, nil // No group: nothing committed.
	}
	if err != nil {
		return nil, fmt.Errorf("offsets of group %s of %s: %w", group, inst.ID, err)
	}
	s := &dmsd.GroupSample{At: at, State: "Dead", Members: map[string][]int32{}, Brokers: len(meta.Brokers)}
	if g, ok := groups[group]; ok && g.Err == nil {
		s.State = g.State
		for _, m := range g.Members {
			var ps []int32
			if a, ok := m.Assigned.AsConsumer(); ok {
				for _, t := range a.Topics {
					if t.Topic == topic {
						ps = append(ps, t.Partitions...)
					}
				}
			}
			s.Members[m.MemberID] = ps
		}
	}
	for _, p := range td.Partitions.Sorted() {
		ps := dmsd.PartitionSample{Partition: p.Partition, Leader: p.Leader, End: -1, Committed: -1}
		if o, ok := ends.Lookup(topic, p.Partition); ok && o.Err == nil {
			ps.End = o.Offset
		}
		if c, ok := commits.Lookup(topic, p.Partition); ok && c.Err == nil {
			ps.Committed = c.At
		}
		s.Partitions = append(s.Partitions, ps)
	}
	return s, nil
}

// GroupMembers returns each consumer group's state and member ids, sorted.
// It returns the cluster's error.
func (e *kadmin) GroupMembers(ctx context.Context, inst *dmsd.Instance) (map[string]dmsd.GroupMembership, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	listed, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", inst.ID, err)
	}
	out := map[string]dmsd.GroupMembership{}
	if len(listed) == 0 {
		return out, nil
	}
	described, err := adm.DescribeGroups(ctx, listed.Groups()...)
	if err != nil {
		return nil, fmt.Errorf("describe groups of %s: %w", inst.ID, err)
	}
	for name, g := range described {
		if g.Err != nil {
			continue
		}
		m := dmsd.GroupMembership{State: g.State}
		for _, mem := range g.Members {
			m.Members = append(m.Members, mem.MemberID)
		}
		slices.Sort(m.Members)
		out[name] = m
	}
	return out, nil
}
