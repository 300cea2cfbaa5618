package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/dmsd/dmsd"
)

// Groups returns the groups named, or every group the cluster lists, with
// their members, offsets and lag from one kadm Lag call, so that the answer
// is what kadm computes for the groups at that moment.
func (e *kadmin) Groups(ctx context.Context, inst *dmsd.Instance, names ...string) ([]*dmsd.Group, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	if len(names) == 0 {
		listed, err := adm.ListGroups(ctx)
		if err != nil {
			return nil, fmt.Errorf("list groups of %s: %w", inst.ID, err)
		}
		names = listed.Groups()
		slices.Sort(names)
		if len(names) == 0 {
			return nil, nil
		}
	}
	lags, err := adm.Lag(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("lag of groups of %s: %w", inst.ID, err)
	}
	out := make([]*dmsd.Group, 0, len(names))
	for _, name := range names {
		l, ok := lags[name]
		g := &dmsd.Group{Name: name, State: dmsd.GroupDead, Coordinator: -1}
		out = append(out, g)
		if !ok {
			continue
		}
		if err := l.Error(); err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			return nil, fmt.Errorf("lag of group %s: %w", name, err)
		}
		g.State, g.Protocol = l.State, l.Protocol
		if g.State == "" {
			g.State = dmsd.GroupDead
		}
		if l.Coordinator.Host != "" {
			g.Coordinator = l.Coordinator.NodeID
		}
		for _, m := range l.Members {
			gm := dmsd.GroupMember{ID: m.MemberID, ClientID: m.ClientID, Host: strings.TrimPrefix(m.ClientHost, "/"), Assigned: map[string][]int32{}}
			if a, ok := m.Assigned.AsConsumer(); ok {
				for _, t := range a.Topics {
					gm.Assigned[t.Topic] = slices.Sorted(slices.Values(t.Partitions))
				}
			}
			g.Members = append(g.Members, gm)
		}
		for _, pl := range l.Lag.Sorted() {
			o := dmsd.GroupOffset{Topic: pl.Topic, Partition: pl.Partition, Committed: pl.Commit.At,
				Start: pl.Start.Offset, End: pl.End.Offset, Lag: pl.Lag}
			if pl.Member != nil {
				o.MemberID, o.ClientID, o.Host = pl.Member.MemberID, pl.Member.ClientID, strings.TrimPrefix(pl.Member.ClientHost, "/")
			}
			g.Offsets = append(g.Offsets, o)
		}
	}
	return out, nil
}

// DeleteGroups deletes the groups, each as Kafka's DeleteGroups answers it.
func (e *kadmin) DeleteGroups(ctx context.Context, inst *dmsd.Instance, names []string) (map[string]error, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	res, err := adm.DeleteGroups(ctx, names...)
	if err != nil && len(res) == 0 {
		return nil, fmt.Errorf("delete groups of %s: %w", inst.ID, err)
	}
	out := make(map[string]error, len(names))
	for _, n := range names {
		r, ok := res[n]
		switch {
		case !ok:
			out[n] = fmt.Errorf("delete group %s: no answer: %w", n, err)
		case r.Err == nil:
			out[n] = nil
		default:
			out[n] = groupError(n, r.Err)
		}
	}
	return out, nil
}

// DeleteGroupOffsets deletes the group's committed offsets on every
// partition of the topics it committed on, as Kafka's OffsetDelete answers
// it per topic.
func (e *kadmin) DeleteGroupOffsets(ctx context.Context, inst *dmsd.Instance, group string, topics []string) (map[string]error, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	committed, err := adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		committed, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fetch offsets of group %s: %w", group, err)
	}
	set := kadm.TopicsSet{}
	for _, t := range topics {
		for p := range committed[t] {
			set.Add(t, p)
		}
	}
	res, err := adm.DeleteOffsets(ctx, group, set)
	if err != nil {
		return nil, fmt.Errorf("delete offsets of group %s: %w", group, err)
	}
	out := make(map[string]error, len(topics))
	for _, t := range topics {
		out[t] = nil
		if _, ok := set[t]; !ok {
			out[t] = dmsd.Errorf(dmsd.ENOTOPIC, "The consumer group %s has no offsets on topic %s.", group, t)
			continue
		}
		for _, perr := range res[t] {
			if perr != nil {
				out[t] = groupError(group, perr)
				break
			}
		}
	}
	return out, nil
}

// groupError returns Kafka's refusal err of an operation on group as a DMS
// error whose message names Kafka's error.
func groupError(group string, err error) error {
	var ke *kerr.Error
	name := err.Error()
	if errors.As(err, &ke) {
		name = ke.Message
	}
	switch {
	case errors.Is(err, kerr.NonEmptyGroup), errors.Is(err, kerr.GroupSubscribedToTopic):
		return &dmsd.Error{Code: dmsd.EGROUPACTIVE, Message: fmt.Sprintf("%s: the consumer group %s has members; stop its consumers first.", name, group), Err: err}
	case errors.Is(err, kerr.GroupIDNotFound):
		return &dmsd.Error{Code: dmsd.EGROUPNOTFOUND, Message: fmt.Sprintf("%s: the consumer group %s does not exist.", name, group), Err: err}
	}
	return fmt.Errorf("group %s: %w", group, err)
}
