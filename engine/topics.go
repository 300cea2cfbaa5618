package engine

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

var _ dmsd.TopicService = (*Engine)(nil)

// topicInstance returns the instance if it is RUNNING, else EINSTANCESTATUS.
func (e *Engine) topicInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Instance, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if inst.Status != dmsd.InstanceRunning {
		return nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; topics can be managed only while it is RUNNING.", inst.Status)
	}
	return inst, nil
}

// CreateTopic fills in the defaults (3 partitions, 72 hours, as many replicas
// as brokers up to 3), validates t, checks the replication factor against the
// brokers the cluster reports, and creates the topic.
func (e *Engine) CreateTopic(ctx context.Context, actor dmsd.Actor, instanceID string, t *dmsd.Topic) error {
	inst, err := e.topicInstance(ctx, actor, instanceID)
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
	brokers, err := e.clusters.BrokerCount(ctx, inst)
	if err != nil {
		return err
	}
	if t.Replication > brokers {
		return dmsd.Errorf(dmsd.EREPLICATION, "Replication factor larger than available brokers: %d replicas, %d brokers.", t.Replication, brokers)
	}
	if err := answerReplay(ctx, func() error { return e.refuseExistingTopic(ctx, inst, t.Name) }); err != nil {
		return err
	}
	return e.clusters.CreateTopic(ctx, inst, t)
}

// ListTopics returns the topics of a RUNNING instance and the instance.
func (e *Engine) ListTopics(ctx context.Context, actor dmsd.Actor, instanceID string) ([]*dmsd.Topic, *dmsd.Instance, error) {
	inst, err := e.topicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, nil, err
	}
	topics, err := e.clusters.ListTopics(ctx, inst)
	return topics, inst, err
}

// UpdateTopics validates every update before applying any, then applies them
// in order; it stops at the first that fails.
func (e *Engine) UpdateTopics(ctx context.Context, actor dmsd.Actor, instanceID string, updates []*dmsd.TopicUpdate) error {
	inst, err := e.topicInstance(ctx, actor, instanceID)
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
	topics, err := e.clusters.ListTopics(ctx, inst)
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
		if err := e.clusters.UpdateTopic(ctx, inst, u); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTopics deletes topics of a RUNNING instance and reports each one.
func (e *Engine) DeleteTopics(ctx context.Context, actor dmsd.Actor, instanceID string, names []string) ([]dmsd.TopicDeletion, error) {
	inst, err := e.topicInstance(ctx, actor, instanceID)
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
		if exists, err := e.anyTopicExists(ctx, inst, valid); err != nil {
			return nil, err
		} else if exists {
			return nil, dmsd.CheckNotReplayed(ctx)
		}
		valid = nil
	}
	errs := map[string]error{}
	if len(valid) > 0 {
		if errs, err = e.clusters.DeleteTopics(ctx, inst, valid); err != nil {
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
func (e *Engine) ShowConfigs(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.ConfigValue, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	var reported map[string]string
	if inst.Status == dmsd.InstanceRunning {
		if reported, err = e.clusters.DescribeBrokerConfigs(ctx, inst); err != nil {
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

// ModifyConfigs validates the settings and starts kafkaConfigModify on a
// RUNNING instance.
func (e *Engine) ModifyConfigs(ctx context.Context, actor dmsd.Actor, instanceID string, settings []dmsd.ConfigSetting) (*dmsd.Task, int, int, error) {
	dynamic, static, err := dmsd.CheckConfigSettings(settings)
	if err != nil {
		return nil, 0, 0, err
	}
	if static > 0 {
		// A static parameter takes effect at the brokers' next start,
		// which dmsd cannot bring about on an external cluster.
		if err := e.refuseExternal(ctx, actor, instanceID, "changing a static Kafka parameter, which needs a broker restart,"); err != nil {
			return nil, 0, 0, err
		}
	}
	t, err := submit(ctx, e, kafkaConfigModify, actor, instanceID, configModifyParams{KafkaConfigs: settings, DynamicConfig: dynamic, StaticConfig: static})
	if err != nil {
		return nil, 0, 0, err
	}
	return t, dynamic, static, nil
}

// UpdateInstance validates the update as creation would. It refuses it with
// ETASKRUNNING while a task of the instance is unfinished, so that no step
// writes an older copy of the instance over it; then it saves the name,
// description and maintenance window in place and, if the retention policy
// changes, starts changeRetentionPolicy.
func (e *Engine) UpdateInstance(ctx context.Context, actor dmsd.Actor, instanceID string, u *dmsd.InstanceUpdate) (*dmsd.Task, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if u.RetentionPolicy != nil && *u.RetentionPolicy != "time_base" && *u.RetentionPolicy != "produce_reject" {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: retention_policy must be time_base or produce_reject.")
	}
	updated, err := u.Apply(inst)
	if err != nil {
		return nil, err
	}
	if latest, _, err := e.store.ListTasks(ctx, dmsd.TaskFilter{ProjectID: actor.ProjectID, InstanceID: instanceID, Limit: 1}); err != nil {
		return nil, err
	} else if len(latest) > 0 && !latest[0].Status.Finished() {
		return nil, dmsd.Errorf(dmsd.ETASKRUNNING, "A background task of this instance is running.")
	}
	changesPolicy := updated.RetentionPolicy != inst.RetentionPolicy
	if inst.Status != dmsd.InstanceRunning && (changesPolicy || inst.Status != dmsd.InstanceError) {
		return nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; it can be modified only while RUNNING.", inst.Status)
	}
	updated.RetentionPolicy = inst.RetentionPolicy // The task changes it.
	if updated.Name != inst.Name || updated.Description != inst.Description || updated.MaintainBegin != inst.MaintainBegin || updated.MaintainEnd != inst.MaintainEnd {
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return nil, err
		}
		if err := e.store.UpdateInstance(ctx, updated); err != nil {
			return nil, err
		}
	}
	if !changesPolicy {
		return nil, nil
	}
	return submit(ctx, e, changeRetentionPolicy, actor, instanceID, retentionPolicyParams{New: *u.RetentionPolicy, Origin: inst.RetentionPolicy})
}
