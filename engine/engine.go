// Package engine runs dmsd's background tasks: it turns instance operations
// into task records, and works their River jobs step by step, recording each
// step's progress so that a task interrupted by a crash or a shutdown resumes
// at the step it was in.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/admin"
)

// stepTimeout bounds one step, so that a cluster that never answers fails its
// task instead of holding the instance forever.
const stepTimeout = 2 * time.Minute

// Engine runs background tasks against a store and the clusters.
type Engine struct {
	replica  string
	store    dmsd.Store
	clusters dmsd.Clusters
	logger   *slog.Logger
	duration *prometheus.HistogramVec
	// quota, when set, limits each project's instances and brokers.
	quota *dmsd.Quota
	// kinds are the task kinds it runs, by name.
	kinds map[string]kind
	// admin answers the checks that tasks share with the synchronous
	// operations (a RUNNING instance and its cluster).
	admin *admin.Service
	// recycle, when set, keeps each project's recycle bin policy;
	// recycleDay is how long a retention day lasts.
	recycle    dmsd.RecycleStore
	recycleDay time.Duration
	// reports keeps diagnosis reports; and diagnosisInterval is how far apart a diagnosis samples offsets.
	reports           dmsd.DiagnosisStore
	diagnosisInterval time.Duration
	// logs are the instances' logs this process collects (rebalance logs
	// and the brokers' lines).
	logs *instanceLogs
	// turnWait bounds how long a submission of a kind that waits its turn
	// (Kind.Waits) waits for the instance's unfinished task.
	turnWait time.Duration
}

// Option changes an engine from its defaults.
type Option func(*Engine)

// Replica names the replica the engine runs on (default dmsd.DefaultReplica):
// the instances it creates are hosted there, and at start it brings up only
// the clusters it hosts.
func Replica(id string) Option { return func(e *Engine) { e.replica = id } }

// New returns an engine that finds each instance's cluster through
// clusters. It registers its task duration histogram with reg
// when reg is not nil.
func New(store dmsd.Store, clusters dmsd.Clusters, logger *slog.Logger, reg prometheus.Registerer, opts ...Option) *Engine {
	e := &Engine{
		replica:    dmsd.DefaultReplica,
		store:      store,
		clusters:   clusters,
		admin:      admin.New(store, clusters),
		kinds:      kinds,
		recycleDay: 24 * time.Hour,
		logger:     logger,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dmsd_task_duration_seconds",
			Help:    "Time from a task's creation to its end, by task name and final status.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}, []string{"name", "status"}),
	}
	e.reports = store
	e.diagnosisInterval = defaultDiagnosisInterval
	e.turnWait = defaultTurnWait
	e.logs = newInstanceLogs(store, store, clusters, logger)
	for _, opt := range opts {
		opt(e)
	}
	e.logs.replica = e.replica
	if reg != nil {
		reg.MustRegister(e.duration)
	}
	return e
}

// Workers returns the River workers that run tasks, for the store's queue.
func (e *Engine) Workers() *river.Workers {
	workers := river.NewWorkers()
	river.AddWorker(workers, &taskWorker{engine: e})
	return workers
}

