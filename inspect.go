package dmsd

import (
	"cmp"
	"context"
	"slices"
)

// Inspector reads what Kafka reports about a running cluster: a topic's
// partitions and offsets, the cluster's metadata, group coordinators, log
// directory sizes and producers. Cluster includes it. Every method asks the
// cluster at the time of the call and changes nothing.
type Inspector interface {
	// DescribeTopic returns a topic's partitions with their leaders,
	// replicas, in-sync replicas, offsets, last record times and replica
	// sizes, and the consumer groups that committed offsets on it. Returns
	// ETOPICNOTFOUND if the cluster has no such topic.
	DescribeTopic(ctx context.Context, inst *Instance, topic string) (*TopicDetail, error)
	// DescribeCluster returns the cluster's controller, brokers and counts
	// of topics, partitions, replicas and consumer groups.
	DescribeCluster(ctx context.Context, inst *Instance) (*ClusterInfo, error)
	// GroupCoordinators returns, for every consumer group the cluster
	// lists, the broker Kafka names its coordinator (FindCoordinator), by
	// group id.
	GroupCoordinators(ctx context.Context, inst *Instance) ([]Coordinator, error)
	// DiskUsage returns what every broker reports of its log directories
	// (DescribeLogDirs), by broker id.
	DiskUsage(ctx context.Context, inst *Instance) ([]BrokerDisk, error)
	// TopicProducers returns the producers that the leaders of a topic's
	// partitions report as active (DescribeProducers). Returns
	// ETOPICNOTFOUND if the cluster has no such topic.
	TopicProducers(ctx context.Context, inst *Instance, topic string) ([]Producer, error)
}

// TopicDetail is a topic as Kafka reports it.
type TopicDetail struct {
	Name       string
	Partitions []PartitionDetail
	// Groups are the consumer groups with an offset committed on the
	// topic, sorted.
	Groups []string
}

// PartitionDetail is one partition of a topic as Kafka reports it.
type PartitionDetail struct {
	Partition int32
	// Leader is the leader's broker id, -1 without a leader.
	Leader   int32
	Replicas []int32
	ISR      []int32
	// StartOffset is the log start offset and EndOffset the high
	// watermark (ListOffsets earliest and latest).
	StartOffset, EndOffset int64
	// LastTimestamp is the largest record timestamp (Unix ms), -1 for an
	// empty partition.
	LastTimestamp int64
	// Replica is what each broker's log directories report of its
	// replica, by broker id; a broker that reports none is absent.
	Replica map[int32]ReplicaLog
}

// ReplicaLog is one replica's log as its broker's log directories report it.
type ReplicaLog struct {
	// Size is the size of its log segments in bytes.
	Size int64
	// Lag is how many messages it is behind the high watermark.
	Lag int64
}

// ClusterInfo is the metadata of a running cluster.
type ClusterInfo struct {
	// Controller is the controller's broker id, -1 when unknown.
	Controller int32
	Brokers    []Broker
	// Topics counts every topic the metadata lists, internal ones included.
	Topics int
	// Partitions counts their partitions, OnlinePartitions those with a
	// leader; Replicas and ISRReplicas count replicas and in-sync ones.
	Partitions, OnlinePartitions, Replicas, ISRReplicas int
	// Groups counts the consumer groups ListGroups returns.
	Groups int
}

// Coordinator is the broker that coordinates a consumer group.
type Coordinator struct {
	Group  string
	Broker Broker
}

// BrokerDisk is what one broker reports of its log directories.
type BrokerDisk struct {
	Broker int32
	// Total and Usable are the volume's size and usable bytes summed over
	// its directories, -1 when the broker does not report them.
	Total, Usable int64
	// Partitions are the partitions in its directories, by topic and
	// partition.
	Partitions []PartitionSize
}

// PartitionSize is the size of one partition's log on one broker.
type PartitionSize struct {
	Topic     string
	Partition int32
	Size      int64
}

// Used returns the bytes the broker's partitions take.
func (d BrokerDisk) Used() int64 {
	var n int64
	for _, p := range d.Partitions {
		n += p.Size
	}
	return n
}

