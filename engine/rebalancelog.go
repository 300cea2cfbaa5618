package engine

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/dmsd/dmsd"
)

// maxRebalanceEntries bounds an instance's rebalance log: past it, the
// oldest entries go.
const maxRebalanceEntries = 1000

// defaultRebalancePoll is how often a rebalance log describes the groups.
const defaultRebalancePoll = 500 * time.Millisecond

// RebalanceLogPoll sets how often a rebalance log describes the instance's
// consumer groups.
func RebalanceLogPoll(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.logs.poll = d
		}
	}
}

// Task kinds that turn an instance's rebalance log on and off. Neither
// changes the instance's status.
var (
	kafkaRebalanceLogStart = &Kind[instanceParams]{
		Name:  "kafkaRebalanceLogStart",
		From:  running,
		Steps: []Step[instanceParams]{instanceStep[instanceParams]("START_REBALANCE_LOG", startRebalanceLog)},
	}
	kafkaRebalanceLogStop = &Kind[instanceParams]{
		Name:  "kafkaRebalanceLogStop",
		Steps: []Step[instanceParams]{instanceStep[instanceParams]("STOP_REBALANCE_LOG", stopRebalanceLog)},
	}
)

// startRebalanceLog turns the log on, or finds it on. The groups as they
// are now are the log's baseline, read before the step ends, so that a
// member that joins once the task has succeeded is recorded.
func startRebalanceLog(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	obs, ok := d.cluster.(dmsd.GroupObserver)
	if !ok {
		return dmsd.Errorf(dmsd.EEXTERNAL, "This cluster's groups cannot be observed.")
	}
	if d.logs.running(inst.ID) {
		return nil
	}
	baseline, err := obs.GroupMembers(ctx, inst)
	if err != nil {
		return err
	}
	d.logs.start(inst, baseline)
	return nil
}

// stopRebalanceLog turns the log off and returns once it no longer records.
func stopRebalanceLog(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	d.logs.stop(inst.ID)
	return nil
}

// rebalanceLogs are the rebalance logs of this process, by instance: each on
// log is a goroutine that polls the groups of its instance until stopped,
// until its instance is gone, or until the engine stops.
type rebalanceLogs struct {
	store    dmsd.InstanceStore
	clusters dmsd.Clusters
	poll     time.Duration
	logger   *slog.Logger

	mu   sync.Mutex
	logs map[string]*rebalanceLog
}

type rebalanceLog struct {
	log    dmsd.RebalanceLog
	cancel context.CancelFunc
	done   chan struct{}
}

func newRebalanceLogs(store dmsd.InstanceStore, clusters dmsd.Clusters, logger *slog.Logger) *rebalanceLogs {
	return &rebalanceLogs{store: store, clusters: clusters, logger: logger, poll: defaultRebalancePoll, logs: map[string]*rebalanceLog{}}
}

// running reports whether the instance's log is on.
func (l *rebalanceLogs) running(instanceID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.logs[instanceID]
	return r != nil && r.log.Status == dmsd.LogRunning
}

// snapshot returns a copy of the instance's log, or nil.
func (l *rebalanceLogs) snapshot(instanceID string) *dmsd.RebalanceLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.logs[instanceID]
	if r == nil {
		return nil
	}
	c := r.log
	c.Entries = slices.Clone(r.log.Entries)
	return &c
}

// start turns inst's log on with no entries, changes counted from baseline,
// unless it is on.
func (l *rebalanceLogs) start(inst *dmsd.Instance, baseline map[string]dmsd.GroupMembership) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.logs[inst.ID]; r != nil && r.log.Status == dmsd.LogRunning {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	now := dmsd.Now()
	r := &rebalanceLog{
		log:    dmsd.RebalanceLog{ID: dmsd.NewUUID(), InstanceID: inst.ID, Status: dmsd.LogRunning, CreatedAt: now, UpdatedAt: now},
		cancel: cancel, done: make(chan struct{}),
	}
	l.logs[inst.ID] = r
	go l.watch(ctx, r, inst.ProjectID, inst.ID, baseline)
}

// stop turns the instance's log off and waits until it records no more.
func (l *rebalanceLogs) stop(instanceID string) {
	l.mu.Lock()
	r := l.logs[instanceID]
	l.mu.Unlock()
	if r == nil {
		return
	}
	r.cancel()
	<-r.done
}

// stopAll stops every log; stopping twice does nothing more.
func (l *rebalanceLogs) stopAll() {
	l.mu.Lock()
	ids := make([]string, 0, len(l.logs))
	for id := range l.logs {
		ids = append(ids, id)
	}
	l.mu.Unlock()
	for _, id := range ids {
		l.stop(id)
	}
}