// StartClusters starts the cluster of every RUNNING instance this replica
// hosts, as they were when the previous process stopped. Instances in the middle of an operation
// are brought up by their task when it resumes. Then it resumes collecting
// the logs that are on and that this replica collects. It returns the errors
// of the clusters that failed to start, having tried them all, and the
// store's error listing the logs.
func (e *Engine) StartClusters(ctx context.Context) error {
	instances, err := e.store.ListAllInstances(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, inst := range instances {
		if inst.Status != dmsd.InstanceRunning || dmsd.QueueOf(inst.Host) != dmsd.QueueOf(e.replica) {
			continue
		}
		c, err := e.clusters.For(inst)
		if err != nil {
			errs = append(errs, fmt.Errorf("instance %s: %w", inst.ID, err))
			continue
		}
		if c.Allows(dmsd.RunBrokers) != nil {
			continue // dmsd runs nothing for this cluster.
		}
		if _, err := c.StartCluster(ctx, inst); err != nil {
			errs = append(errs, fmt.Errorf("instance %s: %w", inst.ID, err))
		}
	}
	// The logs that were on when the previous process stopped go on
	// collecting here, once the clusters they read are up.
	if err := e.logs.resume(ctx); err != nil {
		errs = append(errs, fmt.Errorf("logs: %w", err))
	}
	return errors.Join(errs...)
}

type taskWorker struct {
	river.WorkerDefaults[dmsd.TaskJob]
	engine *Engine
}

// Work runs the task's remaining steps. A step error fails the task and
// returns nil, as a failed operation is reported, not retried; only when ctx
// ends (shutdown) does it return an error, leaving the task EXECUTING for
// River to work again on the next start.
func (w *taskWorker) Work(ctx context.Context, job *river.Job[dmsd.TaskJob]) error {
	return w.engine.runTask(ctx, job.Args.TaskID, job.ID)
}

// scheduledWait is how long a scheduled task that comes due while another
// task of its instance runs waits before it tries to start again.
const scheduledWait = time.Second

// runTask works the task's job: jobID is the River job, 0 when unknown.
func (e *Engine) runTask(ctx context.Context, taskID string, jobID int64) error {
	// The instance with the task, in one read: a quick task's steps start
	// from it (runQuick).
	t, inst, err := e.store.FindTaskRun(ctx, taskID)
	if dmsd.ErrorCode(err) == dmsd.ETASKNOTFOUND {
		return nil // Its instance was deleted meanwhile: nothing is left to do.
	} else if err != nil {
		return err
	}
	if t.Status.Finished() {
		return nil
	}
	if jobID != 0 && t.JobID != 0 && jobID != t.JobID {
		return nil // The job of a task rescheduled since: its new job runs it.
	}
	if t.Status == dmsd.TaskCreated && t.Scheduled() {
		if d := time.Until(t.ExecuteAt); d > 0 {
			return river.JobSnooze(d) // Fetched a little early.
		}
	}
	k, ok := e.kindOf(t)
	if !ok {
		t.Status, t.Reason, t.UpdatedAt = dmsd.TaskFailed, "unknown task kind "+t.Name, dmsd.Now()
		return e.store.UpdateTask(ctx, t, "")
	}
	logger := e.logger.With("task_id", t.ID, "task", t.Name, "instance_id", t.InstanceID)
	if t.JobID == 0 {
		t.JobID = jobID // Its finish ends the job that runs it.
	}
	if _, removes := k.ending(false); k.quick() && !removes && t.Status == dmsd.TaskCreated && !t.Scheduled() {
		return e.runQuick(ctx, logger, t, inst, k, jobID)
	}
	// saved is the step whose start this run has saved already (with the
	// task's start or the previous step's end), -1 for none: each write
	// saves one change of progress, never two writes for one.
	saved := -1
	if t.Status == dmsd.TaskCreated {
		// Only here does a scheduled task become its instance's running
		// task; while another one runs, it waits and tries again.
		now := dmsd.Now()
		switch err := e.store.StartTask(ctx, t.ID, jobID, now); dmsd.ErrorCode(err) {
		case "":
		case dmsd.ETASKRUNNING:
			logger.Debug("scheduled task waits for the instance's running task")
			return river.JobSnooze(scheduledWait)
		case dmsd.ETASKNOTFOUND:
			return nil // Cancelled or deleted meanwhile.
		default:
			return err
		}
		// StartTask saved the first step's start with the task's.
		t.Status, t.UpdatedAt = dmsd.TaskExecuting, now
		if i := firstUnfinishedStep(t.Steps); i >= 0 {
			t.Steps[i].Status, t.Steps[i].StartedAt = dmsd.StepExecuting, now
			saved = i
		}
		logger.Info("task started")
	} else {
		logger.Info("task resumed")
	}

	names := k.stepNames()
	for i := range names {
		if t.Steps[i].Status == dmsd.StepSuccess {
			continue
		}
		if i != saved {
			t.Steps[i].Status, t.Steps[i].StartedAt = dmsd.StepExecuting, dmsd.Now()
			t.UpdatedAt = t.Steps[i].StartedAt
			if err := e.store.UpdateTask(ctx, t, ""); err != nil {
				return err
			}
		}
		if err := e.doStep(ctx, logger, stepStore{e.store}, t, k, i); err != nil {
			return err // Interrupted: it resumes at this step.
		}
		now := t.UpdatedAt
		if t.Status == dmsd.TaskFailed {
			e.duration.WithLabelValues(t.Name, string(t.Status)).Observe(now.Sub(t.CreatedAt).Seconds())
			status, _ := k.ending(true)
			return e.store.UpdateTask(context.WithoutCancel(ctx), t, status)
		}
		if _, removed := k.ending(false); removed && i == len(names)-1 {
			break // The last step deleted the instance and this record with it.
		}
		if i < len(names)-1 {
			// The step's end and the next one's start are one write: a
			// crash after it resumes at the next step, as it would have
			// after the end alone.
			if next := &t.Steps[i+1]; next.Status != dmsd.StepSuccess {
				next.Status, next.StartedAt = dmsd.StepExecuting, now
				saved = i + 1
			}
			if err := e.store.UpdateTask(ctx, t, ""); err != nil {
				return err
			}
		}
	}
	t.Status = dmsd.TaskSuccess
	e.duration.WithLabelValues(t.Name, string(t.Status)).Observe(t.UpdatedAt.Sub(t.CreatedAt).Seconds())
	logger.Info("task succeeded", "duration", t.UpdatedAt.Sub(t.CreatedAt))
	status, removed := k.ending(false)
	if removed {
		return nil
	}
	return e.store.UpdateTask(context.WithoutCancel(ctx), t, status)
}

// doStep runs step i of t, its steps seeing the instances through st, and
// records on t how it ended: its end time and SUCCESS, or, when it failed,
// FAILED with the task failed and the step's error as its reason. It returns
// the step's error only when the step was interrupted (a shutdown, the
// database away), recording nothing: the step runs again when River retries
// the job.
func (e *Engine) doStep(ctx context.Context, logger *slog.Logger, st dmsd.InstanceStore, t *dmsd.Task, k kind, i int) error {
	name := t.Steps[i].Name
	err := e.runStep(ctx, st, t, k, i)
	if err != nil && (ctx.Err() != nil || dmsd.ErrorCode(err) == dmsd.EUNAVAILABLE) {
		logger.Info("task interrupted; the step runs again", "step", name, "error", err)
		return err
	}
	now := dmsd.Now()
	t.Steps[i].EndedAt, t.UpdatedAt = now, now
	if err != nil {
		t.Steps[i].Status, t.Status, t.Reason = dmsd.StepFailed, dmsd.TaskFailed, name+": "+reasonOf(err)
		logger.Warn("task failed", "step", name, "error", err)
		return nil
	}
	t.Steps[i].Status = dmsd.StepSuccess
	return nil
}

// reasonOf returns what a failed task says about its error: a *dmsd.Error's
// message, or the error's text.
func reasonOf(err error) string {
	var derr *dmsd.Error
	if errors.As(err, &derr) {
		return derr.Message
	}
	return err.Error()
}

// runStep runs step i of t, its steps seeing the instances through st.
func (e *Engine) runStep(ctx context.Context, st dmsd.InstanceStore, t *dmsd.Task, k kind, i int) (err error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	inst, err := st.FindInstance(ctx, t.ProjectID, t.InstanceID)
	if err != nil {
		return err
	}
	c, err := e.clusters.For(inst)
	if err != nil {
		return err
	}
	return k.runStep(ctx, &deps{store: st, cluster: c, reports: e.reports, interval: e.diagnosisInterval, logs: e.logs}, t, inst, i)
}

// RetryPolicy returns the River retry policy for task jobs. A task job is
// retried only when its step was cut short by a shutdown or a database outage,
// so it waits briefly: 1, 2, 4 ... seconds, at most 30, rather than River's
// default, which grows to hours.
func RetryPolicy() river.ClientRetryPolicy { return retryPolicy{} }

type retryPolicy struct{}

// NextRetry returns when the job is worked again: 1, 2, 4 ... seconds after
// now for its first attempts, then every 30 seconds.
func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	backoff := 30 * time.Second
	if job.Attempt < 6 {
		backoff = time.Second << max(job.Attempt-1, 0)
	}
	return time.Now().Add(backoff)
}

// firstUnfinishedStep returns the index of the first step that has not
// succeeded, the one a task starts or resumes at (and the one the store's
// StartTask marks IN_PROGRESS), or -1 if there is none.
func firstUnfinishedStep(steps []dmsd.Step) int {
	for i, s := range steps {
		if s.Status != dmsd.StepSuccess {
			return i
		}
	}
	return -1
}
