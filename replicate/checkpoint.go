package replicate

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// syncInterval is how often a task with sync_consumer_offsets_enabled
// translates its source's consumer group offsets.
const syncInterval = time.Second

// syncGroups translates, every second until ctx ends, the offsets the
// source's consumer groups committed on the flow's topics to the target:
// each group gets, on the target topic of each partition, one past the
// target offset of the last record copied before its committed offset (so
// that a consumer of that group moving to the target starts after what it
// consumed), committed under the same group id. It never moves a target
// group's offset backwards and never commits for a group that has members
// on the target, whose consumers commit for themselves. A failed round is
// logged and tried again the next second: the copying goes on regardless.
func (w *Worker) syncGroups(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, m *offsetMap) {
	var src, dst *kadm.Client
	defer func() {
		if src != nil {
			src.Close()
			dst.Close()
		}
	}()
	tick := time.NewTicker(syncInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if src == nil {
			s, d, err := w.sides(ctx, t, f)
			if err != nil {
				continue
			}
			sc, err := kgo.NewClient(s...)
			if err != nil {
				continue
			}
			dc, err := kgo.NewClient(d...)
			if err != nil {
				sc.Close()
				continue
			}
			src, dst = kadm.NewClient(sc), kadm.NewClient(dc)
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := syncGroupsOnce(rctx, t, f, m, src, dst)
		cancel()
		if err != nil && ctx.Err() == nil {
			w.logger.Warn("replication task could not sync consumer offsets; retrying", "task", t.ID, "flow", f.Name, "error", err)
		}
	}
}

// syncGroupsOnce is one round of syncGroups. It returns the first error of
// the round; the groups it could commit are committed.
func syncGroupsOnce(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, m *offsetMap, src, dst *kadm.Client) error {
	listed, err := src.ListGroups(ctx)
	if err != nil {
		return err
	}
	groups := listed.Groups()
	if len(groups) == 0 {
		return nil
	}
	sort.Strings(groups)
	committed := src.FetchManyOffsets(ctx, groups...)
	described, err := dst.DescribeGroups(ctx, groups...)
	if err != nil {
		return err
	}
	current := dst.FetchManyOffsets(ctx, groups...)
	var first error
	for _, g := range groups {
		d, ok := described[g]
		if !ok || (d.Err != nil && !errors.Is(d.Err, kerr.GroupIDNotFound)) || len(d.Members) > 0 {
			continue // active on the target, or unknown how it is: left alone
		}
		c, ok := committed[g]
		if !ok || c.Err != nil {
			continue
		}
		cur := current[g]
		if cur.Err != nil && !errors.Is(cur.Err, kerr.GroupIDNotFound) {
			continue
		}
		commit := kadm.Offsets{}
		c.Fetched.Each(func(o kadm.OffsetResponse) {
			if o.Err != nil || o.At < 0 || !t.Selects(o.Topic) {
				return
			}
			at, ok := m.translate(o.Topic, o.Partition, o.At)
			if !ok {
				return
			}
			topic := f.TargetTopic(o.Topic)
			if have, ok := cur.Fetched.Lookup(topic, o.Partition); ok && have.Err == nil && have.At >= at {
				return // never backwards
			}
			commit.Add(kadm.Offset{Topic: topic, Partition: o.Partition, At: at, LeaderEpoch: -1})
		})
		if len(commit) == 0 {
			continue
		}
		resp, err := dst.CommitOffsets(ctx, g, commit)
		if err == nil {
			err = resp.Error()
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// offsetsFor returns the map a flow of t adds its copied offsets to and
// starts the flow's consumer offset sync, if t syncs consumer offsets; nil
// otherwise. The sync ends with ctx, and wg waits for it.
func (w *Worker) offsetsFor(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, wg *sync.WaitGroup) *offsetMap {
	if !t.Peer.SyncConsumerOffsets {
		return nil
	}
	m := newOffsetMap()
	wg.Go(func() { w.syncGroups(ctx, t, f, m) })
	return m
}
