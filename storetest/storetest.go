// Package storetest is the conformance suite of dmsd.Store: every backend runs
// it, so that they all keep the same promises.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// Exercise runs the suite against stores made by newStore. Each store must be
// empty and ready to accept submissions; its queue must not change task
// records by itself (a worker that does nothing), so that the suite decides
// every status.
func Exercise(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	exerciseScheduled(t, newStore)
	exerciseReplays(t, newStore)
	exerciseQuota(t, newStore)
	exerciseTasks(t, newStore)
	exerciseTaskRuns(t, newStore)
	exerciseInstances(t, newStore)
	exerciseRequests(t, newStore)
	exerciseSecrets(t, newStore)
	exerciseRecycle(t, newStore)
	exerciseReports(t, newStore)
	exerciseConnect(t, newStore)
	exerciseLogs(t, newStore)
}

// bundle is a store holding one instance and its CREATED createInstance task.
type bundle struct {
	ctx   context.Context
	store dmsd.Store
	inst  *dmsd.Instance
	task  *dmsd.Task
}

func setup(t *testing.T, newStore func(t *testing.T) dmsd.Store) *bundle {
	t.Helper()
	b := &bundle{ctx: context.Background(), store: newStore(t)}
	b.inst = NewInstance(dmsd.NewID())
	b.task = NewTask(b.inst, "createInstance")
	require.NoError(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: b.task, NewInstance: b.inst}))
	return b
}

// finish ends task with status, its instance RUNNING.
func finish(t *testing.T, b *bundle, task *dmsd.Task, status dmsd.TaskStatus) {
	t.Helper()
	task.Status, task.UpdatedAt = status, task.UpdatedAt.Add(time.Millisecond)
	require.NoError(t, b.store.UpdateTask(b.ctx, task, dmsd.InstanceRunning))
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, dmsd.ErrorCode(err), err.Error())
}

// NewInstance returns a valid new instance of a project, as the engine would
// submit it.
func NewInstance(projectID string) *dmsd.Instance {
	return &dmsd.Instance{
		ID: dmsd.NewUUID(), ProjectID: projectID, Name: "instance-" + dmsd.NewID()[:6],
		Engine: "kafka", EngineVersion: "3.x", BrokerNum: 3, StorageSpace: 300,
		StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "c6.2u4g.cluster",
		VpcID: "vpc", SubnetID: "subnet", SecurityGroupID: "sg", AvailableZones: []string{"az1"},
		RetentionPolicy: "time_base", Status: dmsd.InstanceCreating, UserID: dmsd.NewID(), UserName: "alice",
		CreatedAt: dmsd.Now(),
	}
}

// NewTask returns a new CREATED task of an instance with two waiting steps.
func NewTask(inst *dmsd.Instance, name string) *dmsd.Task {
	now := dmsd.Now()
	return &dmsd.Task{
		ID: dmsd.NewID(), ProjectID: inst.ProjectID, InstanceID: inst.ID, Name: name,
		UserID: inst.UserID, UserName: inst.UserName, Params: `{"k":"v"}`, Status: dmsd.TaskCreated,
		Steps:     []dmsd.Step{{Name: "ONE", Status: dmsd.StepWaiting}, {Name: "TWO", Status: dmsd.StepWaiting}},
		CreatedAt: now, UpdatedAt: now,
	}
}
