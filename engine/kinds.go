package engine

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/dmsd/dmsd"
)

// step is one idempotent piece of a task: after a crash it may run again, so
// it must bring the world to its target state whether or not it ran before.
type step struct {
	name string
	run  func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error
}

// kind declares a task kind: its steps, and the instance status it leaves.
type kind struct {
	steps                []step
	onSuccess, onFailure dmsd.InstanceStatus
	// removesRecord is set when the last step deletes the task's own record.
	removesRecord bool
}

var kinds = map[string]kind{
	"createInstance": {
		steps:     []step{startBrokers, checkCluster},
		onSuccess: dmsd.InstanceRunning,
		onFailure: dmsd.InstanceError,
	},
	"restartInstance": {
		steps:     []step{stopBrokers, startBrokers, checkCluster},
		onSuccess: dmsd.InstanceRunning,
		onFailure: dmsd.InstanceError,
	},
	"modifyAutoTopic": {
		steps:     []step{saveAutoTopic, stopBrokers, startBrokers, checkCluster},
		onSuccess: dmsd.InstanceRunning,
		onFailure: dmsd.InstanceError,
	},
	"deleteInstance": {
		steps:         []step{destroyCluster, deleteRecords},
		onFailure:     dmsd.InstanceError,
		removesRecord: true,
	},
}

// startBrokers starts the instance's brokers, or finds them running, and keeps
// their ports so that later starts reuse them, and the CA certificate of
// TLS listeners.
var startBrokers = step{"START_BROKERS", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	ep, err := e.clusters.StartCluster(ctx, inst)
	if err != nil {
		return err
	}
	if inst.External != nil {
		// dmsd does not choose an external cluster's brokers: it records
		// how many the cluster reports, which CHECK_CLUSTER then checks.
		n, err := e.clusters.BrokerCount(ctx, inst)
		if err != nil {
			return err
		}
		if n == inst.BrokerNum {
			return nil
		}
		inst.BrokerNum = n
		return e.store.UpdateInstance(ctx, inst)
	}
	if slices.Equal(inst.Ports, ep.Ports) && inst.SSLCACert == ep.CACert {
		return nil
	}
	// The CA of TLS listeners is recorded so that any replica can serve
	// it for download; plaintext listeners clear it.
	inst.Ports, inst.SSLCACert = ep.Ports, ep.CACert
	return e.store.UpdateInstance(ctx, inst)
}}

// stopBrokers stops the instance's brokers, keeping their data; stopping
// stopped brokers does nothing.
var stopBrokers = step{"STOP_BROKERS", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	return e.clusters.StopCluster(ctx, inst.ID)
}}

// checkCluster connects to the cluster as a client would and checks that all
// brokers answer. It first starts the brokers if they do not run: a process
// that died after START_BROKERS took the brokers with it, and its successor
// resumes the task here.
var checkCluster = step{"CHECK_CLUSTER", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	if err := startBrokers.run(ctx, e, t, inst); err != nil {
		return err
	}
	return e.clusters.CheckCluster(ctx, inst)
}}

// saveAutoTopic records the wanted setting; the broker restart that follows
// applies it, as Kafka reads it at broker start.
var saveAutoTopic = step{"UPDATE_AUTO_TOPIC_CONFIG", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	var p autoTopicParams
	if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
		return err
	}
	if inst.EnableAutoTopic == p.New {
		return nil
	}
	inst.EnableAutoTopic = p.New
	return e.store.UpdateInstance(ctx, inst)
}}

// destroyCluster stops the brokers and removes their data.
var destroyCluster = step{"DELETE_BROKERS", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	return e.clusters.DestroyCluster(ctx, inst.ID)
}}

// deleteRecords deletes the instance and all its task records, this one
// included.
var deleteRecords = step{"DELETE_RECORDS", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	return e.store.DeleteInstance(ctx, inst.ID)
}}

type autoTopicParams struct {
	Old bool `json:"old_auto_status"`
	New bool `json:"new_auto_status"`
}
