package admin

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

// CreateTopic fills in the defaults (3 partitions, 72 hours, as many replicas
// as brokers up to 3), validates t, checks the replication factor against the
// brokers the cluster reports, and creates the topic.
func (s *Service) CreateTopic(ctx context.Context, actor dmsd.Actor, instanceID string, t *dmsd.Topic) error {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return err
	}
	if t.Partitions == 0 {
		t.Partitions = dmsd.DefaultPartitions
	}
	if t.Replication == 0 {
		t.Replication = min(3, inst.BrokerNum)
	}
	if t.RetentionHours == 0 {
		t.RetentionHours = dmsd.DefaultRetentionHours
	}
	if err := t.Validate(); err != nil {
		return err
	}
	brokers, err := c.BrokerCount(ctx, inst)
	if err != nil {
		return err
	}
	if t.Replication > brokers {
		return dmsd.Errorf(dmsd.EREPLICATION, "Replication factor larger than available brokers: %d replicas, %d brokers.", t.Replication, brokers)
	}
	if err := answerReplay(ctx, func() error { return refuseExistingTopic(ctx, c, inst, t.Name) }); err != nil {
		return err
	}
	return c.CreateTopic(ctx, inst, t)
}

// ListTopics returns the topics of a RUNNING instance and the instance.
func (s *Service) ListTopics(ctx context.Context, actor dmsd.Actor, instanceID string) ([]*dmsd.Topic, *dmsd.Instance, error) {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, nil, err
	}
	topics, err := c.ListTopics(ctx, inst)
	return topics, inst, err
}

// UpdateTopics validates every update before applying any, then applies them
// in order; it stops at the first that fails.
func (s *Service) UpdateTopics(ctx context.Context, actor dmsd.Actor, instanceID string, updates []*dmsd.TopicUpdate) error {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return err
	}
	if len(updates) == 0 {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topics is empty.")
	}
	for _, u := range updates {
		if err := u.Validate(); err != nil {
			return err
		}
	}
	// Every topic must exist before any changes, so that a bad name in the
	// batch changes nothing.
	topics, err := c.ListTopics(ctx, inst)
	if err != nil {
		return err
	}
	for _, u := range updates {
		i := slices.IndexFunc(topics, func(t *dmsd.Topic) bool { return t.Name == u.Name })
		if i < 0 {
			return dmsd.Errorf(dmsd.ETOPICNOTFOUND, "Failed to query topics: the topic %s does not exist.", u.Name)
		}
		if u.NewPartitions != nil && *u.NewPartitions < topics[i].Partitions {
			return dmsd.Errorf(dmsd.ETOPICPARTITIONS, "The number of partitions of topic %s can only grow: it has %d.", u.Name, topics[i].Partitions)
		}
		if u.SyncReplication != nil && *u.SyncReplication && topics[i].Replication < 2 {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: sync_replication needs at least 2 replicas.")
		}
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	for _, u := range updates {
		if err := c.UpdateTopic(ctx, inst, u); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTopics deletes topics of a RUNNING instance and reports each one.
func (s *Service) DeleteTopics(ctx context.Context, actor dmsd.Actor, instanceID string, names []string) ([]dmsd.TopicDeletion, error) {
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topics is empty.")
	}
	var valid []string
	for _, n := range names {
		if dmsd.ValidTopicName(n) && !slices.Contains(valid, n) {
			valid = append(valid, n)
		}
	}
	if dmsd.Replayed(ctx) && len(valid) > 0 {
		// A replay that finds none of the topics is answered as any
		// request is, each one not deleted; one that would delete a topic
		// is refused.
		if exists, err := anyTopicExists(ctx, c, inst, valid); err != nil {
			return nil, err
		} else if exists {
			return nil, dmsd.CheckNotReplayed(ctx)
		}
		valid = nil
	}
	errs := map[string]error{}
	if len(valid) > 0 {
		if errs, err = c.DeleteTopics(ctx, inst, valid); err != nil {
			return nil, err
		}
	}
	out := make([]dmsd.TopicDeletion, 0, len(names))
	for _, n := range names {
		err, ok := errs[n]
		out = append(out, dmsd.TopicDeletion{Name: n, Success: ok && err == nil})
	}
	return out, nil
}

// ShowConfigs returns every configurable parameter with its current value:
// what Kafka reports for it when the running brokers know the name (the value
// in effect, so a static one set through the API shows its new value after
// the next start); otherwise the value set through the API, else the
// reference's default.
func (s *Service) ShowConfigs(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.ConfigValue, error) {
	inst, err := s.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	var reported map[string]string
	if inst.Status == dmsd.InstanceRunning {
		c, err := s.clusters.For(inst)
		if err != nil {
			return nil, err
		}
		if reported, err = c.DescribeBrokerConfigs(ctx, inst); err != nil {
			return nil, err
		}
	}
	out := make([]dmsd.ConfigValue, 0, len(dmsd.BrokerParams))
	for _, p := range dmsd.BrokerParams {
		v := p.Default
		if s, ok := inst.BrokerConfigs[p.Name]; ok {
			v = s
		}
		if r, ok := reported[p.Name]; ok {
			v = r
		}
		out = append(out, dmsd.ConfigValue{ConfigParam: p, Value: v})
	}
	return out, nil
}
