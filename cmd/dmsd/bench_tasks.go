package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/kafka"
	"github.com/dmsd/dmsd/sqlite"
)

// benchWait bounds the wait for one task or job of the throughput
// measurement.
const benchWait = time.Minute

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

// UpdateTask is the store's, and signals the instance's channel once a task
// finished.
func (s *finishStore) UpdateTask(ctx context.Context, t *dmsd.Task, status dmsd.InstanceStatus) error {
	err := s.Store.UpdateTask(ctx, t, status)
	if err == nil && t.Status.Finished() {
		s.of(t.InstanceID) <- struct{}{}
	}
	return err
}

// benchNoopArgs is the bare River job that the tasks are compared with.
type benchNoopArgs struct {
	Slot int `json:"slot"`
}

func (benchNoopArgs) Kind() string { return "bench_noop" }

type benchNoopWorker struct {
	river.WorkerDefaults[benchNoopArgs]
	done []chan struct{}
}

func (w *benchNoopWorker) Work(_ context.Context, job *river.Job[benchNoopArgs]) error {
	w.done[job.Args.Slot] <- struct{}{}
	return nil
}

// benchTasks measures the engine on SQLite with embedded clusters, through
// its public API as the HTTP handlers call it: changeRetentionPolicy tasks
// (UpdateInstance) per second on cfg.taskInstances instances, each running
// cfg.perRound tasks one after the other, over bare River no-op jobs per
// second on as many slots, on the same River driver with as many workers,
// the same fetch cooldown and poll interval, in cfg.rounds rounds that
// alternate their order. It also counts the store's write transactions per
// task and the bytes a finished task record takes in the database.
func benchTasks(ctx context.Context, cfg benchConfig, dir string) ([]benchRow, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	logger := slog.New(slog.DiscardHandler)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "dmsd.db"), logger)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	clusters := &kafka.Clusters{Embedded: kafka.NewEmbedded(filepath.Join(dir, "kafka"), logger)}
	defer clusters.Embedded.Close()
	fs := &finishStore{Store: db, finished: map[string]chan struct{}{}}
	eng := engine.New(fs, clusters, logger, nil)
	q, err := engine.NewQueue(db.RiverDriver(), engine.QueueConfig{Workers: eng.Workers(), RetryPolicy: engine.RetryPolicy(), PollInterval: sqlite.PollInterval})
	if err != nil {
		return nil, err
	}
	if err := db.StartQueue(ctx, "", q); err != nil {
		return nil, err
	}
	defer db.StopQueue(context.WithoutCancel(ctx))

	slots := cfg.taskInstances
	noop := &benchNoopWorker{}
	workers := river.NewWorkers()
	river.AddWorker(workers, noop)
	bare, err := river.NewClient(db.RiverDriver(), &river.Config{
		Logger:            logger,
		Queues:            map[string]river.QueueConfig{"bench_noop": {MaxWorkers: slots}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: sqlite.PollInterval,
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
		case <-time.After(benchWait):
			return fmt.Errorf("a task or job did not finish in %s", benchWait)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	actor := dmsd.Actor{ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "bench"}
	ids := make([]string, slots)
	for i := range ids {
		inst := &dmsd.Instance{
			Name: fmt.Sprintf("bench-tasks-%d", i), Engine: "kafka", EngineVersion: "3.x", BrokerNum: 1, StorageSpace: 100,
			StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "c6.2u4g.cluster",
			VpcID: "vpc", SubnetID: "subnet", SecurityGroupID: "sg", AvailableZones: []string{dmsd.DefaultZoneID},
		}
		create, err := eng.CreateInstance(ctx, actor, inst)
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

	// run runs cfg.perRound units on every slot at once and returns the
	// rate of units per second.
	run := func(unit func(slot, n int) error, done func(slot int) chan struct{}) (float64, error) {
		start := time.Now()
		errs := make(chan error, slots)
		for slot := range slots {
			go func() {
				for n := range cfg.perRound {
					if err := unit(slot, n); err != nil {
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
		var first error
		for range slots {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		return float64(slots*cfg.perRound) / time.Since(start).Seconds(), first
	}
	// Each instance starts at time_base, and every task changes its policy.
	policies := []string{"produce_reject", "time_base"}
	changes := make([]int, slots)
	task := func(slot, _ int) error {
		p := policies[changes[slot]%2]
		changes[slot]++
		_, err := eng.UpdateInstance(ctx, actor, ids[slot], &dmsd.InstanceUpdate{RetentionPolicy: &p})
		return err
	}
	job := func(slot, _ int) error {
		_, err := bare.Insert(ctx, benchNoopArgs{Slot: slot}, &river.InsertOpts{Queue: "bench_noop", MaxAttempts: 100})
		return err
	}
	var taskRates, jobRates, writesPerTask []float64
	for round := range cfg.rounds {
		var tr, jr float64
		measureTasks := func() error {
			before := db.WriteTransactions()
			var err error
			tr, err = run(task, func(slot int) chan struct{} { return fs.of(ids[slot]) })
			writesPerTask = append(writesPerTask, float64(db.WriteTransactions()-before)/float64(slots*cfg.perRound))
			return err
		}
		measureJobs := func() error {
			var err error
			jr, err = run(job, func(slot int) chan struct{} { return noop.done[slot] })
			return err
		}
		order := []func() error{measureTasks, measureJobs}
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, m := range order {
			if err := m(); err != nil {
				return nil, err
			}
		}
		taskRates, jobRates = append(taskRates, tr), append(jobRates, jr)
	}
	records, payload, err := db.TaskRecordBytes(ctx)
	if err != nil {
		return nil, err
	}
	perRecord := float64(payload) / float64(max(records, 1))
	return []benchRow{
		ratioRow(fmt.Sprintf("changeRetentionPolicy tasks/s on %d instances ÷ bare River no-op jobs/s", slots),
			roundRatios(taskRates, jobRates), 0.70, true, fmt.Sprintf("%.0f ÷ %.0f /s", benchMedian(taskRates), benchMedian(jobRates))),
		{name: "store write transactions per task", value: benchMedian(writesPerTask), spreadLo: slices.Min(writesPerTask), spreadHi: slices.Max(writesPerTask),
			spreadName: "min–max", goal: 3, measuredFrom: "changeRetentionPolicy on SQLite; River's completion of the job is its own"},
		{name: "bytes per finished task record", value: perRecord, spreadLo: perRecord, spreadHi: perRecord, spreadName: "one count",
			goal: 300, unit: "B", measuredFrom: fmt.Sprintf("rows and index entries (dbstat) of %d records", records)},
	}, nil
}
