package admin

import (
	"context"

	"github.com/dmsd/dmsd"
)

// Ensure Service implements dmsd.InspectService.
var _ dmsd.InspectService = (*Service)(nil)

// checkTopicName returns ETOPICNAME unless name is one the API accepts, so
// that a name Kafka could not have is refused before the cluster is asked.
func checkTopicName(name string) error {
	if !dmsd.ValidTopicName(name) {
		return dmsd.Errorf(dmsd.ETOPICNAME, "The name of a Kafka topic must be 4 to 64 characters long and start with a letter. Only letters, digits, underscores (_), and hyphens (-) are allowed.")
	}
	return nil
}

// TopicDetail returns a topic of a RUNNING instance as its cluster reports
// it. It returns ETOPICNAME, EINSTANCENOTFOUND, EINSTANCESTATUS,
// ETOPICNOTFOUND and the cluster's errors.
func (s *Service) TopicDetail(ctx context.Context, actor dmsd.Actor, instanceID, topic string) (*dmsd.TopicDetail, error) {
	if err := checkTopicName(topic); err != nil {
		return nil, err
	}
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	return c.DescribeTopic(ctx, inst, topic)
}

// TopicProducers returns the producers that a topic's partition leaders
// report as active. It returns ETOPICNAME, EINSTANCENOTFOUND,
// EINSTANCESTATUS, ETOPICNOTFOUND and the cluster's errors.
func (s *Service) TopicProducers(ctx context.Context, actor dmsd.Actor, instanceID, topic string) ([]dmsd.Producer, error) {
	if err := checkTopicName(topic); err != nil {
		return nil, err
	}
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	return c.TopicProducers(ctx, inst, topic)
}

// ClusterInfo returns the metadata of a RUNNING instance's cluster. It
// returns EINSTANCENOTFOUND, EINSTANCESTATUS and the cluster's errors.
func (s *Service) ClusterInfo(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.ClusterInfo, error) {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	return c.DescribeCluster(ctx, inst)
}

// Coordinators returns the coordinators of a RUNNING instance's consumer
// groups. It returns EINSTANCENOTFOUND, EINSTANCESTATUS and the cluster's
// errors.
func (s *Service) Coordinators(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.Coordinator, error) {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	return c.GroupCoordinators(ctx, inst)
}

// DiskUsage returns the log directories of a RUNNING instance's brokers. It
// returns EINSTANCENOTFOUND, EINSTANCESTATUS and the cluster's errors.
func (s *Service) DiskUsage(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.BrokerDisk, error) {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	return c.DiskUsage(ctx, inst)
}

// CreatePartitions raises a topic's partitions to n at once (the service
// answers this call when the partitions exist, starting no task). n must be
// more than the topic has and at most dmsd.MaxTopicPartitions. It returns
// ETOPICNAME, ETOPICPARTITIONS, EINSTANCENOTFOUND, EINSTANCESTATUS,
// ETOPICNOTFOUND, EREPLAYED and the cluster's errors.
func (s *Service) CreatePartitions(ctx context.Context, actor dmsd.Actor, instanceID, topic string, n int) error {
	if err := checkTopicName(topic); err != nil {
		return err
	}
	if n < 1 || n > dmsd.MaxTopicPartitions {
		return dmsd.Errorf(dmsd.ETOPICPARTITIONS, "The number of partitions created for a Kafka topic must be within the range of 1-200.")
	}
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return err
	}
	d, err := c.DescribeTopic(ctx, inst, topic)
	if err != nil {
		return err
	}
	if n <= len(d.Partitions) {
		return dmsd.Errorf(dmsd.ETOPICPARTITIONS, "The number of partitions of topic %s must grow: it has %d, %d asked.", topic, len(d.Partitions), n)
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	return c.UpdateTopic(ctx, inst, &dmsd.TopicUpdate{Name: topic, NewPartitions: &n})
}
