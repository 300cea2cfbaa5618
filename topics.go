package dmsd

import (
	"context"
	"regexp"
	"slices"
)

// TopicAdmin changes what lives inside a running cluster: topics and Kafka
// parameters. Admin includes it. Every method acts on the running
// cluster of inst through a Kafka admin client and is idempotent where its
// doc says so, so that a task step may call it again after a crash.
type TopicAdmin interface {
	// BrokerCount returns the number of brokers the cluster's metadata lists.
	BrokerCount(ctx context.Context, inst *Instance) (int, error)
	// CreateTopic creates a topic with its partitions, replication factor and
	// topic configs. Returns ETOPICEXISTS if it exists and EREPLICATION if
	// Kafka refuses the replication factor.
	CreateTopic(ctx context.Context, inst *Instance, t *Topic) error
	// ListTopics returns the cluster's topics, internal ones excluded, sorted
	// by name, each with its partitions, replication factor and the topic
	// configs set on it.
	ListTopics(ctx context.Context, inst *Instance) ([]*Topic, error)
	// UpdateTopic sets and deletes topic configs and raises the number of
	// partitions. Returns ETOPICNOTFOUND if the topic does not exist.
	UpdateTopic(ctx context.Context, inst *Instance, u *TopicUpdate) error
	// DeleteTopics deletes topics and returns, per name, nil or why it could
	// not be deleted (a topic that does not exist is an error).
	DeleteTopics(ctx context.Context, inst *Instance, names []string) (map[string]error, error)
	// AlterBrokerConfigs sets cluster-wide broker configs live (Kafka's
	// IncrementalAlterConfigs on the cluster-wide default resource) and
	// returns the values Kafka then reports for them. Idempotent.
	AlterBrokerConfigs(ctx context.Context, inst *Instance, configs map[string]string) (map[string]string, error)
	// DescribeBrokerConfigs returns the cluster-wide broker configs Kafka
	// reports, whatever their source (default, static, dynamic): the values
	// in effect.
	DescribeBrokerConfigs(ctx context.Context, inst *Instance) (map[string]string, error)
}

// TopicService runs the synchronous topic and Kafka parameter operations of
// the API (parameter changes start tasks: InstanceService).
type TopicService interface {
	// CreateTopic validates t against the reference's limits and the
	// instance's brokers, and creates it on a RUNNING instance.
	CreateTopic(ctx context.Context, actor Actor, instanceID string, t *Topic) error
	// ListTopics returns the instance's topics and the instance.
	ListTopics(ctx context.Context, actor Actor, instanceID string) ([]*Topic, *Instance, error)
	// UpdateTopics validates every update, then applies them in order.
	UpdateTopics(ctx context.Context, actor Actor, instanceID string, updates []*TopicUpdate) error
	// DeleteTopics deletes topics and reports, per name, whether it was
	// deleted.
	DeleteTopics(ctx context.Context, actor Actor, instanceID string, names []string) ([]TopicDeletion, error)

	// ShowConfigs returns every configurable broker parameter with its
	// current value.
	ShowConfigs(ctx context.Context, actor Actor, instanceID string) ([]ConfigValue, error)
}

// Topic is a Kafka topic as the API shows it.
type Topic struct {
	Name        string
	Partitions  int
	Replication int
	// RetentionHours is retention.ms in whole hours (rounded down); 0 when
	// the topic inherits the broker's retention.
	RetentionHours int
	// SyncReplication is min.insync.replicas > 1.
	SyncReplication bool
	// SyncMessageFlush is flush.messages = 1.
	SyncMessageFlush bool
	// Configs are the topic configs set on the topic, by name.
	Configs map[string]string
}

// TopicUpdate is a change to one topic; nil fields stay as they are.
type TopicUpdate struct {
	Name             string
	RetentionHours   *int
	SyncReplication  *bool
	SyncMessageFlush *bool
	NewPartitions    *int
	// Configs are topic configs to set.
	Configs map[string]string
	// Delete names topic configs to remove (so that they inherit again).
	Delete []string
}

// TopicDeletion is the result of deleting one topic.
type TopicDeletion struct {
	Name    string
	Success bool
}

