package engine

import (
	"context"
	"encoding/json"

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
	params := map[string]any{
		"name":              inst.Name,
		"engine_version":    inst.EngineVersion,
		"broker_num":        inst.BrokerNum,
		"storage_space":     inst.StorageSpace,
		"enable_auto_topic": inst.EnableAutoTopic,
		"retention_policy":  inst.RetentionPolicy,
	}
	if inst.SASLEnabled() {
		// As the request said it; the password is never part of the params.
		params["ssl_enable"], params["access_user"], params["sasl_enabled_mechanisms"] = true, inst.AccessUser, inst.SASLMechanisms
		params["kafka_security_protocol"] = dmsd.SASLPlaintext
		if inst.SSLEnabled {
			params["kafka_security_protocol"] = dmsd.SASLSSL
		}
	}
	if x := inst.External; x != nil {
		// Nor is the external cluster's password.
		params["external"] = map[string]any{"bootstrap_servers": x.BootstrapServers, "sasl_mechanism": x.SASLMechanism, "username": x.Username}
	}
	t := newTask(actor, inst.ID, "createInstance", params)
	return t, e.store.SubmitTask(ctx, &dmsd.Submission{Task: t, NewInstance: inst, Quota: e.quota})
}

// RestartInstance starts restartInstance on a RUNNING, ERROR or EXTENDEDFAILED
// instance; the instance is RESTARTING until it ends. It returns EEXTERNAL
// for an external cluster, which dmsd cannot restart, and the store's errors.
func (e *Engine) RestartInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	if err := e.refuseExternal(ctx, actor, instanceID, "restarting its brokers"); err != nil {
		return nil, err
	}
	t := newTask(actor, instanceID, "restartInstance", map[string]any{"instance_id": instanceID})
	return t, e.store.SubmitTask(ctx, &dmsd.Submission{
		Task:            t,
		AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning, dmsd.InstanceError, dmsd.InstanceExtendFailed},
		InstanceStatus:  dmsd.InstanceRestarting,
	})
}

// DeleteInstance starts deleteInstance on a RUNNING, ERROR or EXTENDEDFAILED
// instance; the instance is DELETING until it and its tasks are gone. It
// returns the store's errors.
func (e *Engine) DeleteInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	t := newTask(actor, instanceID, "deleteInstance", map[string]any{"instance_id": instanceID})
	return t, e.store.SubmitTask(ctx, &dmsd.Submission{
		Task:            t,
		AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning, dmsd.InstanceError, dmsd.InstanceExtendFailed},
		InstanceStatus:  dmsd.InstanceDeleting,
	})
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
	t := newTask(actor, instanceID, "modifyAutoTopic", autoTopicParams{Old: inst.EnableAutoTopic, New: enable})
	return t, e.store.SubmitTask(ctx, &dmsd.Submission{
		Task:            t,
		AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning},
	})
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

func newTask(actor dmsd.Actor, instanceID, name string, params any) *dmsd.Task {
	p, _ := json.Marshal(params) // Params are maps and structs of plain values.
	now := dmsd.Now()
	t := &dmsd.Task{
		ID:         dmsd.NewID(),
		ProjectID:  actor.ProjectID,
		InstanceID: instanceID,
		Name:       name,
		UserID:     actor.UserID,
		UserName:   actor.UserName,
		Params:     string(p),
		Status:     dmsd.TaskCreated,
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	for _, s := range kinds[name].steps {
		t.Steps = append(t.Steps, dmsd.Step{Name: s.name, Status: dmsd.StepWaiting})
	}
	return t
}
