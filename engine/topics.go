package engine

import (
	"context"

	"github.com/dmsd/dmsd"
)

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
		if _, err := e.allowed(ctx, actor, instanceID, dmsd.SetStaticConfig); err != nil {
			return nil, 0, 0, err
		}
	}
	t, err := submit(ctx, e, kafkaConfigModify, actor, instanceID, configModifyParams{KafkaConfigs: settings, DynamicConfig: dynamic, StaticConfig: static})
	if err != nil {
		return nil, 0, 0, err
	}
	return t, dynamic, static, nil
}

// UpdateInstance validates the update as creation would. If the retention
// policy changes, it starts changeRetentionPolicy, whose acceptance saves the
// update's other fields with it, and which the submission refuses with
// EINSTANCESTATUS or ETASKRUNNING as any task's. Otherwise a change of the
// name, description, maintenance window or security group is saved in
// place, refused with EINSTANCESTATUS unless the instance is RUNNING or
// ERROR and with ETASKRUNNING while a task of the instance is unfinished, so
// that no step writes an older copy of the instance over it. It returns the
// task, nil when the policy does not change; EINSTANCENOTFOUND, EINVALID,
// EREPLAYED, and the store's errors.
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
	changesPolicy := updated.RetentionPolicy != inst.RetentionPolicy
	updated.RetentionPolicy = inst.RetentionPolicy // The task changes it.
	changesFields := updated.Name != inst.Name || updated.Description != inst.Description || updated.MaintainBegin != inst.MaintainBegin || updated.MaintainEnd != inst.MaintainEnd || updated.SecurityGroupID != inst.SecurityGroupID
	// The fields go on the record as it is when they are saved: what the
	// API changed meanwhile (tags, users) is kept.
	saveFields := func(cur *dmsd.Instance) error {
		next, err := u.Apply(cur)
		if err != nil {
			return err
		}
		next.RetentionPolicy = cur.RetentionPolicy
		*cur = *next
		return nil
	}
	if changesPolicy {
		var opts []submitOpt
		if changesFields {
			opts = append(opts, withChange(saveFields))
		}
		return submit(ctx, e, changeRetentionPolicy, actor, instanceID, retentionPolicyParams{New: *u.RetentionPolicy, Origin: inst.RetentionPolicy}, opts...)
	}
	if !changesFields {
		return nil, nil
	}
	// The status first, as a submission checks it (store.SubmitTask).
	if inst.Status != dmsd.InstanceRunning && inst.Status != dmsd.InstanceError {
		return nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; it can be modified only while RUNNING.", inst.Status)
	}
	if err := e.store.CheckIdle(ctx, actor.ProjectID, instanceID); err != nil {
		return nil, err
	}
	return nil, e.store.ModifyInstance(ctx, actor.ProjectID, instanceID, func(cur *dmsd.Instance) error {
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		return saveFields(cur)
	})
}
