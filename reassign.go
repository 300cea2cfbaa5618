package dmsd

import (
	"context"
	"time"
)

// Reassignment moves the replicas of one topic's partitions: either
// automatically over Brokers (with ReplicationFactor replicas, by default the
// topic's current one), or as Assignment lists for chosen partitions.
type Reassignment struct {
	Topic             string                `json:"topic"`
	Brokers           []int32               `json:"brokers,omitempty"`
	ReplicationFactor int                   `json:"replication_factor,omitempty"`
	Assignment        []PartitionAssignment `json:"assignment,omitempty"`
}

// PartitionAssignment is the wanted replica list of one partition.
type PartitionAssignment struct {
	Partition int32   `json:"partition"`
	Brokers   []int32 `json:"partition_brokers"`
}

// ReassignRequest is a partition reassignment as the API takes it.
type ReassignRequest struct {
	Reassignments []Reassignment `json:"reassignments"`
	// Throttle, when positive, is the replication throttle in bytes per
	// second, set while the reassignment runs and removed after.
	Throttle int64 `json:"throttle,omitempty"`
	// ExecuteAt, when set, schedules the reassignment.
	ExecuteAt time.Time `json:"-"`
}

// PartitionPlan is the replica list wanted for each partition, by topic and
// partition.
type PartitionPlan map[string]map[int32][]int32

// ClusterMetadata is what a cluster's metadata says about its brokers and
// the replicas of its topics' partitions.
type ClusterMetadata struct {
	Brokers []int32
	// Topics holds, by topic and partition, the current replica list.
	Topics map[string]map[int32][]int32
}

// PartitionAdmin moves partition replicas, for kafkaReassignment. Cluster
// includes it.
type PartitionAdmin interface {
	// ClusterMetadata returns the brokers and the replicas of every
	// partition that the cluster's metadata reports.
	ClusterMetadata(ctx context.Context, inst *Instance) (*ClusterMetadata, error)
	// SetReplicationThrottle sets (bytesPerSecond > 0) or removes (0) the
	// leader and follower replication throttle on every broker, and marks
	// (or unmarks) all replicas of the given topics as throttled.
	// Idempotent.
	SetReplicationThrottle(ctx context.Context, inst *Instance, topics []string, bytesPerSecond int64) error
	// AlterPartitionAssignments asks Kafka to move the replicas as planned
	// and returns Kafka's refusal of any partition. Idempotent: asking for
	// the current assignment again changes nothing.
	AlterPartitionAssignments(ctx context.Context, inst *Instance, plan PartitionPlan) error
	// OngoingReassignments returns the number of partitions of the given
	// topics whose reassignment Kafka reports as still in progress.
	OngoingReassignments(ctx context.Context, inst *Instance, topics []string) (int, error)
	// PartitionSizes returns the size in bytes of every partition of the
	// given topics (its largest replica's log), by topic and partition.
	PartitionSizes(ctx context.Context, inst *Instance, topics []string) (map[string]map[int32]int64, error)
}

// ReassignService estimates partition reassignments (InstanceService.Reassign
// starts them).
type ReassignService interface {
	// EstimateReassignment checks the plan as Reassign does and returns
	// the seconds it is expected to take (ClusterMetadata.EstimateSeconds),
	// starting nothing.
	EstimateReassignment(ctx context.Context, actor Actor, instanceID string, req *ReassignRequest) (int, error)
}

// Plan checks reassignments against the metadata and returns the replica
// list wanted for each partition they move. Errors: EINVALID for a malformed
// plan, ENOTOPIC for a topic that does not exist, EPARTITIONNOTFOUND for a
// partition that does not, EBROKERNOTFOUND for a broker id the cluster does
// not list, EREPLICATION for more replicas than brokers given.
func (md *ClusterMetadata) Plan(reassignments []Reassignment) (PartitionPlan, error) {
	if len(reassignments) == 0 {
		return nil, Errorf(EINVALID, "Invalid request parameter: reassignments is empty.")
	}
	known := map[int32]bool{}
	for _, b := range md.Brokers {
		known[b] = true
	}
	checkBrokers := func(topic string, ids []int32) error {
		seen := map[int32]bool{}
		for _, id := range ids {
			if !known[id] {
				return Errorf(EBROKERNOTFOUND, "Broker %d does not exist (topic %s); the instance's brokers are %v.", id, topic, md.Brokers)
			}
			if seen[id] {
				return Errorf(EINVALID, "Invalid request parameter: broker %d is given twice for topic %s.", id, topic)
			}
			seen[id] = true
		}
		return nil
	}
	plan := PartitionPlan{}
	for _, r := range reassignments {
		if r.Topic == "" {
			return nil, Errorf(EINVALID, "Invalid request parameter: every reassignment needs a topic.")
		}
		if _, dup := plan[r.Topic]; dup {
			return nil, Errorf(EINVALID, "Invalid request parameter: topic %s is given twice.", r.Topic)
		}
		current, ok := md.Topics[r.Topic]
		if !ok {
			return nil, Errorf(ENOTOPIC, "The topic %s does not exist.", r.Topic)
		}
		if err := checkBrokers(r.Topic, r.Brokers); err != nil {
			return nil, err
		}
		moves := map[int32][]int32{}
		switch {
		case len(r.Assignment) > 0:
			for _, a := range r.Assignment {
				if _, ok := current[a.Partition]; !ok {
					return nil, Errorf(EPARTITIONNOTFOUND, "Partition %d of topic %s does not exist.", a.Partition, r.Topic)
				}
				if _, dup := moves[a.Partition]; dup {
					return nil, Errorf(EINVALID, "Invalid request parameter: partition %d of topic %s is given twice.", a.Partition, r.Topic)
				}
				if len(a.Brokers) == 0 {
					return nil, Errorf(EINVALID, "Invalid request parameter: partition %d of topic %s needs partition_brokers.", a.Partition, r.Topic)
				}
				if err := checkBrokers(r.Topic, a.Brokers); err != nil {
					return nil, err
				}
				moves[a.Partition] = append([]int32(nil), a.Brokers...)
			}
		case len(r.Brokers) > 0:
			rf := r.ReplicationFactor
			if rf == 0 {
				rf = len(current[0])
			}
			if rf < 1 || rf > len(r.Brokers) {
				return nil, Errorf(EREPLICATION, "Replication factor larger than available brokers: %d replicas over %d brokers for topic %s.", rf, len(r.Brokers), r.Topic)
			}
			for p := range current {
				replicas := make([]int32, rf)
				for i := range replicas {
					replicas[i] = r.Brokers[(int(p)+i)%len(r.Brokers)]
				}
				moves[p] = replicas
			}
		default:
			return nil, Errorf(EINVALID, "Invalid request parameter: topic %s needs brokers or assignment.", r.Topic)
		}
		plan[r.Topic] = moves
	}
	return plan, nil
}