// Capacity returns the broker's disk size and what is used of it: the
// volume's size and size less usable bytes when the broker reports a volume
// at least as large as its usable bytes, and otherwise (a broker that does
// not report its volume, or reports in Total only what its logs take, as
// kfake does) the logs' bytes plus the usable ones. It returns 0, used when
// neither is reported.
func (d BrokerDisk) Capacity() (size, used int64) {
	used = d.Used()
	switch {
	case d.Total > 0 && d.Usable >= 0 && d.Total >= d.Usable && d.Total >= used:
		return d.Total, d.Total - d.Usable
	case d.Usable >= 0:
		return used + d.Usable, used
	}
	return 0, used
}

// DiskFilter selects partitions of a disk usage answer. Zero fields select
// everything.
type DiskFilter struct {
	// MinSize keeps partitions of at least this many bytes.
	MinSize int64
	// Top keeps the Top largest partitions of each broker, 0 all.
	Top int
	// Percentage keeps partitions that take at least this percentage of
	// the broker's disk.
	Percentage float64
}

// Select returns the partitions of d that f keeps, largest first (by topic
// and partition among equals).
func (f DiskFilter) Select(d BrokerDisk) []PartitionSize {
	size, _ := d.Capacity()
	out := slices.DeleteFunc(slices.Clone(d.Partitions), func(p PartitionSize) bool {
		return p.Size < f.MinSize || (f.Percentage > 0 && (size == 0 || PercentOf(p.Size, size) < f.Percentage))
	})
	slices.SortFunc(out, func(a, b PartitionSize) int {
		return cmp.Or(cmp.Compare(b.Size, a.Size), cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	if f.Top > 0 && len(out) > f.Top {
		out = out[:f.Top]
	}
	return out
}

// PercentOf returns n as a percentage of total (0 when total is 0).
func PercentOf(n, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return float64(n) * 100 / float64(total)
}

// Producer is a producer that a partition's leader reports as active.
type Producer struct {
	ProducerID int64
	Partition  int32
	// Leader is the broker that reported it, the partition's leader.
	Leader Broker
	// LastTimestamp is when it last produced (Unix ms), as Kafka reports.
	LastTimestamp int64
}

// InspectService answers the API's questions about what lives in an
// instance's cluster, and adds partitions to a topic.
type InspectService interface {
	// TopicDetail returns a topic of a RUNNING instance as Kafka reports
	// it. Returns EINSTANCENOTFOUND, EINSTANCESTATUS, ETOPICNAME and
	// ETOPICNOTFOUND.
	TopicDetail(ctx context.Context, actor Actor, instanceID, topic string) (*TopicDetail, error)
	// TopicProducers returns the active producers of a topic. Returns
	// EINSTANCENOTFOUND, EINSTANCESTATUS, ETOPICNAME and ETOPICNOTFOUND.
	TopicProducers(ctx context.Context, actor Actor, instanceID, topic string) ([]Producer, error)
	// ClusterInfo returns the cluster's metadata. Returns
	// EINSTANCENOTFOUND and EINSTANCESTATUS.
	ClusterInfo(ctx context.Context, actor Actor, instanceID string) (*ClusterInfo, error)
	// Coordinators returns the consumer groups' coordinators. Returns
	// EINSTANCENOTFOUND and EINSTANCESTATUS.
	Coordinators(ctx context.Context, actor Actor, instanceID string) ([]Coordinator, error)
	// DiskUsage returns every broker's log directories. Returns
	// EINSTANCENOTFOUND and EINSTANCESTATUS.
	DiskUsage(ctx context.Context, actor Actor, instanceID string) ([]BrokerDisk, error)
	// CreatePartitions raises a topic's partitions to n, which must be
	// more than it has and at most MaxTopicPartitions. Returns
	// EINSTANCENOTFOUND, EINSTANCESTATUS, ETOPICNAME, ETOPICNOTFOUND,
	// ETOPICPARTITIONS and EREPLAYED.
	CreatePartitions(ctx context.Context, actor Actor, instanceID, topic string, n int) error
}
