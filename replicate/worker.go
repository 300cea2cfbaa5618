package replicate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Worker runs the replication tasks of the instances this replica owns
// (dmsd.Instance.Host): one process per replica holds the replica's lock, so
// one process at a time works a task. It looks at the tasks every 200 ms, so
// a task paused or deleted stops within a second.
type Worker struct {
	store   Store
	open    Opener
	replica string
	logger  *slog.Logger

	mu     sync.Mutex
	runs   map[string]*run
	cancel context.CancelFunc
	done   chan struct{}
	// suspended, while the replica's lock is lost, keeps runs from
	// starting (see Suspend); mu guards it and runs.
	suspended bool
	// wake makes the worker look at the tasks before its next tick (Wake).
	wake chan struct{}
}

type run struct {
	cancel context.CancelFunc
	done   chan struct{}
	task   *dmsd.ConnectTask // as it started: a change of settings restarts it
}

// NewWorker returns the worker of replica's tasks.
func NewWorker(store Store, open Opener, replica string, logger *slog.Logger) *Worker {
	return &Worker{store: store, open: open, replica: replica, logger: logger, runs: map[string]*run{}, wake: make(chan struct{}, 1)}
}

// Start starts watching the tasks, until Stop.
func (w *Worker) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancel, w.done = cancel, make(chan struct{})
	go w.watchTasks(ctx)
}

// Stop stops every task's copying and waits for it; stopping twice does
// nothing. Offsets saved stay: the next start continues from them.
func (w *Worker) Stop() {
	if w.cancel == nil {
		return
	}
	w.cancel()
	<-w.done
	w.cancel = nil
}

func (w *Worker) watchTasks(ctx context.Context) {
	defer close(w.done)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		w.reconcile(ctx)
		select {
		case <-ctx.Done():
			w.mu.Lock()
			for id := range w.runs {
				w.stopRun(id)
			}
			w.mu.Unlock()
			return
		case <-tick.C:
		case <-w.wake:
		}
	}
}

