package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/dmsd/dmsd"
)

var _ dmsd.PartitionAdmin = (*Embedded)(nil)

// ClusterMetadata returns the broker ids and the replicas of every partition
// of the non-internal topics, as the cluster's metadata reports them.
func (e *kadmin) ClusterMetadata(ctx context.Context, inst *dmsd.Instance) (*dmsd.ClusterMetadata, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	md, err := adm.Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", inst.ID, err)
	}
	out := &dmsd.ClusterMetadata{Topics: map[string]map[int32][]int32{}}
	for _, b := range md.Brokers {
		out.Brokers = append(out.Brokers, b.NodeID)
	}
	slices.Sort(out.Brokers)
	for name, td := range md.Topics {
		if td.IsInternal || td.Err != nil {
			continue
		}
		parts := map[int32][]int32{}
		for p, pd := range td.Partitions {
			parts[p] = slices.Clone(pd.Replicas)
		}
		out.Topics[name] = parts
	}
	return out, nil
}

// throttleBrokerConfigs and throttleTopicConfigs are Kafka's replication
// throttle: a rate on the brokers, applied to the replicas the topics mark.
var (
	throttleBrokerConfigs = []string{"leader.replication.throttled.rate", "follower.replication.throttled.rate"}
	throttleTopicConfigs  = []string{"leader.replication.throttled.replicas", "follower.replication.throttled.replicas"}
)

// SetReplicationThrottle sets or (with 0) removes the replication throttle on
// every broker and marks or unmarks all replicas of the topics. Topics that
// no longer exist are skipped when removing.
func (e *kadmin) SetReplicationThrottle(ctx context.Context, inst *dmsd.Instance, topics []string, bytesPerSecond int64) error {
	adm, done, err := e.admin(inst)
	if err != nil {
		return err
	}
	defer done()
	md, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return fmt.Errorf("broker metadata of %s: %w", inst.ID, err)
	}
	op, rate, replicas := kadm.SetConfig, kadm.StringPtr(strconv.FormatInt(bytesPerSecond, 10)), kadm.StringPtr("*")
	if bytesPerSecond <= 0 {
		op, rate, replicas = kadm.DeleteConfig, nil, nil
	}
	var brokerCfgs, topicCfgs []kadm.AlterConfig
	for _, name := range throttleBrokerConfigs {
		brokerCfgs = append(brokerCfgs, kadm.AlterConfig{Op: op, Name: name, Value: rate})
	}
	for _, name := range throttleTopicConfigs {
		topicCfgs = append(topicCfgs, kadm.AlterConfig{Op: op, Name: name, Value: replicas})
	}
	brokers := make([]int32, 0, len(md.Brokers))
	for _, b := range md.Brokers {
		brokers = append(brokers, b.NodeID)
	}
	var errs []error
	resps, err := adm.AlterBrokerConfigs(ctx, brokerCfgs, brokers...)
	if err != nil {
		return fmt.Errorf("set replication throttle on %s: %w", inst.ID, err)
	}
	for _, r := range resps {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("broker %s: %w %s", r.Name, r.Err, r.ErrMessage))
		}
	}
	if len(topics) > 0 {
		resps, err := adm.AlterTopicConfigs(ctx, topicCfgs, topics...)
		if err != nil {
			return fmt.Errorf("mark throttled replicas on %s: %w", inst.ID, err)
		}
		for _, r := range resps {
			if r.Err != nil && !(bytesPerSecond <= 0 && errors.Is(r.Err, kerr.UnknownTopicOrPartition)) {
				errs = append(errs, fmt.Errorf("topic %s: %w %s", r.Name, r.Err, r.ErrMessage))
			}
		}
	}
	return errors.Join(errs...)
}

