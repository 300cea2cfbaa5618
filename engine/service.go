package engine

import (
	"context"

	"github.com/dmsd/dmsd"
)

var _ dmsd.InstanceService = (*Engine)(nil)

// CreateInstance validates inst, fills in its id, project, owner and status,
// and starts createInstance. It returns the validation's *dmsd.Error,
// EADDRREFUSED for an external cluster where external instances may not
// point, the quota's EINSTANCEQUOTA or EBROKERQUOTA, or the store's error.
func (e *Engine) CreateInstance(ctx context.Context, actor dmsd.Actor, inst *dmsd.Instance) (*dmsd.Task, error) {
	if inst.RetentionPolicy == "" {
		inst.RetentionPolicy = "time_base"
	}
	if inst.External != nil {
		if err := inst.External.Validate(); err != nil {
			return nil, err
		}
		if inst.AccessUser != "" {
			return nil, dmsd.ErrExternal("creating the SASL access user")
		}
		if inst.SSLEnabled {
			return nil, dmsd.ErrExternal("ssl_enable, which sets the brokers' listeners,")
		}
		if inst.BrokerNum == 0 {
			// Taken from the cluster's metadata when the task connects.
			inst.BrokerNum = 1
		}
	}
	if err := inst.Validate(); err != nil {
		return nil, err
	}
	if err := inst.ValidateOffer(); err != nil {
		return nil, err
	}
	if err := inst.ValidateSASL(); err != nil {
		return nil, err
	}
	if inst.External != nil {
		if err := e.checkExternalAddresses(ctx, inst.External); err != nil {
			return nil, err
		}
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
	if err := e.refuseExternal(ctx, actor, instanceID, "restarting its brokers"); err != nil {
		return nil, err
	}
	return submit(ctx, e, restartInstance, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// DeleteInstance starts deleteInstance on a RUNNING, ERROR or EXTENDEDFAILED
// instance; the instance is DELETING until it and its tasks are gone. It
// returns the store's errors.
func (e *Engine) DeleteInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return submit(ctx, e, deleteInstance, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// SetAutoTopic starts modifyAutoTopic on a RUNNING instance, which restarts
// its brokers with automatic topic creation enabled or disabled. It returns
// the store's errors.
func (e *Engine) SetAutoTopic(ctx context.Context, actor dmsd.Actor, instanceID string, enable bool) (*dmsd.Task, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if inst.External != nil {
		return nil, dmsd.ErrExternal("changing automatic topic creation, which restarts the brokers,")
	}
	return submit(ctx, e, modifyAutoTopic, actor, instanceID, autoTopicParams{Old: inst.EnableAutoTopic, New: enable})
}

// refuseExternal returns EEXTERNAL if the instance stands for an external
// cluster, the store's error if it cannot be found, and nil otherwise.
func (e *Engine) refuseExternal(ctx context.Context, actor dmsd.Actor, instanceID, op string) error {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return err
	}
	if inst.External != nil {
		return dmsd.ErrExternal(op)
	}
	return nil
}
