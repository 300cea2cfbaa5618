package engine

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

// UpdateTopicPolicies checks that every topic and user exists and every
// policy is pub, sub or all, and starts updateTopicPolicies.
func (e *Engine) UpdateTopicPolicies(ctx context.Context, actor dmsd.Actor, instanceID string, topics []dmsd.TopicPolicies) (*dmsd.Task, error) {
	if len(topics) == 0 {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topics is empty.")
	}
	for _, tp := range topics {
		if tp.Topic == "" {
			return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: each topic needs a name.")
		}
		for _, p := range tp.Policies {
			if p.Policy != dmsd.PolicyPub && p.Policy != dmsd.PolicySub && p.Policy != dmsd.PolicyAll {
				return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: access_policy must be all, pub or sub.")
			}
		}
	}
	inst, c, err := e.admin.RunningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return nil, err
	}
	users, err := c.ListUsers(ctx, inst)
	if err != nil {
		return nil, err
	}
	for _, tp := range topics {
		ok, err := c.TopicExists(ctx, inst, tp.Topic)
		if err != nil {
			return nil, err
		} else if !ok {
			return nil, dmsd.Errorf(dmsd.ENOTOPIC, "The topic %s does not exist.", tp.Topic)
		}
		for _, p := range tp.Policies {
			if !slices.ContainsFunc(users, func(u dmsd.User) bool { return u.Name == p.UserName && !u.Default }) {
				return nil, dmsd.Errorf(dmsd.EUSERNOTFOUND, "The user %s does not exist.", p.UserName)
			}
		}
	}
	return submit(ctx, e, updateTopicPolicies, actor, instanceID, policyParams{Topics: topics})
}

// ResetOffsets checks the reset (a group that exists and has no members, a topic that exists, with
// the partition, if one is named, partition -1 or more, exactly one of message_offset and
// timestamp) and starts kafkaResetConsumerOffset, whose params are r.
func (e *Engine) ResetOffsets(ctx context.Context, actor dmsd.Actor, instanceID string, r dmsd.OffsetReset) (*dmsd.Task, error) {
	switch {
	case r.Partition < -1:
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition must be -1 (all) or a partition number.")
	case (r.MessageOffset == nil) == (r.Timestamp == nil):
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: either message_offset or timestamp must be specified.")
	case r.Partition >= 0 && r.Topic == "":
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: a partition number requires a topic.")
	}
	inst, c, err := e.admin.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	if r.Topic != "" {
		topics, err := c.ListTopics(ctx, inst)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(topics, func(t *dmsd.Topic) bool { return t.Name == r.Topic })
		switch {
		case i < 0:
			return nil, dmsd.Errorf(dmsd.ENOTOPIC, "The topic %s does not exist.", r.Topic)
		case int(r.Partition) >= topics[i].Partitions:
			// Refused here rather than by the task, so that no task starts.
			return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the topic %s has no partition %d.", r.Topic, r.Partition)
		}
	}
	state, err := c.GroupState(ctx, inst, r.Group)
	switch {
	case err != nil:
		return nil, err
	case state == "":
		return nil, dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group %s does not exist.", r.Group)
	case state != "Empty":
		return nil, dmsd.Errorf(dmsd.EGROUPACTIVE, "The consumer group %s is %s: stop its consumers before resetting its offsets.", r.Group, state)
	}
	return submit(ctx, e, kafkaResetConsumerOffset, actor, instanceID, r)
}
