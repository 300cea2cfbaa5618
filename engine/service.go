package engine

import (
	"context"

	"github.com/dmsd/dmsd"
)

var _ dmsd.InstanceService = (*Engine)(nil)

// CreateInstance validates inst, fills in its id, project, owner and status,
// and starts createInstance. It returns the validation's *dmsd.Error, the
// cluster's refusals (dmsd.Lifecycle.Admit: EEXTERNAL, EADDRREFUSED), the
// quota's EINSTANCEQUOTA or EBROKERQUOTA, or the store's error.
func (e *Engine) CreateInstance(ctx context.Context, actor dmsd.Actor, inst *dmsd.Instance) (*dmsd.Task, error) {
	if inst.RetentionPolicy == "" {
		inst.RetentionPolicy = "time_base"
	}
	c, err := e.clusters.For(inst)
	if err != nil {
		return nil, err
	}
	err = c.Admit(ctx, inst, func() error {
		if err := inst.Validate(); err != nil {
			return err
		}
		if err := inst.ValidateOffer(); err != nil {
			return err
		}
		return inst.ValidateSASL()
	})
	if err != nil {
		return nil, err
	}
	inst.ID, inst.ProjectID = dmsd.NewUUID(), actor.ProjectID
	inst.UserID, inst.UserName = actor.UserID, actor.UserName
	inst.Status, inst.CreatedAt, inst.Ports, inst.Host, inst.SSLCACert = dmsd.InstanceCreating, dmsd.Now(), nil, e.replica, ""
	return submit(ctx, e, createInstance, actor, inst.ID, inst, withNewInstance(inst), withQuota(e.quota))
}

// RestartInstance starts restartInstance on a RUNNING, ERROR or EXTENDEDFAILED
// instance; the instance is RESTARTING until it ends. It returns EEXTERNAL
// for an external cluster, which dmsd cannot restart, and the store's errors.
func (e *Engine) RestartInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	if _, err := e.allowed(ctx, actor, instanceID, restartInstance.Needs); err != nil {
		return nil, err
	}
	return submit(ctx, e, restartInstance, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// DeleteInstance starts deleteInstance on a RUNNING, ERROR or EXTENDEDFAILED
// instance; the instance is DELETING until it and its tasks are gone, or,
// when its project's recycle bin policy is on, recycleInstance, which leaves
// it RECYCLED (deleteOrRecycle). It returns the store's errors.
func (e *Engine) DeleteInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return e.deleteOrRecycle(ctx, actor, instanceID)
}

// SetAutoTopic starts modifyAutoTopic on a RUNNING instance, which restarts
// its brokers with automatic topic creation enabled or disabled. It returns
// the store's errors.
func (e *Engine) SetAutoTopic(ctx context.Context, actor dmsd.Actor, instanceID string, enable bool) (*dmsd.Task, error) {
	inst, err := e.allowed(ctx, actor, instanceID, modifyAutoTopic.Needs)
	if err != nil {
		return nil, err
	}
	return submit(ctx, e, modifyAutoTopic, actor, instanceID, autoTopicParams{Old: inst.EnableAutoTopic, New: enable})
}

// allowed returns the instance if its cluster allows change, the cluster's
// refusal (EEXTERNAL) if not, and the store's EINSTANCENOTFOUND.
func (e *Engine) allowed(ctx context.Context, actor dmsd.Actor, instanceID string, change dmsd.Change) (*dmsd.Instance, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	c, err := e.clusters.For(inst)
	if err != nil {
		return nil, err
	}
	if err := c.Allows(change); err != nil {
		return nil, err
	}
	return inst, nil
}