// reconcile starts the runs of tasks that should run here and stops the
// others.
func (w *Worker) reconcile(ctx context.Context) {
	tasks, err := w.store.ListConnectTasks(ctx, "")
	if err != nil {
		return // the database is away: runs go on, checked again next tick
	}
	want := map[string]*dmsd.ConnectTask{}
	for _, t := range tasks {
		if !t.Runs() {
			continue
		}
		inst, err := w.store.FindInstance(ctx, t.ProjectID, t.InstanceID)
		if err != nil || inst.ConnectorID == "" || (inst.Host != "" && inst.Host != w.replica) {
			continue
		}
		want[t.ID] = t
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.suspended {
		return
	}
	for id, r := range w.runs {
		if want[id] == nil || settingsChanged(r.task, want[id]) {
			w.stopRun(id)
		}
	}
	for id, t := range want {
		if w.runs[id] == nil {
			rctx, cancel := context.WithCancel(ctx)
			r := &run{cancel: cancel, done: make(chan struct{}), task: t}
			w.runs[id] = r
			go func() {
				defer close(r.done)
				w.runTask(rctx, t)
			}()
		}
	}
}

func (w *Worker) stopRun(id string) {
	r := w.runs[id]
	r.cancel()
	<-r.done
	delete(w.runs, id)
}

// runTask copies each flow of t until ctx ends, in task_num loops each
// (shares), retrying a failed loop after a pause with the task in ERROR and
// its reason.
func (w *Worker) runTask(ctx context.Context, t *dmsd.ConnectTask) {
	var wg sync.WaitGroup
	for _, l := range w.loops(ctx, t, &wg) {
		f, sh := l.flow, l.share
		wg.Add(1)
		go func() {
			defer wg.Done()
			backoff := 500 * time.Millisecond
			for ctx.Err() == nil {
				err := w.copyWatched(ctx, t, &f, sh)
				if ctx.Err() != nil {
					return
				}
				w.logger.Warn("replication task failed; retrying", "task", t.ID, "flow", f.Name, "error", err)
				_, _ = w.store.ReportConnectStatus(ctx, t.ID, dmsd.ConnectError, fmt.Sprintf("%s: %v", f.Name, err))
				select {
				case <-ctx.Done():
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, 5*time.Second)
			}
		}()
	}
	wg.Wait()
}

// sides returns the options of the flow's source and target clusters.
func (w *Worker) sides(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow) (src, dst []kgo.Opt, err error) {
	inst, err := w.store.FindInstance(ctx, t.ProjectID, t.InstanceID)
	if err != nil {
		return nil, nil, err
	}
	local, err := w.open.ClientOpts(inst)
	if err != nil {
		return nil, nil, err
	}
	peer, err := peerOpts(ctx, w.store, w.open, t)
	if err != nil {
		return nil, nil, err
	}
	if f.FromPeer {
		return peer, local, nil
	}
	return local, peer, nil
}

// copyFlow copies the partitions of the flow's topics that sh owns from
// where its saved offsets say until ctx ends or an error: each batch is
// written to the target, acknowledged, and only then are its offsets saved.
func (w *Worker) copyFlow(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, sh share) error {
	// What a process that stopped had sent and not seen acknowledged may
	// be on the target twice.
	if err := w.recoverBatches(ctx, t, f, sh); err != nil {
		return err
	}
	srcOpts, dstOpts, err := w.sides(ctx, t, f)
	if err != nil {
		return err
	}
	srcAdm, err := kgo.NewClient(srcOpts...)
	if err != nil {
		return err
	}
	defer srcAdm.Close()
	dst, err := kgo.NewClient(append(dstOpts, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchCompression(codec(f.Compressed)),
		kgo.ProducerLinger(0), kgo.MaxBufferedRecords(100000))...)
	if err != nil {
		return err
	}
	defer dst.Close()

	starts, err := w.prepare(ctx, t, f, sh, kadm.NewClient(srcAdm), kadm.NewClient(dst))
	if err != nil {
		return err
	}
	if len(starts) == 0 {
		// No topic to copy yet: look again later.
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
		return nil
	}
	src, err := kgo.NewClient(append(srcOpts, kgo.ConsumePartitions(starts), kgo.FetchMaxWait(200*time.Millisecond),
		// A batch is what one poll returns: bounded, so that what a crash
		// may repeat stays small.
		kgo.FetchMaxBytes(4<<20), kgo.FetchMaxPartitionBytes(2<<20))...)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := w.store.ReportConnectStatus(ctx, t.ID, dmsd.ConnectRunning, ""); err != nil {
		return err
	}

	ctx, pipe := w.newPipeline(ctx, t, f, sh, dst)
	defer pipe.close()
	for {
		fs := src.PollRecords(ctx, maxBatchRecords)
		if ctx.Err() != nil {
			return pipe.wait() // a batch's error, if one failed
		}
		if errs := fs.Errors(); len(errs) > 0 {
			return errs[0].Err
		}
		out, from, offsets := w.batchOf(fs, f)
		if len(offsets) == 0 {
			continue
		}
		// Sent while the next batch is polled; its offsets saved once
		// acknowledged.
		if err := pipe.send(ctx, out, from, offsets); err != nil {
			return err
		}
	}
}

// copyOf returns r as the target gets it: same partition, key, value,
// headers and timestamp, under the target's topic name (topic), with the
// provenance header when asked.
func (w *Worker) copyOf(r *kgo.Record, topic string, f *dmsd.ConnectFlow) kgo.Record {
	c := kgo.Record{Topic: topic, Partition: r.Partition, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp,
		Headers: append([]kgo.RecordHeader(nil), r.Headers...)}
	if f.Provenance && provenance(r) == "" {
		c.Headers = append(c.Headers, kgo.RecordHeader{Key: dmsd.ProvenanceHeader, Value: []byte(f.SourceAlias)})
	}
	return c
}

func provenance(r *kgo.Record) string {
	for _, h := range r.Headers {
		if h.Key == dmsd.ProvenanceHeader {
			return string(h.Value)
		}
	}
	return ""
}

// prepare creates the flow's target topics the source has (same partitions
// and configs, replication factor clamped to the target's brokers) and
// returns where to read each source partition: the saved offset, or the
// consumer strategy's start, which it saves first so that a restart reads
// from the same place. The runs saved with the offsets seed the share's
// offset map.
func (w *Worker) prepare(ctx context.Context, t *dmsd.ConnectTask, f *dmsd.ConnectFlow, sh share, src, dst *kadm.Client) (map[string]map[int32]kgo.Offset, error) {
	topics, err := src.ListTopics(ctx)
	if err != nil {
		return nil, err
	}
	targets, err := dst.ListTopics(ctx)
	if err != nil {
		return nil, err
	}
	brokers, err := dst.BrokerMetadata(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, td := range topics.Sorted() {
		if td.IsInternal || !t.Selects(td.Topic) {
			continue
		}
		names = append(names, td.Topic)
		name := f.TargetTopic(td.Topic)
		if have, ok := targets[name]; ok {
			if n := len(td.Partitions); len(have.Partitions) < n {
				if _, err := dst.UpdatePartitions(ctx, n, name); err != nil {
					return nil, err
				}
			}
			continue
		}
		configs := map[string]*string{}
		if rc, err := src.DescribeTopicConfigs(ctx, td.Topic); err == nil {
			for _, c := range rc {
				for _, kv := range c.Configs {
					if kv.Source == 1 { // DYNAMIC_TOPIC_CONFIG: set on the topic itself
						configs[kv.Key] = kv.Value
					}
				}
			}
		}
		rf := int16(max(1, min(f.ReplicationFactor, len(brokers.Brokers))))
		res, err := dst.CreateTopic(ctx, int32(len(td.Partitions)), rf, configs, name)
		if err == nil {
			err = res.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return nil, err
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	saved, err := w.store.ConnectOffsets(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	starts := map[string]map[int32]kgo.Offset{}
	have := map[topicPartition]bool{}
	for _, o := range saved {
		if o.Flow != f.Name || !t.Selects(o.Topic) || !sh.owns(o.Topic, o.Partition) {
			continue
		}
		if starts[o.Topic] == nil {
			starts[o.Topic] = map[int32]kgo.Offset{}
		}
		starts[o.Topic][o.Partition] = kgo.NewOffset().At(o.Next)
		have[topicPartition{o.Topic, o.Partition}] = true
		sh.offsets.seed(o)
	}
	var list kadm.ListedOffsets
	if f.Strategy == "earliest" {
		list, err = src.ListStartOffsets(ctx, names...)
	} else {
		list, err = src.ListEndOffsets(ctx, names...)
	}
	if err != nil {
		return nil, err
	}
	var fresh []dmsd.ConnectOffset
	list.Each(func(l kadm.ListedOffset) {
		if have[topicPartition{l.Topic, l.Partition}] || l.Err != nil || !sh.owns(l.Topic, l.Partition) {
			return
		}
		if starts[l.Topic] == nil {
			starts[l.Topic] = map[int32]kgo.Offset{}
		}
		starts[l.Topic][l.Partition] = kgo.NewOffset().At(l.Offset)
		fresh = append(fresh, dmsd.ConnectOffset{Flow: f.Name, Topic: l.Topic, Partition: l.Partition, Next: l.Offset})
	})
	if err := list.Error(); err != nil {
		return nil, err
	}
	if len(fresh) > 0 {
		if err := w.store.CommitConnectBatch(ctx, t.ID, sh.batchKey(f.Name), fresh); err != nil {
			return nil, err
		}
	}
	return starts, nil
}

func codec(name string) kgo.CompressionCodec {
	switch name {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}