// AlterPartitionAssignments sends the plan to Kafka and returns the errors it
// reports for any partition. On an embedded cluster, whose kfake brokers
// accept the request and move nothing, it then makes the move itself as far
// as kfake can (placeMoves).
func (e *kadmin) AlterPartitionAssignments(ctx context.Context, inst *dmsd.Instance, plan dmsd.PartitionPlan) error {
	adm, done, err := e.admin(inst)
	if err != nil {
		return err
	}
	defer done()
	req := kadm.AlterPartitionAssignmentsReq{}
	for topic, parts := range plan {
		for p, replicas := range parts {
			req.Assign(topic, p, replicas)
		}
	}
	resps, err := adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		return fmt.Errorf("alter partition assignments of %s: %w", inst.ID, err)
	}
	var errs []error
	for topic, parts := range resps {
		for p, r := range parts {
			if r.Err != nil {
				errs = append(errs, dmsd.Errorf(dmsd.EINVALID, "Kafka refused to reassign %s-%d: %v %s", topic, p, r.Err, r.ErrMessage))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if e.place == nil {
		return nil
	}
	return e.place(ctx, inst, adm, plan)
}

// placeMoves moves, on an embedded cluster, the leader of every partition
// that is not on its requested replicas to the first of them, the only
// placement kfake lets a caller change: its metadata lists a partition's
// replicas as the leader and the brokers after it, as many as the topic's
// replication factor. A partition that the move does not bring to the
// requested replicas gets its leader back, so that a plan kfake cannot
// carry out leaves the partition where it was, as Kafka would, and the
// verification reports it.
func (e *Embedded) placeMoves(ctx context.Context, inst *dmsd.Instance, adm *kadm.Client, plan dmsd.PartitionPlan) error {
	e.mu.Lock()
	r, ok := e.clusters[inst.ID]
	e.mu.Unlock()
	if !ok {
		return dmsd.Errorf(dmsd.EINSTANCESTATUS, "The Kafka cluster of the instance is not running.")
	}
	topics := slices.Sorted(maps.Keys(plan))
	before, err := adm.Metadata(ctx, topics...)
	if err != nil {
		return fmt.Errorf("metadata of %s: %w", inst.ID, err)
	}
	leaders := map[string]map[int32]int32{}
	for _, topic := range topics {
		for p, want := range plan[topic] {
			pd, ok := before.Topics[topic].Partitions[p]
			if !ok || slices.Equal(pd.Replicas, want) {
				continue
			}
			if err := r.cluster.MoveTopicPartition(topic, p, want[0]); err != nil {
				return fmt.Errorf("move the leader of %s-%d of %s to broker %d: %w", topic, p, inst.ID, want[0], err)
			}
			if leaders[topic] == nil {
				leaders[topic] = map[int32]int32{}
			}
			leaders[topic][p] = pd.Leader
		}
	}
	if len(leaders) == 0 {
		return nil
	}
	// A new client: kgo answers a metadata request from its cache when it
	// is recent, which would show the placement of before the moves.
	fresh, done, err := e.admin(inst)
	if err != nil {
		return err
	}
	defer done()
	after, err := fresh.Metadata(ctx, topics...)
	if err != nil {
		return fmt.Errorf("metadata of %s: %w", inst.ID, err)
	}
	for topic, parts := range leaders {
		for p, leader := range parts {
			if slices.Equal(after.Topics[topic].Partitions[p].Replicas, plan[topic][p]) {
				continue
			}
			if err := r.cluster.MoveTopicPartition(topic, p, leader); err != nil {
				return fmt.Errorf("move the leader of %s-%d of %s back to broker %d: %w", topic, p, inst.ID, leader, err)
			}
		}
	}
	return nil
}

// PartitionSizes returns the size in bytes of every partition of the topics,
// the largest that any broker's log directories report for it.
func (e *kadmin) PartitionSizes(ctx context.Context, inst *dmsd.Instance, topics []string) (map[string]map[int32]int64, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	dirs, err := adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("describe log dirs of %s: %w", inst.ID, err)
	}
	out := map[string]map[int32]int64{}
	for _, ds := range dirs {
		ds.EachPartition(func(d kadm.DescribedLogDirPartition) {
			if !slices.Contains(topics, d.Topic) {
				return
			}
			if out[d.Topic] == nil {
				out[d.Topic] = map[int32]int64{}
			}
			out[d.Topic][d.Partition] = max(out[d.Topic][d.Partition], d.Size)
		})
	}
	return out, nil
}

// OngoingReassignments returns how many partitions of the topics Kafka
// reports as being reassigned.
func (e *kadmin) OngoingReassignments(ctx context.Context, inst *dmsd.Instance, topics []string) (int, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return 0, err
	}
	defer done()
	// Listing them all (nil) and picking the topics asks Kafka once.
	resps, err := adm.ListPartitionReassignments(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("list partition reassignments of %s: %w", inst.ID, err)
	}
	n := 0
	for topic, parts := range resps {
		if !slices.Contains(topics, topic) {
			continue
		}
		for _, r := range parts {
			if len(r.AddingReplicas) > 0 || len(r.RemovingReplicas) > 0 {
				n++
			}
		}
	}
	return n, nil
}
