package engine

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/dmsd/dmsd"
)

// recycleParams are the params of recycleInstance: the instance, how many
// days the recycle bin keeps it and how long that is in milliseconds (a day
// lasts what the engine was given, 24 h but in tests).
type recycleParams struct {
	InstanceID    string `json:"instance_id"`
	RetentionDays int    `json:"retention_days"`
	RetentionMs   int64  `json:"retention_ms"`
}

// recycleInstance is a deletion under a recycle bin policy: it stops the
// brokers, keeping their data, and leaves the instance RECYCLED until it is
// restored or its retention ends.
var recycleInstance = &Kind[recycleParams]{
	Name:    "recycleInstance",
	From:    startable,
	During:  dmsd.InstanceDeleting,
	Success: dmsd.InstanceRecycled,
	Failure: dmsd.InstanceError,
	Steps: []Step[recycleParams]{
		instanceStep[recycleParams]("STOP_BROKERS", stopBrokers),
		{"MOVE_TO_RECYCLE_BIN", moveToRecycleBin},
	},
}

// restoreInstance brings a recycled instance back: its brokers start on the
// data they kept, and it is RUNNING again.
var restoreInstance = &Kind[instanceParams]{
	Name:    "restoreInstance",
	From:    []dmsd.InstanceStatus{dmsd.InstanceRecycled},
	During:  dmsd.InstanceRestarting,
	Success: dmsd.InstanceRunning,
	Failure: dmsd.InstanceError,
	Steps: []Step[instanceParams]{
		instanceStep[instanceParams]("START_BROKERS", startBrokers),
		instanceStep[instanceParams]("CHECK_CLUSTER", checkCluster),
		instanceStep[instanceParams]("LEAVE_RECYCLE_BIN", leaveRecycleBin),
	},
}

// moveToRecycleBin records when the instance entered the recycle bin and when
// its retention ends; a second run keeps the first times.
func moveToRecycleBin(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *recycleParams) error {
	if !inst.RecycledAt.IsZero() {
		return nil
	}
	inst.RecycledAt = dmsd.Now()
	inst.RecycleUntil = inst.RecycledAt.Add(time.Duration(p.RetentionMs) * time.Millisecond)
	return d.store.UpdateInstance(ctx, inst)
}

// leaveRecycleBin clears the recycle bin's times of a restored instance.
func leaveRecycleBin(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	if inst.RecycledAt.IsZero() && inst.RecycleUntil.IsZero() {
		return nil
	}
	inst.RecycledAt, inst.RecycleUntil = time.Time{}, time.Time{}
	return d.store.UpdateInstance(ctx, inst)
}

// RecycleBin makes the engine keep the instances deleted in a project whose
// policy (in store) is on, and expire them after their retention days, each
// day lasting day (24 h when 0; tests shorten it).
func RecycleBin(store dmsd.RecycleStore, day time.Duration) Option {
	return func(e *Engine) {
		e.recycle = store
		if day > 0 {
			e.recycleDay = day
		}
	}
}

// RecyclePolicy returns the actor's project's recycle bin policy, or
// EUNAVAILABLE.
func (e *Engine) RecyclePolicy(ctx context.Context, actor dmsd.Actor) (dmsd.RecyclePolicy, error) {
	if e.recycle == nil {
		return dmsd.RecyclePolicy{RetentionDays: dmsd.DefaultRetentionDays}, nil
	}
	return e.recycle.RecyclePolicy(ctx, actor.ProjectID)
}

// SetRecyclePolicy validates and records the actor's project's policy. It
// returns EINVALID, EREPLAYED and the store's errors.
func (e *Engine) SetRecyclePolicy(ctx context.Context, actor dmsd.Actor, p dmsd.RecyclePolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if e.recycle == nil {
		return dmsd.Errorf(dmsd.EUNAVAILABLE, "The recycle bin is not available.")
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	return e.recycle.SetRecyclePolicy(ctx, actor.ProjectID, p)
}

// RecycledInstances returns the actor's project's instances in the recycle
// bin, newest first, or the store's errors.
func (e *Engine) RecycledInstances(ctx context.Context, actor dmsd.Actor) ([]*dmsd.Instance, error) {
	all, err := e.store.ListInstances(ctx, actor.ProjectID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(inst *dmsd.Instance) bool { return !inst.Recycled() }), nil
}

// RestoreInstance starts restoreInstance on an instance of the recycle bin.
// It returns EINSTANCENOTFOUND for an instance that is not there and the
// store's errors.
func (e *Engine) RestoreInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if !inst.Recycled() {
		return nil, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "The instance %s is not in the recycle bin.", instanceID)
	}
	return submit(ctx, e, restoreInstance, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// deleteOrRecycle starts the deletion of an instance: recycleInstance when
// its project's policy keeps deleted instances and dmsd holds its data
// (embedded), deleteInstance otherwise. An instance in the recycle bin is
// not found, as the instance list does not show it.
func (e *Engine) deleteOrRecycle(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if inst.Recycled() {
		return nil, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	}
	if e.recycle != nil && inst.External == nil {
		p, err := e.recycle.RecyclePolicy(ctx, actor.ProjectID)
		if err != nil {
			return nil, err
		}
		if p.Enabled {
			return submit(ctx, e, recycleInstance, actor, instanceID, recycleParams{
				InstanceID: instanceID, RetentionDays: p.RetentionDays,
				RetentionMs: (time.Duration(p.RetentionDays) * e.recycleDay).Milliseconds(),
			})
		}
	}
	return submit(ctx, e, deleteInstance, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// ExpireRecycled starts deleteInstance, as the system, on every recycled
// instance this replica hosts whose retention has ended. It returns the
// errors of the store, having tried every instance; an instance whose task
// is running already is tried again on the next call.
func (e *Engine) ExpireRecycled(ctx context.Context) error {
	all, err := e.store.ListAllInstances(ctx)
	if err != nil {
		return err
	}
	now := dmsd.Now()
	var errs []error
	for _, inst := range all {
		if !inst.Recycled() || inst.RecycleUntil.IsZero() || inst.RecycleUntil.After(now) || inst.Queue() != dmsd.QueueOf(e.replica) {
			continue
		}
		_, err := submit(ctx, e, deleteInstance, dmsd.SystemActor(inst.ProjectID), inst.ID, instanceParams{InstanceID: inst.ID})
		if err != nil && dmsd.ErrorCode(err) != dmsd.ETASKRUNNING {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// MonitorRecycleBin calls ExpireRecycled every interval until ctx ends,
// logging its errors.
func (e *Engine) MonitorRecycleBin(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := e.ExpireRecycled(ctx); err != nil && ctx.Err() == nil {
				e.logger.Warn("the recycle bin's expiry failed; it is tried again", "error", err)
			}
		}
	}
}
