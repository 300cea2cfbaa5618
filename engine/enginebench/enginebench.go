// Package enginebench measures the engine's overhead against bare River:
// tasks of a cheap kind per second over no-op River jobs per second, on the
// same driver with as many workers, the same fetch cooldown and poll
// interval. The engine's benchmark and `dmsd bench` both call Run, so the
// two report the same measurement.
package enginebench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/store"
)

// DB is what a backend's database is to the measurement.
type DB interface {
	dmsd.Store
	StartQueue(ctx context.Context, replica string, q store.Queue) error
	StopQueue(ctx context.Context) error
}

// Config is one measurement.
type Config struct {
	// Clusters give the instances their clusters.
	Clusters dmsd.Clusters
	// Poll is the queue's poll interval, the backend's own.
	Poll time.Duration
	// Instances run tasks at once, each one after the other; as many slots
	// insert bare jobs.
	Instances int
	// PerRound is how many tasks (jobs) each instance (slot) runs per round.
	PerRound int
	// Rounds alternate which side goes first.
	Rounds int
	// Wait bounds the wait for one task or job.
	Wait time.Duration
	// Writes, when set, counts the database's write transactions.
	Writes func() uint64
	// Statements, when set, counts the statements on the database's one
	// write connection (a SQLite database's), which every write waits for.
	Statements func() uint64
	// Logf, when set, is told each round's rates.
	Logf func(format string, args ...any)
}

// Result holds each round's rates and, when Config.Writes is set, its
// write transactions per task; when Config.Statements is set, its
// statements on the write connection per task and per bare job.
type Result struct {
	TaskRates, JobRates []float64
	WritesPerTask       []float64
	StatementsPerTask   []float64
	StatementsPerJob    []float64
}

