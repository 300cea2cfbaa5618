package engine_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/postgres"
	"github.com/dmsd/dmsd/sqlite"
	"github.com/dmsd/dmsd/store"
	"github.com/dmsd/dmsd/storetest"
)

// BenchmarkTaskThroughputRatio measures the engine's overhead: tasks of a
// cheap kind (changeRetentionPolicy, submitted as UpdateInstance does) per
// second, on 20 instances each running one task after the other, divided by
// bare River no-op jobs per second, 20 slots each inserting one job after
// the other, on the same River driver with the same number of workers, fetch
// cooldown and poll interval. The two alternate, in rounds of 20 tasks (jobs)
// per instance (slot); each iteration is one round of each. It reports the
// median ratio of the rounds with its min and max, the medians of both
// rates, and on SQLite the write transactions per task, River's included
// (-v logs each round). Run it with:
//
//	go test ./engine/ -run '^$' -bench TaskThroughputRatio -benchtime 8x
//
// PostgreSQL runs when TEST_DATABASE_URL is set; both sides poll at
// postgres.PollInterval there, as serve's queue does.
func BenchmarkTaskThroughputRatio(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "dmsd.db"), slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchThroughput(b, db, db.RiverDriver(), sqlite.PollInterval, db.Commits)
	})
	b.Run("postgres", func(b *testing.B) {
		url := storetest.PostgresURL(b)
		db, err := postgres.Open(context.Background(), url, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchThroughput(b, db, db.RiverDriver(), postgres.PollInterval, nil)
	})
}

// benchDB is what both backends' DB are to the benchmark.
type benchDB interface {
	dmsd.Store
	StartQueue(ctx context.Context, replica string, q store.Queue) error
	StopQueue(ctx context.Context) error
}

// finishStore tells, per instance, when a task of it has finished: it is the
// engine's store, signalling after the task's last write commits.
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

const (
	benchInstances = 20
	benchPerRound  = 20
	benchWait      = 30 * time.Second
)

func benchThroughput[TTx any](b *testing.B, db benchDB, driver riverdriver.Driver[TTx], poll time.Duration, writes func() uint64) {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	clusters := newGatedClusters()
	clusters.release()
	fs := &finishStore{Store: db, finished: map[string]chan struct{}{}}
	eng := engine.New(fs, clusters, logger, nil)
	q, err := engine.NewQueue(driver, engine.QueueConfig{Workers: eng.Workers(), RetryPolicy: engine.RetryPolicy(), PollInterval: poll})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.StartQueue(ctx, "", q); err != nil {
		b.Fatal(err)
	}
	defer db.StopQueue(ctx)

	noop := &noopWorker{}
	workers := river.NewWorkers()
	river.AddWorker(workers, noop)
	bare, err := river.NewClient(driver, &river.Config{
		Logger:            logger,
		Queues:            map[string]river.QueueConfig{"bench_noop": {MaxWorkers: 20}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: poll,
		JobTimeout:        -1,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := bare.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer bare.Stop(ctx)

	wait := func(ch chan struct{}) {
		select {
		case <-ch:
		case <-time.After(benchWait):
			b.Fatal("a task or job did not finish in time")
		}
	}
	actor := dmsd.Actor{ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "bench"}
	ids := make([]string, benchInstances)
	for i := range ids {
		inst := newInstance()
		create, err := eng.CreateInstance(ctx, actor, inst)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = create.InstanceID
	}
	for _, id := range ids {
		wait(fs.of(id))
		noop.done = append(noop.done, make(chan struct{}, 1))
	}

	// run runs benchPerRound units on every slot at once and returns the
	// rate of units per second.
	run := func(unit func(slot, n int) error, done func(slot int) chan struct{}) float64 {
		start := time.Now()
		errs := make(chan error, benchInstances)
		for slot := range benchInstances {
			go func() {
				for n := range benchPerRound {
					if err := unit(slot, n); err != nil {
						errs <- err
						return
					}
					select {
					case <-done(slot):
					case <-time.After(benchWait):
						errs <- fmt.Errorf("slot %d: not finished in %s", slot, benchWait)
						return
					}
				}
				errs <- nil
			}()
		}
		for range benchInstances {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		return float64(benchInstances*benchPerRound) / time.Since(start).Seconds()
	}
	policies := []string{"produce_reject", "time_base"}
	task := func(slot, n int) error {
		// Each instance starts at time_base; alternate from there.
		p := policies[n%2]
		_, err := eng.UpdateInstance(ctx, actor, ids[slot], &dmsd.InstanceUpdate{RetentionPolicy: &p})
		return err
	}
	job := func(slot, _ int) error {
		_, err := bare.Insert(ctx, noopArgs{Slot: slot}, &river.InsertOpts{Queue: "bench_noop", MaxAttempts: 100})
		return err
	}
	var ratios, taskRates, jobRates []float64
	var writeCount uint64
	var tasks int
	b.ResetTimer()
	for i := range b.N {
		var tr, jr float64
		measureTasks := func() {
			before := uint64(0)
			if writes != nil {
				before = writes()
			}
			tr = run(task, func(slot int) chan struct{} { return fs.of(ids[slot]) })
			if writes != nil {
				writeCount += writes() - before
			}
			tasks += benchInstances * benchPerRound
			// Every round starts from time_base again.
			if benchPerRound%2 == 1 {
				policies[0], policies[1] = policies[1], policies[0]
			}
		}
		measureJobs := func() { jr = run(job, func(slot int) chan struct{} { return noop.done[slot] }) }
		if i%2 == 0 {
			measureTasks()
			measureJobs()
		} else {
			measureJobs()
			measureTasks()
		}
		b.Logf("round %d: %.0f tasks/s, %.0f jobs/s, ratio %.3f", i, tr, jr, tr/jr)
		ratios, taskRates, jobRates = append(ratios, tr/jr), append(taskRates, tr), append(jobRates, jr)
	}
	b.StopTimer()
	slices.Sort(ratios)
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(ratios[0], "ratio-min")
	b.ReportMetric(ratios[len(ratios)-1], "ratio-max")
	b.ReportMetric(median(taskRates), "tasks/s")
	b.ReportMetric(median(jobRates), "jobs/s")
	if writes != nil {
		b.ReportMetric(float64(writeCount)/float64(tasks), "writes/task")
	}
	b.ReportMetric(0, "ns/op")
}

// median returns the median of values, sorting them.
func median(values []float64) float64 {
	slices.Sort(values)
	n := len(values)
	if n%2 == 1 {
		return values[n/2]
	}
	return (values[n/2-1] + values[n/2]) / 2
}