// Topic limits of the reference.
const (
	MaxTopicPartitions  = 200
	MaxTopicReplication = 20
	MaxRetentionHours   = 168
	// DefaultPartitions and DefaultRetentionHours apply when a create
	// request leaves them out.
	DefaultPartitions     = 3
	DefaultRetentionHours = 72
)

var topicNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)

// ValidTopicName reports whether s is a topic name the API accepts: 4 to 64
// letters, digits, underscores and hyphens, starting with a letter.
func ValidTopicName(s string) bool { return topicNamePattern.MatchString(s) }

// TopicParams are the topic configs that topic_other_configs may set, with
// their checks. The fields retention_time, sync_replication and
// sync_message_flush set retention.ms, min.insync.replicas and
// flush.messages.
var TopicParams = []ConfigParam{
	{Name: "max.message.bytes", Default: "10485760", ValidValues: "0~10485760", ValueType: "integer", Dynamic: true, Min: 0, Max: 10485760},
	{Name: "message.timestamp.type", Default: "LogAppendTime", ValidValues: "CreateTime,LogAppendTime", ValueType: "enum", Dynamic: true, Enum: []string{"CreateTime", "LogAppendTime"}},
	{Name: "retention.bytes", Default: "-1", ValidValues: "-1~9223372036854775807", ValueType: "long", Dynamic: true, Min: -1, Max: 1<<63 - 1},
	{Name: "cleanup.policy", Default: "delete", ValidValues: "delete,compact", ValueType: "enum", Dynamic: true, Enum: []string{"delete", "compact"}},
	{Name: "segment.bytes", Default: "536870912", ValidValues: "14~1073741824", ValueType: "integer", Dynamic: true, Min: 14, Max: 1073741824},
}

// CheckTopicConfig returns EINVALIDCONFIG unless name is a topic config that
// topic_other_configs may set and value is valid for it.
func CheckTopicConfig(name, value string) error {
	i := slices.IndexFunc(TopicParams, func(p ConfigParam) bool { return p.Name == name })
	if i < 0 {
		return Errorf(EINVALIDCONFIG, "Invalid configuration parameter %s.", name)
	}
	return TopicParams[i].Check(value)
}

// Validate checks a topic to create against the reference's limits: name,
// partitions 1..200, replication 1..20, retention 1..168 hours, and its
// other configs. It does not know the number of brokers.
func (t *Topic) Validate() error {
	switch {
	case !ValidTopicName(t.Name):
		return Errorf(ETOPICNAME, "The name of a Kafka topic must be 4 to 64 characters long and start with a letter. Only letters, digits, underscores (_), and hyphens (-) are allowed.")
	case t.Partitions < 1 || t.Partitions > MaxTopicPartitions:
		return Errorf(ETOPICPARTITIONS, "The number of partitions created for a Kafka topic must be within the range of 1-200.")
	case t.Replication < 1 || t.Replication > MaxTopicReplication:
		return Errorf(ETOPICREPLICAS, "The number of replicas created for a Kafka topic must be within the range of 1-20.")
	case t.RetentionHours < 1 || t.RetentionHours > MaxRetentionHours:
		return Errorf(ETOPICRETENTION, "The message retention period of a Kafka topic must be within the range of 1-168.")
	case t.SyncReplication && t.Replication < 2:
		return Errorf(EINVALID, "Invalid request parameter: sync_replication needs at least 2 replicas.")
	}
	for k, v := range t.Configs {
		if err := CheckTopicConfig(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a topic update against the reference's limits.
func (u *TopicUpdate) Validate() error {
	switch {
	case !ValidTopicName(u.Name):
		return Errorf(ETOPICNAME, "The name of a Kafka topic must be 4 to 64 characters long and start with a letter. Only letters, digits, underscores (_), and hyphens (-) are allowed.")
	case u.NewPartitions != nil && (*u.NewPartitions < 1 || *u.NewPartitions > MaxTopicPartitions):
		return Errorf(ETOPICPARTITIONS, "The number of partitions created for a Kafka topic must be within the range of 1-200.")
	case u.RetentionHours != nil && (*u.RetentionHours < 1 || *u.RetentionHours > MaxRetentionHours):
		return Errorf(ETOPICRETENTION, "The message retention period of a Kafka topic must be within the range of 1-168.")
	}
	for k, v := range u.Configs {
		if err := CheckTopicConfig(k, v); err != nil {
			return err
		}
	}
	return nil
}
