package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/dmsd/dmsd"
)

// errTopicNotFound is the API's answer for a topic the cluster does not have.
func errTopicNotFound(name string) error {
	return dmsd.Errorf(dmsd.ETOPICNOTFOUND, "Failed to query topics: the topic %s does not exist.", name)
}

// topicMetadata returns the metadata of one topic, ETOPICNOTFOUND if the
// cluster does not have it.
func topicMetadata(ctx context.Context, adm *kadm.Client, inst *dmsd.Instance, topic string) (kadm.Metadata, kadm.TopicDetail, error) {
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return md, kadm.TopicDetail{}, fmt.Errorf("metadata of topic %s on %s: %w", topic, inst.ID, err)
	}
	d, ok := md.Topics[topic]
	switch {
	case !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition):
		return md, d, errTopicNotFound(topic)
	case d.Err != nil:
		return md, d, fmt.Errorf("metadata of topic %s on %s: %w", topic, inst.ID, d.Err)
	}
	return md, d, nil
}

// DescribeTopic reads a topic's metadata, its start, end and max-timestamp
// offsets (ListOffsets), its replicas' log sizes (DescribeLogDirs on every
// broker) and the groups with offsets committed on it (ListGroups and
// OffsetFetch). It returns ETOPICNOTFOUND for a topic the cluster lacks.
func (e *kadmin) DescribeTopic(ctx context.Context, inst *dmsd.Instance, topic string) (*dmsd.TopicDetail, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	_, d, err := topicMetadata(ctx, adm, inst, topic)
	if err != nil {
		return nil, err
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("start offsets of %s on %s: %w", topic, inst.ID, err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s on %s: %w", topic, inst.ID, err)
	}
	// The last record time is a convenience: a cluster that cannot tell it
	// leaves it unknown rather than failing the whole answer.
	latest, _ := adm.ListMaxTimestampOffsets(ctx, topic)
	// With its partitions named, each replica's broker is asked for its own;
	// a topic without partitions would ask nobody.
	set := kadm.TopicsSet{}
	set.Add(topic, d.Partitions.Numbers()...)
	logs, err := adm.DescribeAllLogDirs(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("log dirs of %s on %s: %w", topic, inst.ID, err)
	}
	out := &dmsd.TopicDetail{Name: topic, Groups: []string{}}
	for _, p := range d.Partitions.Sorted() {
		pd := dmsd.PartitionDetail{
			Partition:     p.Partition,
			Leader:        p.Leader,
			Replicas:      slices.Clone(p.Replicas),
			ISR:           slices.Clone(p.ISR),
			LastTimestamp: -1,
			Replica:       map[int32]dmsd.ReplicaLog{},
		}
		if o, ok := starts.Lookup(topic, p.Partition); ok {
			pd.StartOffset = o.Offset
		}
		if o, ok := ends.Lookup(topic, p.Partition); ok {
			pd.EndOffset = o.Offset
		}
		if o, ok := latest.Lookup(topic, p.Partition); ok && o.Err == nil && o.Offset >= 0 {
			pd.LastTimestamp = o.Timestamp
		}
		for broker, dirs := range logs {
			if lp, ok := dirs.LookupPartition(topic, p.Partition); ok {
				pd.Replica[broker] = dmsd.ReplicaLog{Size: lp.Size, Lag: lp.OffsetLag}
			}
		}
		out.Partitions = append(out.Partitions, pd)
	}
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", inst.ID, err)
	}
	if names := groups.Groups(); len(names) > 0 {
		for g, r := range adm.FetchManyOffsets(ctx, names...) {
			if r.Err == nil && len(r.Fetched[topic]) > 0 {
				out.Groups = append(out.Groups, g)
			}
		}
	}
	slices.Sort(out.Groups)
	return out, nil
}

