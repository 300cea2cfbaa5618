package engine

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

var _ dmsd.UserService = (*Engine)(nil)

// runningInstance returns the instance if it is RUNNING, EINSTANCESTATUS if
// it is not, and ESASLDISABLED if sasl is set and the instance has no SASL.
func (e *Engine) runningInstance(ctx context.Context, actor dmsd.Actor, instanceID string, sasl bool) (*dmsd.Instance, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	// An external cluster reached with SASL has users of its own.
	externalSASL := inst.External != nil && inst.External.SASLMechanism != ""
	if sasl && !inst.SASLEnabled() && !externalSASL {
		return nil, dmsd.Errorf(dmsd.ESASLDISABLED, "SASL is not enabled for this instance: users and topic permissions require an instance created with access_user.")
	}
	if inst.Status != dmsd.InstanceRunning {
		return nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; this operation requires it RUNNING.", inst.Status)
	}
	return inst, nil
}

// ListUsers returns the SASL users of a RUNNING SASL instance.
func (e *Engine) ListUsers(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.User, error) {
	inst, err := e.runningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return nil, err
	}
	return e.clusters.ListUsers(ctx, inst)
}

// CreateUser validates the user's name and password and adds it as a
// SCRAM-SHA-512 user of the cluster, at once: the reference answers it with
// 204 and no task.
func (e *Engine) CreateUser(ctx context.Context, actor dmsd.Actor, instanceID string, user dmsd.User, password string) error {
	if err := dmsd.ValidateUserName(user.Name); err != nil {
		return err
	}
	if err := dmsd.ValidatePassword(user.Name, password); err != nil {
		return err
	}
	inst, err := e.runningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return err
	}
	// An external cluster's mechanisms are its own: the SCRAM-SHA-512
	// credential is created there for whoever logs in with it.
	if inst.External == nil && !slices.Contains(inst.SASLMechanisms, dmsd.MechanismScramSHA512) {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: users log in with SCRAM-SHA-512, which this instance's sasl_enabled_mechanisms do not include.")
	}
	err = answerReplay(ctx, func() error {
		if existing, err := e.existingUsers(ctx, inst, user.Name); err != nil {
			return err
		} else if len(existing) > 0 {
			return dmsd.Errorf(dmsd.EUSEREXISTS, "The user %s already exists.", user.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	user.CreatedAt = dmsd.Now()
	return e.clusters.CreateUser(ctx, inst, user, password)
}

// ResetUserPassword validates the password and replaces the user's SCRAM
// credential at once.
func (e *Engine) ResetUserPassword(ctx context.Context, actor dmsd.Actor, instanceID, name, password string) error {
	if err := dmsd.ValidatePassword(name, password); err != nil {
		return err
	}
	inst, err := e.runningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return err
	}
	if name == inst.AccessUser {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the access user's password cannot be reset here.")
	}
	err = answerReplay(ctx, func() error {
		if existing, err := e.existingUsers(ctx, inst, name); err != nil {
			return err
		} else if len(existing) == 0 || existing[0].Default {
			return dmsd.Errorf(dmsd.EUSERNOTFOUND, "The user %s does not exist.", name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.clusters.ResetUserPassword(ctx, inst, name, password)
}

// DeleteUsers deletes users and their ACLs at once. The access user cannot
// be deleted.
func (e *Engine) DeleteUsers(ctx context.Context, actor dmsd.Actor, instanceID string, names []string) error {
	inst, err := e.runningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return err
	}
	if slices.Contains(names, inst.AccessUser) {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the access user %s cannot be deleted.", inst.AccessUser)
	}
	if dmsd.Replayed(ctx) {
		// Users that do not exist are skipped: a replay that finds none of
		// them is answered as any request is and changes nothing; one that
		// would delete a user is refused.
		if existing, err := e.existingUsers(ctx, inst, names...); err != nil {
			return err
		} else if len(existing) > 0 {
			return dmsd.CheckNotReplayed(ctx)
		}
		return nil
	}
	return e.clusters.DeleteUsers(ctx, inst, names)
}

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
	inst, err := e.runningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return nil, err
	}
	users, err := e.clusters.ListUsers(ctx, inst)
	if err != nil {
		return nil, err
	}
	for _, tp := range topics {
		ok, err := e.clusters.TopicExists(ctx, inst, tp.Topic)
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

// TopicPolicies returns every user's policy on a topic of a RUNNING SASL
// instance.
func (e *Engine) TopicPolicies(ctx context.Context, actor dmsd.Actor, instanceID, topic string) ([]dmsd.UserPolicy, error) {
	inst, err := e.runningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return nil, err
	}
	ok, err := e.clusters.TopicExists(ctx, inst, topic)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, dmsd.Errorf(dmsd.ENOTOPIC, "The topic %s does not exist.", topic)
	}
	return e.clusters.TopicPolicies(ctx, inst, topic)
}

// ResetOffsets checks the reset (a group that exists and has no members, a topic that exists if
// one is named, partition -1 or more, exactly one of message_offset and
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
	inst, err := e.runningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	if r.Topic != "" {
		ok, err := e.clusters.TopicExists(ctx, inst, r.Topic)
		if err != nil {
			return nil, err
		} else if !ok {
			return nil, dmsd.Errorf(dmsd.ENOTOPIC, "The topic %s does not exist.", r.Topic)
		}
	}
	state, err := e.clusters.GroupState(ctx, inst, r.Group)
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
