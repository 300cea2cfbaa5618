package engine

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/dmsd/dmsd"
)

// QueueConfig tunes task execution.
type QueueConfig struct {
	// Workers runs tasks; it must hold a worker for dmsd.TaskJob
	// (Engine.Workers).
	Workers *river.Workers
	// Replica names this process: it works the tasks of the instances it
	// hosts (dmsd.QueueOf) and the shared queue. Empty means
	// dmsd.DefaultReplica.
	Replica string
	// RetryPolicy decides when an interrupted job runs again; nil means
	// River's default (RetryPolicy is the engine's).
	RetryPolicy river.ClientRetryPolicy
	// MaxWorkers is how many tasks run at once on each queue; 0 means 20.
	MaxWorkers int
	// PollInterval is how often due jobs are looked for; 0 means River's
	// default.
	PollInterval time.Duration
	// RescueAfter is how long a job may stay running before River takes it
	// for abandoned (its replica died) and works it again elsewhere; 0
	// means River's default. It must exceed the longest a task takes.
	RescueAfter time.Duration
	// Logger logs River's events; nil discards them.
	Logger *slog.Logger
}

// FetchCooldown is the least time between two fetches of one queue's jobs.
const FetchCooldown = 10 * time.Millisecond

// NotifyCooldown is the least time between two of River's insert
// notifications to one queue. By River's default, the fetch cooldown, a
// submission that committed just after the fetch its predecessor's
// notification woke sent none, and waited a round or a poll for the next
// fetch: on 20 instances each running one task after the other, a third of
// the tasks waited more than 20 ms on PostgreSQL, and some waited for the
// 200 ms poll on SQLite. A notification costs the submission one small
// statement, and the workers still fetch at most once per FetchCooldown
// however many arrive.
const NotifyCooldown = time.Millisecond

// Queue is the task queue: a River client on the backend's River driver. The
// store inserts and cancels its jobs inside its own transactions (Insert and
// Cancel take the backend's transaction); the engine's workers work them.
type Queue struct {
	started atomic.Bool
	client  interface {
		Start(ctx context.Context) error
		Stop(ctx context.Context) error
		StopAndCancel(ctx context.Context) error
		Stopped() <-chan struct{}
	}
	insert func(ctx context.Context, tx any, args dmsd.TaskJob, opts *river.InsertOpts) (int64, error)
	cancel func(ctx context.Context, tx any, jobID int64) error
}

// NewQueue returns the task queue on driver, not started. It returns an error
// if River refuses the configuration.
func NewQueue[TTx any](driver riverdriver.Driver[TTx], cfg QueueConfig) (*Queue, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	workers := cmp.Or(cfg.MaxWorkers, 20)
	queue := river.QueueConfig{MaxWorkers: workers, FetchCooldown: FetchCooldown}
	client, err := river.NewClient(driver, &river.Config{
		Logger: logger.With("component", "river"),
		// Its own queue, which only this replica works, and the shared one,
		// whose jobs River rescues after RescueAfter if a replica dies
		// working them.
		Queues: map[string]river.QueueConfig{
			dmsd.QueueOf(cfg.Replica): queue,
			dmsd.SharedQueue:          queue,
		},
		Workers:     cfg.Workers,
		RetryPolicy: cfg.RetryPolicy,
		// River limits its insert notifications by the client's fetch
		// cooldown, the queues' own cooldown stays FetchCooldown.
		FetchCooldown:        NotifyCooldown,
		FetchPollInterval:    cfg.PollInterval,
		RescueStuckJobsAfter: cfg.RescueAfter,
		// Task steps report their own progress; a step such as starting a
		// cluster may take a while, and the engine bounds each step itself.
		JobTimeout: -1,
	})
	if err != nil {
		return nil, err
	}
	return &Queue{
		client: client,
		insert: func(ctx context.Context, tx any, args dmsd.TaskJob, opts *river.InsertOpts) (int64, error) {
			res, err := client.InsertTx(ctx, tx.(TTx), args, opts)
			if err != nil {
				return 0, err
			}
			return res.Job.ID, nil
		},
		cancel: func(ctx context.Context, tx any, jobID int64) error {
			_, err := client.JobCancelTx(ctx, tx.(TTx), jobID)
			return err
		},
	}, nil
}

// Insert queues the job of a task in tx, the backend's transaction, to run at
// at (at once when zero) on queue, and returns its id.
func (q *Queue) Insert(ctx context.Context, tx any, taskID, queue string, at time.Time) (int64, error) {
	return q.insert(ctx, tx, dmsd.TaskJob{TaskID: taskID}, &river.InsertOpts{MaxAttempts: 100, Queue: queue, ScheduledAt: at})
}

// Cancel cancels a job in tx; a job that is gone or finished is fine.
func (q *Queue) Cancel(ctx context.Context, tx any, jobID int64) error {
	if err := q.cancel(ctx, tx, jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
		return err
	}
	return nil
}

// Start starts working jobs. It returns an error if River cannot start.
func (q *Queue) Start(ctx context.Context) error {
	q.started.Store(true)
	return q.client.Start(ctx)
}

// Stop stops working jobs. It lets running task steps finish until ctx is
// done, then cancels them, which makes them checkpoint and retry on the next
// start. It is safe to call more than once and before Start.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.started.Load() {
		return nil
	}
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = q.client.StopAndCancel(stopCtx)
	}
	return err
}

// StopAndCancel stops working jobs, cancelling the running ones at once.
func (q *Queue) StopAndCancel(ctx context.Context) error { return q.client.StopAndCancel(ctx) }

// Running reports whether the queue was started and has not stopped since.
func (q *Queue) Running() bool {
	if !q.started.Load() {
		return false
	}
	select {
	case <-q.client.Stopped():
		return false
	default:
		return true
	}
}
