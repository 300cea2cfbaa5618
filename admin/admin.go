// Package admin runs the synchronous operations of the API: topics, Kafka
// parameters shown, SASL users, permissions read, brokers listed and
// reassignments estimated. Each acts on an instance's cluster at once and
// answers; none starts a task (the engine does that). It depends only on the
// instance records and the clusters.
package admin

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

// Ensure Service implements the synchronous services.
var (
	_ dmsd.TopicService    = (*Service)(nil)
	_ dmsd.UserService     = (*Service)(nil)
	_ dmsd.BrokerService   = (*Service)(nil)
	_ dmsd.ReassignService = (*Service)(nil)
)

// Service runs the synchronous operations against the instance records and
// the clusters.
type Service struct {
	store    dmsd.InstanceStore
	clusters dmsd.Clusters
}

// New returns a Service.
func New(store dmsd.InstanceStore, clusters dmsd.Clusters) *Service {
	return &Service{store: store, clusters: clusters}
}

// TopicInstance returns the instance and its cluster if it is RUNNING,
// EINSTANCESTATUS if it is not, and the store's EINSTANCENOTFOUND.
func (s *Service) TopicInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Instance, dmsd.Cluster, error) {
	inst, err := s.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, nil, err
	}
	if inst.Status != dmsd.InstanceRunning {
		return nil, nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; topics can be managed only while it is RUNNING.", inst.Status)
	}
	c, err := s.clusters.For(inst)
	if err != nil {
		return nil, nil, err
	}
	return inst, c, nil
}

// RunningInstance returns the instance and its cluster if it is RUNNING,
// EINSTANCESTATUS if it is not, ESASLDISABLED if sasl is set and its cluster
// has no SASL users (checked first), and the store's EINSTANCENOTFOUND.
func (s *Service) RunningInstance(ctx context.Context, actor dmsd.Actor, instanceID string, sasl bool) (*dmsd.Instance, dmsd.Cluster, error) {
	inst, err := s.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.clusters.For(inst)
	if err != nil {
		return nil, nil, err
	}
	if sasl {
		if err := c.SASLUsers(inst); err != nil {
			return nil, nil, err
		}
	}
	if inst.Status != dmsd.InstanceRunning {
		return nil, nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; this operation requires it RUNNING.", inst.Status)
	}
	return inst, c, nil
}

// answerReplay returns nil if ctx serves a request whose signature is fresh.
// For a replayed one (dmsd.WithReplay) it returns the service's own answer
// when that answer changes nothing: the error refusal returns, computed from
// the cluster as it is now without changing it; when refusal returns nil
// the operation would change something, and answerReplay returns EREPLAYED.
// Callers apply their effect only when it returns nil.
func answerReplay(ctx context.Context, refusal func() error) error {
	if !dmsd.Replayed(ctx) {
		return nil
	}
	if err := refusal(); err != nil {
		return err
	}
	return dmsd.CheckNotReplayed(ctx)
}

// refuseExistingTopic returns ETOPICEXISTS, as the cluster would answer a
// create, if the cluster has the topic, and nil otherwise.
func refuseExistingTopic(ctx context.Context, c dmsd.Cluster, inst *dmsd.Instance, name string) error {
	exists, err := c.TopicExists(ctx, inst, name)
	switch {
	case err != nil:
		return err
	case exists:
		return dmsd.Errorf(dmsd.ETOPICEXISTS, "The topic %s already exists.", name)
	}
	return nil
}

// anyTopicExists reports whether the cluster has one of the topics.
func anyTopicExists(ctx context.Context, c dmsd.Cluster, inst *dmsd.Instance, names []string) (bool, error) {
	topics, err := c.ListTopics(ctx, inst)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(topics, func(t *dmsd.Topic) bool { return slices.Contains(names, t.Name) }), nil
}

// existingUsers returns the cluster's users, the access user included, whose
// names are among names.
func existingUsers(ctx context.Context, c dmsd.Cluster, inst *dmsd.Instance, names ...string) ([]dmsd.User, error) {
	users, err := c.ListUsers(ctx, inst)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(users, func(u dmsd.User) bool { return !slices.Contains(names, u.Name) }), nil
}
