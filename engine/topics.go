package engine

import (
	"context"
	"errors"

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
	var inst *dmsd.Instance // The record the fields are checked on, once read.
	if u.RetentionPolicy != nil {
		policy := *u.RetentionPolicy
		if policy != "time_base" && policy != "produce_reject" {
			return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: retention_policy must be time_base or produce_reject.")
		}
		// Whether the policy changes, and from what, is read from the
		// record the submission locks: a policy changed since an earlier
		// read is neither missed nor misnamed, and a change costs no read
		// of its own.
		t, err := submit(ctx, e, changeRetentionPolicy, actor, instanceID, retentionPolicyParams{New: policy}, withChange(func(t *dmsd.Task, cur *dmsd.Instance) error {
			if cur.RetentionPolicy == policy {
				return errPolicyUnchanged
			}
			t.Params = changeRetentionPolicy.paramsText(retentionPolicyParams{New: policy, Origin: cur.RetentionPolicy})
			return applyFields(u, cur)
		}))
		switch code := dmsd.ErrorCode(err); {
		case errors.Is(err, errPolicyUnchanged):
		case code == dmsd.EINSTANCESTATUS || code == dmsd.ETASKRUNNING:
			// Refused before the record was compared: if the policy
			// would not change, the fields alone are saved, or refused,
			// as below (an instance in ERROR takes a new name).
			var ferr error
			if inst, ferr = e.store.FindInstance(ctx, actor.ProjectID, instanceID); ferr != nil {
				return nil, ferr
			}
			if inst.RetentionPolicy != policy {
				return nil, err
			}
		default:
			return t, err
		}
	}
	if inst == nil {
		var err error
		if inst, err = e.store.FindInstance(ctx, actor.ProjectID, instanceID); err != nil {
			return nil, err
		}
	}
	if err := applyFields(u, inst); errors.Is(err, dmsd.ErrUnchanged) {
		return nil, nil
	} else if err != nil {
		return nil, err
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
		return applyFields(u, cur)
	})
}

// errPolicyUnchanged refuses a policy change's submission whose record has
// the policy already.
var errPolicyUnchanged = errors.New("the retention policy is unchanged")

// applyFields applies to cur the fields of u that are saved in place (name,
// description, maintenance window, security group), validated as creation
// would; the retention policy is its task's. It returns Apply's errors, and
// dmsd.ErrUnchanged when cur already has those fields.
func applyFields(u *dmsd.InstanceUpdate, cur *dmsd.Instance) error {
	if u.Name == nil && u.Description == nil && u.MaintainBegin == nil && u.MaintainEnd == nil && u.SecurityGroupID == nil {
		// Nothing to validate either: a change of the policy alone holds
		// the submission's transaction (SQLite's one writer) no longer.
		return dmsd.ErrUnchanged
	}
	next, err := u.Apply(cur)
	if err != nil {
		return err
	}
	if next.Name == cur.Name && next.Description == cur.Description && next.MaintainBegin == cur.MaintainBegin && next.MaintainEnd == cur.MaintainEnd && next.SecurityGroupID == cur.SecurityGroupID {
		return dmsd.ErrUnchanged
	}
	next.RetentionPolicy = cur.RetentionPolicy
	*cur = *next
	return nil
}
