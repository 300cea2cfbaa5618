package engine_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/admin"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/sqlite"
)

// gatedClusters is a ClusterService whose StartCluster waits for the test to
// open its gate, so that a test can look at a task in the middle of a step.
type gatedClusters struct {
	mu      sync.Mutex
	gate    chan struct{}
	entered chan string
	calls   map[string]int
	running map[string]bool
	// checkErr is what CheckCluster answers.
	checkErr error
}

func newGatedClusters() *gatedClusters {
	return &gatedClusters{gate: make(chan struct{}), entered: make(chan string, 100), calls: map[string]int{}, running: map[string]bool{}}
}

func (g *gatedClusters) count(op string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls[op]++
}

func (g *gatedClusters) Calls(op string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[op]
}

// hold makes the next StartCluster calls wait for release.
func (g *gatedClusters) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
}

func (g *gatedClusters) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.gate)
}

// StartCluster is idempotent, as the real one: brokers that run are left
// alone; others start once the gate opens.
func (g *gatedClusters) StartCluster(ctx context.Context, inst *dmsd.Instance) (dmsd.Endpoint, error) {
	endpoint := dmsd.Endpoint{Host: "127.0.0.1", Ports: []int{19092}}
	g.mu.Lock()
	gate, running := g.gate, g.running[inst.ID]
	g.mu.Unlock()
	if running {
		return endpoint, nil
	}
	g.count("start")
	g.entered <- inst.ID
	select {
	case <-gate:
		g.mu.Lock()
		g.running[inst.ID] = true
		g.mu.Unlock()
		return endpoint, nil
	case <-ctx.Done():
		return dmsd.Endpoint{}, ctx.Err()
	}
}

func (g *gatedClusters) StopCluster(_ context.Context, id string) error {
	g.count("stop")
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.running, id)
	return nil
}
func (g *gatedClusters) DestroyCluster(context.Context, string) error { g.count("destroy"); return nil }
func (g *gatedClusters) CheckCluster(context.Context, *dmsd.Instance) error {
	g.count("check")
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.checkErr
}
func (g *gatedClusters) Close() error { return nil }

type testBundle struct {
	ctx      context.Context
	path     string
	db       *sqlite.DB
	clusters *gatedClusters
	engine   *engine.Engine
	admin    *admin.Service
	actor    dmsd.Actor
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	b := &testBundle{ctx: context.Background(), path: filepath.Join(t.TempDir(), "dmsd.db"),
		actor: dmsd.Actor{ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "alice"}}
	b.start(t, newGatedClusters())
	return b
}

// start opens the database and starts working tasks against clusters, as a
// fresh process would.
func (b *testBundle) start(t *testing.T, clusters *gatedClusters) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	db, err := sqlite.Open(b.ctx, b.path, logger)
	require.NoError(t, err)
	b.db, b.clusters = db, clusters
	b.engine = engine.New(db, clusters, logger, nil)
	b.admin = admin.New(db, clusters)
	q, err := engine.NewQueue(db.RiverDriver(), engine.QueueConfig{Workers: b.engine.Workers(), RetryPolicy: engine.RetryPolicy(), PollInterval: sqlite.PollInterval})
	require.NoError(t, err)
	require.NoError(t, db.StartQueue(b.ctx, "", q))
	t.Cleanup(func() { b.stop(t, time.Minute) })
}

// stop stops the queue, giving running steps grace to finish, and closes the
// database. It is safe to call twice.
func (b *testBundle) stop(t *testing.T, grace time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	require.NoError(t, b.db.StopQueue(ctx))
	require.NoError(t, b.db.Close())
}

func (b *testBundle) waitTask(t *testing.T, inst *dmsd.Instance, taskID string, status dmsd.TaskStatus) *dmsd.Task {
	t.Helper()
	var task *dmsd.Task
	require.Eventually(t, func() bool {
		var err error
		task, err = b.db.FindTask(b.ctx, inst.ProjectID, inst.ID, taskID)
		require.NoError(t, err)
		return task.Status == status
	}, 10*time.Second, 2*time.Millisecond, "task never reached %s", status)
	return task
}

// createRunning creates an instance, lets its brokers start and waits for
// the task to succeed.
func (b *testBundle) createRunning(t *testing.T) *dmsd.Instance {
	t.Helper()
	inst := newInstance()
	create, err := b.engine.CreateInstance(b.ctx, b.actor, inst)
	require.NoError(t, err)
	<-b.clusters.entered
	b.clusters.release()
	b.waitTask(t, inst, create.ID, dmsd.TaskSuccess)
	return inst
}

// createRunningSASL creates an instance with SASL on, its access user
// admin-user, lets its brokers start and waits for its creation's SUCCESS.
func (b *testBundle) createRunningSASL(t *testing.T) *dmsd.Instance {
	t.Helper()
	inst := newInstance()
	inst.AccessUser, inst.AccessPassword = "admin-user", "Admin-Pass1"
	create, err := b.engine.CreateInstance(b.ctx, b.actor, inst)
	require.NoError(t, err)
	<-b.clusters.entered
	b.clusters.release()
	b.waitTask(t, inst, create.ID, dmsd.TaskSuccess)
	return inst
}