// watch polls the groups of the instance and records each change since
// baseline until ctx ends or the instance is gone.
func (l *rebalanceLogs) watch(ctx context.Context, r *rebalanceLog, projectID, instanceID string, baseline map[string]dmsd.GroupMembership) {
	defer close(r.done)
	defer func() {
		l.mu.Lock()
		r.log.Status, r.log.UpdatedAt = dmsd.LogStopped, dmsd.Now()
		l.mu.Unlock()
	}()
	prev := baseline
	gens := map[string]int{}
	t := time.NewTicker(l.poll)
	defer t.Stop()
	for {
		inst, err := l.store.FindInstance(ctx, projectID, instanceID)
		if dmsd.ErrorCode(err) == dmsd.EINSTANCENOTFOUND {
			return // Deleted: its log goes with it.
		}
		var cur map[string]dmsd.GroupMembership
		if err == nil && inst.Status == dmsd.InstanceRunning {
			if c, cerr := l.clusters.For(inst); cerr == nil {
				if obs, ok := c.(dmsd.GroupObserver); ok {
					pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					cur, err = obs.GroupMembers(pctx, inst)
					cancel()
				}
			}
		}
		if err != nil && ctx.Err() == nil {
			l.logger.Debug("rebalance log: groups not described", "instance_id", instanceID, "error", err)
		}
		if cur != nil && err == nil {
			l.record(ctx, r, changes(prev, cur, gens))
			prev = cur
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// record appends entries unless the log was stopped meanwhile, dropping the
// oldest past maxRebalanceEntries.
func (l *rebalanceLogs) record(ctx context.Context, r *rebalanceLog, entries []dmsd.RebalanceEntry) {
	if len(entries) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	r.log.Entries = append(r.log.Entries, entries...)
	if over := len(r.log.Entries) - maxRebalanceEntries; over > 0 {
		r.log.Entries = slices.Delete(r.log.Entries, 0, over)
	}
	r.log.UpdatedAt = dmsd.Now()
}

// changes returns what differs from prev to cur, group by group in name
// order, counting each group's membership changes in gens.
func changes(prev, cur map[string]dmsd.GroupMembership, gens map[string]int) []dmsd.RebalanceEntry {
	names := map[string]bool{}
	for g := range prev {
		names[g] = true
	}
	for g := range cur {
		names[g] = true
	}
	sorted := make([]string, 0, len(names))
	for g := range names {
		sorted = append(sorted, g)
	}
	slices.Sort(sorted)
	now := dmsd.Now().UnixMilli()
	var out []dmsd.RebalanceEntry
	for _, g := range sorted {
		p, c := prev[g], cur[g]
		if c.State == "" {
			c.State = "Dead"
		}
		var joined, left []string
		for _, m := range c.Members {
			if !slices.Contains(p.Members, m) {
				joined = append(joined, m)
			}
		}
		for _, m := range p.Members {
			if !slices.Contains(c.Members, m) {
				left = append(left, m)
			}
		}
		if len(joined)+len(left) > 0 {
			gens[g]++
		}
		e := dmsd.RebalanceEntry{Time: now, Group: g, State: c.State, Generation: gens[g], Members: len(c.Members)}
		for _, m := range joined {
			e.Event, e.Member = dmsd.EventMemberJoined, m
			out = append(out, e)
		}
		for _, m := range left {
			e.Event, e.Member = dmsd.EventMemberLeft, m
			out = append(out, e)
		}
		if len(joined)+len(left) == 0 && p.State != c.State {
			e.Event, e.Member = dmsd.EventStateChanged, ""
			out = append(out, e)
		}
	}
	return out
}

var _ dmsd.LogService = (*Engine)(nil)

// StartRebalanceLog starts kafkaRebalanceLogStart. It returns
// EINSTANCESTATUS unless the instance is RUNNING, ELOGRUNNING if its log is
// on, or SubmitTask's errors.
func (e *Engine) StartRebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	if _, _, err := e.admin.RunningInstance(ctx, actor, instanceID, false); err != nil {
		return nil, err
	}
	if e.logs.running(instanceID) {
		return nil, dmsd.Errorf(dmsd.ELOGRUNNING, "The instance's rebalance log is already on.")
	}
	return submit(ctx, e, kafkaRebalanceLogStart, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// RebalanceLog returns the instance's rebalance log, ELOGNOTRUNNING if it was
// never started in this process, or EINSTANCENOTFOUND.
func (e *Engine) RebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.RebalanceLog, error) {
	if _, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID); err != nil {
		return nil, err
	}
	l := e.logs.snapshot(instanceID)
	if l == nil {
		return nil, dmsd.Errorf(dmsd.ELOGNOTRUNNING, "The instance has no rebalance log: start one first.")
	}
	return l, nil
}

// StopRebalanceLog starts kafkaRebalanceLogStop. It returns ELOGNOTRUNNING
// if the log is not on, EINSTANCENOTFOUND, or SubmitTask's errors.
func (e *Engine) StopRebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	if _, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID); err != nil {
		return nil, err
	}
	if !e.logs.running(instanceID) {
		return nil, dmsd.Errorf(dmsd.ELOGNOTRUNNING, "The instance's rebalance log is not on.")
	}
	return submit(ctx, e, kafkaRebalanceLogStop, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// StopLogs stops every rebalance log of this process; stopping twice does
// nothing more.
func (e *Engine) StopLogs() { e.logs.stopAll() }
