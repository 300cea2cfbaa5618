package engine

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/sqlite"
)

// describeInstance is an example of a new task kind: its whole declaration is
// this value, its params type and its steps; a real one adds itself to
// kindList and, when it has its own API, a route and a handler that call
// submit. It sets a RUNNING instance's description and keeps the instance
// RUNNING.
var describeInstance = &Kind[describeParams]{
	Name:  "exampleDescribeInstance",
	From:  running,
	Steps: []Step[describeParams]{{"SAVE_DESCRIPTION", saveDescription}},
}

// describeParams are describeInstance's params, as the task shows them.
type describeParams struct {
	Description string `json:"description"`
}

// saveDescription records the description. Saving what is saved writes
// nothing, so that a repeated run is harmless.
func saveDescription(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *describeParams) error {
	if inst.Description == p.Description {
		return nil
	}
	inst.Description = p.Description
	return d.store.UpdateInstance(ctx, inst)
}

// exampleClusters serves every instance with a cluster that starts and checks
// at once; the example kind needs no more.
type exampleClusters struct{ dmsd.Cluster }

func (c exampleClusters) For(*dmsd.Instance) (dmsd.Cluster, error) { return c, nil }
func (exampleClusters) Admit(_ context.Context, _ *dmsd.Instance, validate func() error) error {
	return validate()
}
func (exampleClusters) StartCluster(context.Context, *dmsd.Instance) (dmsd.Endpoint, error) {
	return dmsd.Endpoint{Host: "127.0.0.1", Ports: []int{19092}}, nil
}
func (exampleClusters) CheckCluster(context.Context, *dmsd.Instance) error { return nil }

// A kind declared in one value runs through submit and the worker like the
// built-in ones: its status rule is checked at submit, its params reach its
// step typed, its step list is the task's progress.
func TestExampleKind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dmsd.db"), logger)
	require.NoError(t, err)
	e := New(db, exampleClusters{}, logger, nil)
	e.kinds = registry(append(slices.Clone(kindList), describeInstance)...)
	q, err := NewQueue(db.RiverDriver(), QueueConfig{Workers: e.Workers(), RetryPolicy: RetryPolicy(), PollInterval: sqlite.PollInterval})
	require.NoError(t, err)
	require.NoError(t, db.StartQueue(ctx, "", q))
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		require.NoError(t, db.StopQueue(stopCtx))
		require.NoError(t, db.Close())
	})
	actor := dmsd.Actor{ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "alice"}
	wait := func(instanceID, taskID string) *dmsd.Task {
		t.Helper()
		var task *dmsd.Task
		require.Eventually(t, func() bool {
			task, err = db.FindTask(ctx, actor.ProjectID, instanceID, taskID)
			require.NoError(t, err)
			return task.Status.Finished()
		}, 10*time.Second, 5*time.Millisecond)
		return task
	}

	inst := &dmsd.Instance{
		Name: "example", Engine: "kafka", EngineVersion: "3.x", BrokerNum: 1, StorageSpace: 100,
		StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "c6.2u4g.cluster",
		VpcID: "vpc", SubnetID: "subnet", SecurityGroupID: "sg", AvailableZones: []string{dmsd.DefaultZoneID},
	}
	created, err := e.CreateInstance(ctx, actor, inst)
	require.NoError(t, err)
	require.Equal(t, dmsd.TaskSuccess, wait(inst.ID, created.ID).Status)

	task, err := submit(ctx, e, describeInstance, actor, inst.ID, describeParams{Description: "described"})
	require.NoError(t, err)
	require.Equal(t, `{"description":"described"}`, task.Params)
	done := wait(inst.ID, task.ID)
	require.Equal(t, dmsd.TaskSuccess, done.Status, done.Reason)
	require.Equal(t, "exampleDescribeInstance", done.Name)
	require.Len(t, done.Steps, 1)
	require.Equal(t, "SAVE_DESCRIPTION", done.Steps[0].Name)
	got, err := db.FindInstance(ctx, actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, "described", got.Description)
	require.Equal(t, dmsd.InstanceRunning, got.Status)

	// From is the kind's own rule: outside it nothing is recorded.
	got.Status = dmsd.InstanceError
	require.NoError(t, db.UpdateInstance(ctx, got))
	_, err = submit(ctx, e, describeInstance, actor, inst.ID, describeParams{Description: "again"})
	require.Equal(t, dmsd.EINSTANCESTATUS, dmsd.ErrorCode(err))
}

// Every kind has steps and is found by its name and first step, and by its
// former names: two kinds show the name kafkaConfigModify, and a change of
// automatic topic creation recorded by an earlier dmsd as modifyAutoTopic
// still runs as one.
func TestKindList(t *testing.T) {
	t.Parallel()
	e := &Engine{kinds: kinds}
	find := func(name, firstStep string) kind {
		k, ok := e.kindOf(&dmsd.Task{Name: name, Steps: []dmsd.Step{{Name: firstStep}}})
		require.True(t, ok, "%s starting with %s", name, firstStep)
		return k
	}
	for _, k := range kindList {
		for _, name := range append([]string{k.name()}, k.formerNames()...) {
			require.Equal(t, k, find(name, k.stepNames()[0]))
		}
	}
	require.Equal(t, kind(modifyAutoTopic), find("kafkaConfigModify", "UPDATE_AUTO_TOPIC_CONFIG"))
	require.Equal(t, kind(kafkaConfigModify), find("kafkaConfigModify", "MODIFY_DYNAMIC_CONFIGS"))
	require.Equal(t, kind(modifyAutoTopic), find("modifyAutoTopic", "UPDATE_AUTO_TOPIC_CONFIG"))
	_, ok := e.kindOf(&dmsd.Task{Name: "kafkaConfigModify", Steps: []dmsd.Step{{Name: "STOP_BROKERS"}}})
	require.False(t, ok, "a name with steps of no kind is no kind")

	// What registry refuses, as kinds' package initialisation would.
	require.PanicsWithValue(t, "engine: task kind empty has no steps", func() { registry(&Kind[instanceParams]{Name: "empty"}) })
	require.PanicsWithValue(t, "engine: two task kinds named modifyAutoTopic start with the same step", func() {
		registry(modifyAutoTopic, &Kind[autoTopicParams]{Name: "modifyAutoTopic", Steps: modifyAutoTopic.Steps})
	}, "a former name finds its kind as the name does")
}
