package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/dmsd/dmsd"
)

var _ dmsd.PartitionAdmin = (*Embedded)(nil)

// ClusterMetadata returns the broker ids and the replicas of every partition
// of the non-internal topics, as the cluster's metadata reports them.
func (e *Embedded) ClusterMetadata(ctx context.Context, inst *dmsd.Instance) (*dmsd.ClusterMetadata, error) {
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
func (e *Embedded) SetReplicationThrottle(ctx context.Context, inst *dmsd.Instance, topics []string, bytesPerSecond int64) error {
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
// reports for any partition.
func (e *Embedded) AlterPartitionAssignments(ctx context.Context, inst *dmsd.Instance, plan dmsd.PartitionPlan) error {
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
	return errors.Join(errs...)
}

// OngoingReassignments returns how many partitions of the topics Kafka
// reports as being reassigned.
func (e *Embedded) OngoingReassignments(ctx context.Context, inst *dmsd.Instance, topics []string) (int, error) {
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

var _ dmsd.PartitionAdmin = (*Router)(nil)

// partitions returns the PartitionAdmin of the instance's clusters, or an
// error if those cannot move partitions.
func (r *Router) partitions(inst *dmsd.Instance) (dmsd.PartitionAdmin, error) {
	pa, ok := r.pick(inst).(dmsd.PartitionAdmin)
	if !ok {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition reassignment is not supported on this instance's cluster.")
	}
	return pa, nil
}

func (r *Router) ClusterMetadata(ctx context.Context, inst *dmsd.Instance) (*dmsd.ClusterMetadata, error) {
	pa, err := r.partitions(inst)
	if err != nil {
		return nil, err
	}
	return pa.ClusterMetadata(ctx, inst)
}

func (r *Router) SetReplicationThrottle(ctx context.Context, inst *dmsd.Instance, topics []string, bytesPerSecond int64) error {
	pa, err := r.partitions(inst)
	if err != nil {
		return err
	}
	return pa.SetReplicationThrottle(ctx, inst, topics, bytesPerSecond)
}

func (r *Router) AlterPartitionAssignments(ctx context.Context, inst *dmsd.Instance, plan dmsd.PartitionPlan) error {
	pa, err := r.partitions(inst)
	if err != nil {
		return err
	}
	return pa.AlterPartitionAssignments(ctx, inst, plan)
}

func (r *Router) OngoingReassignments(ctx context.Context, inst *dmsd.Instance, topics []string) (int, error) {
	pa, err := r.partitions(inst)
	if err != nil {
		return 0, err
	}
	return pa.OngoingReassignments(ctx, inst, topics)
}