// Run creates cfg.Instances instances through an engine on db and measures,
// in cfg.Rounds rounds, changeRetentionPolicy tasks (submitted as
// UpdateInstance does) per second against bare River no-op jobs per
// second. It returns the rates of every round, or the first error: an
// instance that is not RUNNING after its creation, a task or job not
// finished within cfg.Wait, or the engine's, River's or the context's.
func Run[TTx any](ctx context.Context, db DB, driver riverdriver.Driver[TTx], cfg Config) (*Result, error) {
	fs := &finishStore{Store: db, finished: map[string]chan struct{}{}}
	eng := engine.New(fs, cfg.Clusters, slog.New(slog.DiscardHandler), nil)
	q, err := engine.NewQueue(driver, engine.QueueConfig{Workers: eng.Workers(), RetryPolicy: engine.RetryPolicy(), PollInterval: cfg.Poll})
	if err != nil {
		return nil, err
	}
	if err := db.StartQueue(ctx, "", q); err != nil {
		return nil, err
	}
	defer db.StopQueue(context.WithoutCancel(ctx))

	noop := &noopWorker{}
	workers := river.NewWorkers()
	river.AddWorker(workers, noop)
	bare, err := river.NewClient(driver, &river.Config{
		Logger:  slog.New(slog.DiscardHandler),
		Queues:  map[string]river.QueueConfig{"bench_noop": {MaxWorkers: cfg.Instances, FetchCooldown: engine.FetchCooldown}},
		Workers: workers,
		// As the engine's queue notifies (engine.NotifyCooldown).
		FetchCooldown:     engine.NotifyCooldown,
		FetchPollInterval: cfg.Poll,
		JobTimeout:        -1,
	})
	if err != nil {
		return nil, err
	}
	if err := bare.Start(ctx); err != nil {
		return nil, err
	}
	defer bare.Stop(context.WithoutCancel(ctx))

	wait := func(ch chan struct{}) error {
		select {
		case <-ch:
			return nil
		case <-time.After(cfg.Wait):
			return fmt.Errorf("a task or job did not finish in %s", cfg.Wait)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	actor := dmsd.Actor{ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "bench"}
	ids := make([]string, cfg.Instances)
	for i := range ids {
		create, err := eng.CreateInstance(ctx, actor, &dmsd.Instance{
			Name: fmt.Sprintf("bench-tasks-%d", i), Engine: "kafka", EngineVersion: "3.x", BrokerNum: 1, StorageSpace: 100,
			StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "c6.2u4g.cluster",
			VpcID: "vpc", SubnetID: "subnet", SecurityGroupID: "sg", AvailableZones: []string{dmsd.DefaultZoneID},
		})
		if err != nil {
			return nil, err
		}
		ids[i] = create.InstanceID
	}
	for _, id := range ids {
		if err := wait(fs.of(id)); err != nil {
			return nil, err
		}
		inst, err := db.FindInstance(ctx, actor.ProjectID, id)
		if err != nil {
			return nil, err
		}
		if inst.Status != dmsd.InstanceRunning {
			return nil, fmt.Errorf("instance %s is %s after its creation", id, inst.Status)
		}
		noop.done = append(noop.done, make(chan struct{}, 1))
	}

	// run runs cfg.PerRound units on every slot at once and returns the
	// rate of units per second.
	run := func(unit func(slot int) error, done func(slot int) chan struct{}) (float64, error) {
		start := time.Now()
		errs := make(chan error, cfg.Instances)
		for slot := range cfg.Instances {
			go func() {
				for range cfg.PerRound {
					if err := unit(slot); err != nil {
						errs <- err
						return
					}
					if err := wait(done(slot)); err != nil {
						errs <- fmt.Errorf("slot %d: %w", slot, err)
						return
					}
				}
				errs <- nil
			}()
		}
		var all []error
		for range cfg.Instances {
			all = append(all, <-errs)
		}
		return float64(cfg.Instances*cfg.PerRound) / time.Since(start).Seconds(), errors.Join(all...)
	}
	// Each instance starts at time_base, and every task changes its policy.
	policies := []string{"produce_reject", "time_base"}
	changes := make([]int, cfg.Instances)
	task := func(slot int) error {
		p := policies[changes[slot]%2]
		changes[slot]++
		_, err := eng.UpdateInstance(ctx, actor, ids[slot], &dmsd.InstanceUpdate{RetentionPolicy: &p})
		return err
	}
	job := func(slot int) error {
		_, err := bare.Insert(ctx, noopArgs{Slot: slot}, &river.InsertOpts{Queue: "bench_noop", MaxAttempts: 100})
		return err
	}
	res := &Result{}
	// perUnit runs measure and, when count is set, adds to into what count
	// counted meanwhile, per task (job).
	perUnit := func(count func() uint64, into *[]float64, measure func() error) error {
		if count == nil {
			return measure()
		}
		before := count()
		err := measure()
		*into = append(*into, float64(count()-before)/float64(cfg.Instances*cfg.PerRound))
		return err
	}
	for round := range cfg.Rounds {
		var tr, jr float64
		measureTasks := func() error {
			return perUnit(cfg.Writes, &res.WritesPerTask, func() error {
				return perUnit(cfg.Statements, &res.StatementsPerTask, func() error {
					var err error
					tr, err = run(task, func(slot int) chan struct{} { return fs.of(ids[slot]) })
					return err
				})
			})
		}
		measureJobs := func() error {
			return perUnit(cfg.Statements, &res.StatementsPerJob, func() error {
				var err error
				jr, err = run(job, func(slot int) chan struct{} { return noop.done[slot] })
				return err
			})
		}
		first, second := measureTasks, measureJobs
		if round%2 == 1 {
			first, second = measureJobs, measureTasks
		}
		if err := first(); err != nil {
			return nil, err
		}
		if err := second(); err != nil {
			return nil, err
		}
		if cfg.Logf != nil {
			cfg.Logf("round %d: %.0f tasks/s, %.0f jobs/s, ratio %.3f", round, tr, jr, tr/jr)
		}
		res.TaskRates, res.JobRates = append(res.TaskRates, tr), append(res.JobRates, jr)
	}
	return res, nil
}

// finishStore tells, per instance, when a task of it has finished: it is the
// engine's store, signalling after the task's last write commits, whichever
// of the two ways the task ends.
type finishStore struct {
	dmsd.Store
	mu       sync.Mutex
	finished map[string]chan struct{}
}

// of returns the channel that a finished task of the instance signals.
func (s *finishStore) of(instanceID string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.finished[instanceID]
	if !ok {
		ch = make(chan struct{}, 1)
		s.finished[instanceID] = ch
	}
	return ch
}

func (s *finishStore) UpdateTask(ctx context.Context, t *dmsd.Task, status dmsd.InstanceStatus) error {
	err := s.Store.UpdateTask(ctx, t, status)
	if err == nil && t.Status.Finished() {
		s.of(t.InstanceID) <- struct{}{}
	}
	return err
}

func (s *finishStore) SaveTaskRun(ctx context.Context, t *dmsd.Task, jobID int64, inst *dmsd.Instance, status dmsd.InstanceStatus) error {
	err := s.Store.SaveTaskRun(ctx, t, jobID, inst, status)
	if err == nil {
		s.of(t.InstanceID) <- struct{}{}
	}
	return err
}

// noopArgs is the bare River job that the tasks are compared with.
type noopArgs struct {
	Slot int `json:"slot"`
}

func (noopArgs) Kind() string { return "bench_noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
	done []chan struct{}
}

func (w *noopWorker) Work(_ context.Context, job *river.Job[noopArgs]) error {
	w.done[job.Args.Slot] <- struct{}{}
	return nil
}