// DescribeCluster reads the cluster's metadata for every topic and counts
// its consumer groups (ListGroups).
func (e *kadmin) DescribeCluster(ctx context.Context, inst *dmsd.Instance) (*dmsd.ClusterInfo, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	md, err := adm.Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", inst.ID, err)
	}
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", inst.ID, err)
	}
	out := &dmsd.ClusterInfo{Controller: md.Controller, Groups: len(groups)}
	for _, b := range md.Brokers {
		out.Brokers = append(out.Brokers, dmsd.Broker{ID: b.NodeID, Host: b.Host, Port: int(b.Port)})
	}
	slices.SortFunc(out.Brokers, func(a, b dmsd.Broker) int { return cmp.Compare(a.ID, b.ID) })
	for _, t := range md.Topics {
		if t.Err != nil {
			continue
		}
		out.Topics++
		for _, p := range t.Partitions {
			out.Partitions++
			if p.Leader >= 0 {
				out.OnlinePartitions++
			}
			out.Replicas += len(p.Replicas)
			out.ISRReplicas += len(p.ISR)
		}
	}
	return out, nil
}

// GroupCoordinators lists the groups and asks FindCoordinator for each.
// A group Kafka cannot name a coordinator for is left out.
func (e *kadmin) GroupCoordinators(ctx context.Context, inst *dmsd.Instance) ([]dmsd.Coordinator, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", inst.ID, err)
	}
	out := []dmsd.Coordinator{}
	names := groups.Groups()
	if len(names) == 0 {
		return out, nil
	}
	for _, r := range adm.FindGroupCoordinators(ctx, names...).Sorted() {
		if r.Err != nil {
			continue
		}
		out = append(out, dmsd.Coordinator{Group: r.Name, Broker: dmsd.Broker{ID: r.NodeID, Host: r.Host, Port: int(r.Port)}})
	}
	return out, nil
}

// DiskUsage asks every broker to describe all its log directories.
func (e *kadmin) DiskUsage(ctx context.Context, inst *dmsd.Instance) ([]dmsd.BrokerDisk, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	all, err := adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("log dirs of %s: %w", inst.ID, err)
	}
	out := make([]dmsd.BrokerDisk, 0, len(all))
	for broker, dirs := range all {
		bd := dmsd.BrokerDisk{Broker: broker, Total: -1, Usable: -1}
		for _, d := range dirs.Sorted() {
			if d.Err != nil {
				continue
			}
			if d.TotalBytes >= 0 {
				bd.Total = max(bd.Total, 0) + d.TotalBytes
			}
			if d.UsableBytes >= 0 {
				bd.Usable = max(bd.Usable, 0) + d.UsableBytes
			}
		}
		for _, p := range dirs.SortedPartitions() {
			bd.Partitions = append(bd.Partitions, dmsd.PartitionSize{Topic: p.Topic, Partition: p.Partition, Size: p.Size})
		}
		out = append(out, bd)
	}
	slices.SortFunc(out, func(a, b dmsd.BrokerDisk) int { return cmp.Compare(a.Broker, b.Broker) })
	return out, nil
}

// TopicProducers asks the leaders of a topic's partitions for their active
// producers (DescribeProducers), returned by partition and producer id. It
// returns ETOPICNOTFOUND for a topic the cluster lacks.
func (e *kadmin) TopicProducers(ctx context.Context, inst *dmsd.Instance, topic string) ([]dmsd.Producer, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	md, d, err := topicMetadata(ctx, adm, inst, topic)
	if err != nil {
		return nil, err
	}
	out := []dmsd.Producer{}
	if len(d.Partitions) == 0 {
		return out, nil
	}
	described, err := adm.DescribeProducers(ctx, kadm.TopicsSet{topic: {}})
	if err != nil {
		return nil, fmt.Errorf("describe producers of %s on %s: %w", topic, inst.ID, err)
	}
	for _, p := range described.SortedPartitions() {
		if p.Err != nil {
			return nil, fmt.Errorf("describe producers of %s/%d on %s: %w", topic, p.Partition, inst.ID, p.Err)
		}
		leader := dmsd.Broker{ID: p.Leader}
		if b, ok := findBroker(md.Brokers, p.Leader); ok {
			leader = b
		}
		for _, ap := range p.ActiveProducers.Sorted() {
			out = append(out, dmsd.Producer{ProducerID: ap.ProducerID, Partition: p.Partition, Leader: leader, LastTimestamp: ap.LastTimestamp})
		}
	}
	return out, nil
}

// findBroker returns the broker of id among bs.
func findBroker(bs kadm.BrokerDetails, id int32) (dmsd.Broker, bool) {
	for _, b := range bs {
		if b.NodeID == id {
			return dmsd.Broker{ID: b.NodeID, Host: b.Host, Port: int(b.Port)}, true
		}
	}
	return dmsd.Broker{}, false
}
