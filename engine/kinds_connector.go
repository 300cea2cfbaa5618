package engine

import (
	"context"

	"github.com/dmsd/dmsd"
)

// connectorParams are the params of createConnector and deleteConnector.
type connectorParams struct {
	InstanceID  string `json:"instance_id"`
	ConnectorID string `json:"connector_id"`
}

// createConnector enables Smart Connect on a RUNNING instance: its
// replication tasks may then be created and run. dmsd runs them in its own
// process, so there is no connector node to start, only the record to mark.
var createConnector = &Kind[connectorParams]{
	Name:    "createConnector",
	From:    running,
	Success: dmsd.InstanceRunning,
	Failure: dmsd.InstanceRunning,
	Steps:   []Step[connectorParams]{{"CREATE_CONNECTOR", saveConnector}},
}

// deleteConnector disables Smart Connect on an instance without tasks.
var deleteConnector = &Kind[connectorParams]{
	Name:    "deleteConnector",
	From:    running,
	Success: dmsd.InstanceRunning,
	Failure: dmsd.InstanceRunning,
	Steps:   []Step[connectorParams]{{"DELETE_CONNECTOR", saveConnector}},
}

// saveConnector records the connector id the task sets ("" disables);
// saving what is saved writes nothing.
func saveConnector(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *connectorParams) error {
	if inst.ConnectorID == p.ConnectorID {
		return nil
	}
	inst.ConnectorID = p.ConnectorID
	return d.store.UpdateInstance(ctx, inst)
}

// EnableConnector starts createConnector on a RUNNING instance and returns
// the task and the connector's id. It returns ECONNECTORON if Smart Connect
// is enabled already, and the store's errors.
func (e *Engine) EnableConnector(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if inst.ConnectorID != "" {
		return nil, dmsd.Errorf(dmsd.ECONNECTORON, "Smart Connect is already enabled for this instance.")
	}
	return submit(ctx, e, createConnector, actor, instanceID, connectorParams{InstanceID: instanceID, ConnectorID: dmsd.NewID()})
}

// DisableConnector starts deleteConnector. It returns ECONNECTOROFF if Smart
// Connect is not enabled, and the store's errors; the caller checks that no
// replication task is left.
func (e *Engine) DisableConnector(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if inst.ConnectorID == "" {
		return nil, dmsd.Errorf(dmsd.ECONNECTOROFF, "Smart Connect is not enabled for this instance.")
	}
	return submit(ctx, e, deleteConnector, actor, instanceID, connectorParams{InstanceID: instanceID})
}