func newInstance() *dmsd.Instance {
	return &dmsd.Instance{
		Name: "engine-test", Engine: "kafka", EngineVersion: "3.x", BrokerNum: 1, StorageSpace: 100,
		StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "c6.2u4g.cluster",
		VpcID: "vpc", SubnetID: "subnet", SecurityGroupID: "sg", AvailableZones: []string{dmsd.DefaultZoneID},
	}
}

func TestRunningTaskHoldsItsInstance(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := newInstance()
	task, err := b.engine.CreateInstance(b.ctx, b.actor, inst)
	require.NoError(t, err)
	<-b.clusters.entered // The task is inside its first step.

	running, err := b.db.FindTask(b.ctx, b.actor.ProjectID, inst.ID, task.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.TaskExecuting, running.Status)
	require.Equal(t, dmsd.StepExecuting, running.Steps[0].Status)
	require.Equal(t, 0, running.Progress())

	_, err = b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.Equal(t, dmsd.EINSTANCESTATUS, dmsd.ErrorCode(err), "a second operation waits for the first: the instance is CREATING")
	_, err = b.engine.SetAutoTopic(b.ctx, b.actor, inst.ID, true)
	require.Error(t, err)
	require.Equal(t, dmsd.ETASKRUNNING, dmsd.ErrorCode(b.db.DeleteTask(b.ctx, b.actor.ProjectID, inst.ID, task.ID)))
	_, count, err := b.db.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: b.actor.ProjectID, InstanceID: inst.ID, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, 1, count, "refused operations create no task")

	b.clusters.release()
	done := b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	require.Equal(t, 100, done.Progress())
	for _, s := range done.Steps {
		require.Equal(t, dmsd.StepSuccess, s.Status)
		require.False(t, s.EndedAt.Before(s.StartedAt))
	}
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceRunning, got.Status)
	require.Equal(t, []int{19092}, got.Ports)
	require.NoError(t, b.db.DeleteTask(b.ctx, b.actor.ProjectID, inst.ID, task.ID))
}

func TestInterruptedTaskResumesAtItsStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)

	restart, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	b.clusters.hold()    // Hold the next start.
	<-b.clusters.entered // STOP_BROKERS done, inside START_BROKERS.
	require.Equal(t, 1, b.clusters.Calls("stop"))

	// Shut down with no grace: the step is cancelled and the task stays
	// EXECUTING, not FAILED.
	b.stop(t, time.Millisecond)
	reopened, err := sqlite.Open(b.ctx, b.path, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	task, err := reopened.FindTask(b.ctx, b.actor.ProjectID, inst.ID, restart.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.TaskExecuting, task.Status)
	require.Equal(t, dmsd.StepSuccess, task.Steps[0].Status)
	require.Equal(t, dmsd.StepExecuting, task.Steps[1].Status)
	require.NoError(t, reopened.Close())

	// A new process resumes at START_BROKERS without stopping the brokers again.
	next := newGatedClusters()
	next.release()
	b.start(t, next)
	done := b.waitTask(t, inst, restart.ID, dmsd.TaskSuccess)
	require.Equal(t, 0, next.Calls("stop"))
	require.Equal(t, 1, next.Calls("start"))
	require.Equal(t, 1, next.Calls("check"))
	require.Equal(t, 100, done.Progress())
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceRunning, got.Status)
}

func TestFailedStepFailsTaskWithReason(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)

	// A restart whose cluster does not come back leaves the instance in
	// ERROR with a FAILED task that says why.
	b.clusters.mu.Lock()
	b.clusters.checkErr = errors.New("1 of 1 brokers did not answer")
	b.clusters.mu.Unlock()
	restart, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	failed := b.waitTask(t, inst, restart.ID, dmsd.TaskFailed)
	require.Contains(t, failed.Reason, "CHECK_CLUSTER: 1 of 1 brokers did not answer")
	require.Equal(t, dmsd.StepFailed, failed.Steps[2].Status)
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceError, got.Status)

	// A failed task is finished: it may be deleted, and the instance takes
	// a new operation.
	require.NoError(t, b.db.DeleteTask(b.ctx, b.actor.ProjectID, inst.ID, restart.ID))
	b.clusters.mu.Lock()
	b.clusters.checkErr = nil
	b.clusters.mu.Unlock()
	again, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	b.waitTask(t, inst, again.ID, dmsd.TaskSuccess)
}

func TestRetryPolicyWaitsBriefly(t *testing.T) {
	t.Parallel()
	policy := engine.RetryPolicy()
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 90: 30 * time.Second} {
		next := policy.NextRetry(&rivertype.JobRow{Attempt: attempt})
		require.WithinDuration(t, time.Now().Add(want), next, time.Second, "attempt %d", attempt)
	}
}
