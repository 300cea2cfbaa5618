package replicate

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// lag returns how far each flow of t is behind its source, per source topic:
// the source's end offsets minus the saved offsets, summed over the
// partitions the flow has started reading. A flow whose source does not
// answer within 5 seconds is left out, so a task in ERROR still shows.
func (s *Service) lag(ctx context.Context, t *dmsd.ConnectTask) []dmsd.ConnectLag {
	saved, err := s.store.ConnectOffsets(ctx, t.ID)
	if err != nil {
		return nil
	}
	inst, err := s.store.FindInstance(ctx, t.ProjectID, t.InstanceID)
	if err != nil {
		return nil
	}
	out := []dmsd.ConnectLag{}
	for _, f := range t.Flows() {
		next := map[topicPartition]int64{}
		topics := map[string]bool{}
		for _, o := range saved {
			if o.Flow == f.Name && t.Selects(o.Topic) {
				next[topicPartition{o.Topic, o.Partition}] = o.Next
				topics[o.Topic] = true
			}
		}
		if len(topics) == 0 {
			continue
		}
		names := slices.Sorted(maps.Keys(topics))
		var opts []kgo.Opt
		if f.FromPeer {
			opts, err = peerOpts(ctx, s.store, s.open, t)
		} else {
			opts, err = s.open.ClientOpts(inst)
		}
		if err != nil {
			continue
		}
		ends, err := endOffsets(ctx, opts, names)
		if err != nil {
			continue
		}
		sum := map[string]int64{}
		ends.Each(func(l kadm.ListedOffset) {
			if n, ok := next[topicPartition{l.Topic, l.Partition}]; ok && l.Err == nil {
				sum[l.Topic] += max(0, l.Offset-n)
			}
		})
		for _, name := range names {
			out = append(out, dmsd.ConnectLag{Flow: f.Name, Topic: name, Lag: sum[name]})
		}
	}
	return out
}

// endOffsets lists the end offsets of topics on the cluster opts reach,
// within 5 seconds.
func endOffsets(ctx context.Context, opts []kgo.Opt, topics []string) (kadm.ListedOffsets, error) {
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	return ends, ends.Error()
}
