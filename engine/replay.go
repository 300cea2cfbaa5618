package engine

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

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
func (e *Engine) refuseExistingTopic(ctx context.Context, inst *dmsd.Instance, name string) error {
	exists, err := e.clusters.TopicExists(ctx, inst, name)
	switch {
	case err != nil:
		return err
	case exists:
		return dmsd.Errorf(dmsd.ETOPICEXISTS, "The topic %s already exists.", name)
	}
	return nil
}

// anyTopicExists reports whether the cluster has one of the topics.
func (e *Engine) anyTopicExists(ctx context.Context, inst *dmsd.Instance, names []string) (bool, error) {
	topics, err := e.clusters.ListTopics(ctx, inst)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(topics, func(t *dmsd.Topic) bool { return slices.Contains(names, t.Name) }), nil
}

// existingUsers returns the cluster's users, the access user included, whose
// names are among names.
func (e *Engine) existingUsers(ctx context.Context, inst *dmsd.Instance, names ...string) ([]dmsd.User, error) {
	users, err := e.clusters.ListUsers(ctx, inst)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(users, func(u dmsd.User) bool { return !slices.Contains(names, u.Name) }), nil
}
