package dmsd

import "slices"

// ConnectTaskChange is what ModifyConnectorTask changes in a replication
// task: each field that is set (not nil) replaces the task's, the others
// stay as they are.
type ConnectTaskChange struct {
	Name *string
	// Topics and TopicsRegex, when either is set, replace both: a task
	// copies either a list of topics or the topics a pattern matches.
	Topics      *[]string
	TopicsRegex *string
	Peer        ConnectPeerChange
	// Status may only repeat whether the task runs (RUNNING, ERROR) or not
	// (PAUSED, WAITING): pausing and resuming have calls of their own.
	Status *string
}

// ConnectPeerChange is the part of a ConnectTaskChange that changes the
// task's source_task; see ConnectPeer for each field.
type ConnectPeerChange struct {
	CurrentClusterName, ClusterName   *string
	InstanceID                        *string
	BootstrapServers                  *[]string
	SecurityProtocol, Direction       *string
	SyncConsumerOffsets               *bool
	ReplicationFactor, TaskNum        *int
	RenameTopic, ProvenanceHeader     *bool
	ConsumerStrategy, CompressionType *string
	TopicsMapping                     *string
	// UserName, Password and SASLMechanism are the SASL login as the body
	// gives it: a task keeps the login it was created with, so one given
	// must be the task's own (a task's answer sent back as a change).
	UserName, Password, SASLMechanism *string
}

// Apply returns a copy of t with the change made, validated and completed
// with defaults as a new task is (Validate). It returns EINVALID naming the
// first wrong field, EINVALID for a status that would pause or resume the task, and
// EINVALID for a change of the peer (instance_id or
// bootstrap_servers): the task's saved offsets are positions in the old
// peer's partitions, so copying from another cluster takes a new task; and
// EINVALID for a change of the SASL login, which the task keeps.
func (c *ConnectTaskChange) Apply(t *ConnectTask) (*ConnectTask, error) {
	n := *t
	n.Topics = slices.Clone(t.Topics)
	n.Lag = nil
	if c.Status != nil && *c.Status != "" && connectStatusRuns(*c.Status) != t.Runs() {
		return nil, Errorf(EINVALID, "Invalid request parameter: status cannot be modified; pause, resume or restart the task instead.")
	}
	if c.Name != nil {
		n.Name = *c.Name
	}
	if c.Topics != nil || c.TopicsRegex != nil {
		n.Topics, n.TopicsRegex = nil, ""
		if c.Topics != nil {
			n.Topics = slices.Clone(*c.Topics)
		}
		if c.TopicsRegex != nil {
			n.TopicsRegex = *c.TopicsRegex
		}
	}
	p, q := &n.Peer, c.Peer
	if q.InstanceID != nil && *q.InstanceID != p.InstanceID ||
		q.BootstrapServers != nil && !slices.Equal(*q.BootstrapServers, p.BootstrapServers) {
		return nil, Errorf(EINVALID, "Invalid request parameter: the peer of a task (instance_id, bootstrap_servers) cannot change, as its saved offsets are the old peer's; create another task.")
	}
	if changes(q.UserName, p.UserName) || changes(q.Password, p.Password) || changes(q.SASLMechanism, p.SASLMechanism) {
		return nil, Errorf(EINVALID, "Invalid request parameter: the SASL login of a task (user_name, password, sasl_mechanism) cannot be modified; create another task.")
	}
	p.BootstrapServers = slices.Clone(p.BootstrapServers)
	setIfGiven(&p.CurrentClusterName, q.CurrentClusterName)
	setIfGiven(&p.ClusterName, q.ClusterName)
	setIfGiven(&p.SecurityProtocol, q.SecurityProtocol)
	setIfGiven(&p.Direction, q.Direction)
	setIfGiven(&p.SyncConsumerOffsets, q.SyncConsumerOffsets)
	setIfGiven(&p.ReplicationFactor, q.ReplicationFactor)
	setIfGiven(&p.TaskNum, q.TaskNum)
	setIfGiven(&p.RenameTopic, q.RenameTopic)
	setIfGiven(&p.ProvenanceHeader, q.ProvenanceHeader)
	setIfGiven(&p.ConsumerStrategy, q.ConsumerStrategy)
	setIfGiven(&p.CompressionType, q.CompressionType)
	setIfGiven(&p.TopicsMapping, q.TopicsMapping)
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return &n, nil
}

// changes reports whether v is given, not empty, and other than current.
func changes(v *string, current string) bool { return v != nil && *v != "" && *v != current }

// setIfGiven stores *v in *dst if v is set.
func setIfGiven[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
