package engine

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/dmsd/dmsd"
)

// maxRebalanceEntries bounds an instance's rebalance log: past it, the
// oldest entries go.
const maxRebalanceEntries = 1000

// defaultRebalancePoll is how often a rebalance log describes the groups,
// and how often a log of the brokers' lines is written to the store.
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

// logParams are the params of the kinds that turn a log on: the log file
// the user named (log_file_name), if any.
type logParams struct {
	InstanceID string `json:"instance_id"`
	FileName   string `json:"log_file_name,omitempty"`
}

// Task kinds that turn an instance's rebalance log on and off. Neither
// changes the instance's status.
var (
	kafkaRebalanceLogStart = &Kind[logParams]{
		Name:  "kafkaRebalanceLogStart",
		From:  running,
		Steps: []Step[logParams]{{Name: "START_REBALANCE_LOG", Run: startRebalanceLog}},
	}
	kafkaRebalanceLogStop = &Kind[instanceParams]{
		Name:  "kafkaRebalanceLogStop",
		Steps: []Step[instanceParams]{instanceStep[instanceParams]("STOP_REBALANCE_LOG", stopRebalanceLog)},
	}
)

// startRebalanceLog turns the log on, or finds it on (a step run again after
// a crash). The groups as they are now are the log's baseline, read before
// the step ends, so that a member that joins once the task has succeeded is
// recorded.
func startRebalanceLog(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *logParams) error {
	obs, ok := d.cluster.(dmsd.GroupObserver)
	if !ok {
		return errNoGroupObserver()
	}
	return d.logs.open(ctx, inst, dmsd.LogTypeRebalance, p.FileName, func(ctx context.Context, l *dmsd.InstanceLog) (func(context.Context), error) {
		baseline, err := obs.GroupMembers(ctx, inst)
		if err != nil {
			return nil, err
		}
		return d.logs.watchGroups(l, baseline), nil
	})
}

// stopRebalanceLog turns the log off and returns once it no longer records.
func stopRebalanceLog(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	return d.logs.close(ctx, inst, dmsd.LogTypeRebalance)
}

// rebalanceLogs collect the instances' logs this process collects (rebalance
// logs and the brokers' lines) into the store. Each log on here is a
// goroutine, its collector, that runs until the log is stopped (here or on
// another replica), until its instance is gone, or until the engine stops;
// the store keeps the log, so that it answers the same after a restart and
// from every replica, and a restarted engine resumes the RUNNING logs its
// replica collects.
type rebalanceLogs struct {
	store    dmsd.InstanceStore
	logs     dmsd.LogStore
	clusters dmsd.Clusters
	replica  string
	poll     time.Duration
	logger   *slog.Logger

	mu         sync.Mutex
	collectors map[string]*collector // by log id
}

type collector struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func newRebalanceLogs(store dmsd.InstanceStore, logs dmsd.LogStore, clusters dmsd.Clusters, logger *slog.Logger) *rebalanceLogs {
	return &rebalanceLogs{store: store, logs: logs, clusters: clusters, logger: logger, replica: dmsd.DefaultReplica, poll: defaultRebalancePoll,
		collectors: map[string]*collector{}}
}

func errNoGroupObserver() error {
	return dmsd.Errorf(dmsd.EEXTERNAL, "This cluster's groups cannot be observed.")
}

// running reports whether the instance's log of type typ is on, as the
// store says.
func (l *rebalanceLogs) running(ctx context.Context, projectID, instanceID, typ string) (bool, error) {
	log, err := l.logs.FindLogHeader(ctx, projectID, instanceID, typ)
	switch dmsd.ErrorCode(err) {
	case "":
		return log.Status == dmsd.LogRunning, nil
	case dmsd.ELOGNOTRUNNING:
		return false, nil
	}
	return false, err
}

// open turns inst's log of type typ on: a new log, RUNNING in the store,
// whose collector prepare returns (prepare reads what the collector starts
// from before the log is recorded). A log that is on already is left as it
// is, its collector resumed here if this replica collects it and it stopped.
func (l *rebalanceLogs) open(ctx context.Context, inst *dmsd.Instance, typ, fileName string, prepare func(context.Context, *dmsd.InstanceLog) (func(context.Context), error)) error {
	cur, err := l.logs.FindLogHeader(ctx, inst.ProjectID, inst.ID, typ)
	if err == nil && cur.Status == dmsd.LogRunning {
		if cur.Replica == l.replica && !l.collecting(cur.ID) {
			run, err := prepare(ctx, cur)
			if err != nil {
				return err
			}
			l.collect(cur, run)
		}
		return nil
	} else if err != nil && dmsd.ErrorCode(err) != dmsd.ELOGNOTRUNNING {
		return err
	}
	now := dmsd.Now()
	log := &dmsd.InstanceLog{ID: dmsd.NewUUID(), ProjectID: inst.ProjectID, InstanceID: inst.ID, Type: typ, Status: dmsd.LogRunning,
		FileName: fileName, Replica: l.replica, CreatedAt: now, UpdatedAt: now}
	run, err := prepare(ctx, log)
	if err != nil {
		return err
	}
	if err := l.logs.OpenLog(ctx, log); err != nil {
		discard(run)
		return err
	}
	l.collect(log, run)
	return nil
}

// discard runs a collector that is not wanted with a context that has
// ended, so that it releases what it holds (a tap of the brokers) at once.
func discard(run func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run(ctx)
}

// close turns inst's log of type typ off in the store, which no collector
// writes past, and stops its collector here if it runs here. A log that is
// off already is fine.
func (l *rebalanceLogs) close(ctx context.Context, inst *dmsd.Instance, typ string) error {
	log, err := l.logs.FindLogHeader(ctx, inst.ProjectID, inst.ID, typ)
	if dmsd.ErrorCode(err) == dmsd.ELOGNOTRUNNING {
		return nil
	} else if err != nil {
		return err
	}
	if err := l.logs.CloseLog(ctx, log.ID, dmsd.Now()); err != nil {
		return err
	}
	l.stop(log.ID)
	return nil
}

// collect runs log's collector unless one runs for it already, in which
// case run is discarded.
func (l *rebalanceLogs) collect(log *dmsd.InstanceLog, run func(context.Context)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.collectors[log.ID]; c != nil {
		select {
		case <-c.done:
		default:
			go discard(run)
			return
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &collector{cancel: cancel, done: make(chan struct{})}
	l.collectors[log.ID] = c
	go func() {
		defer close(c.done)
		defer func() {
			l.mu.Lock()
			if l.collectors[log.ID] == c {
				delete(l.collectors, log.ID)
			}
			l.mu.Unlock()
		}()
		run(ctx)
	}()
}

// stop stops the collector of a log and waits until it records no more.
func (l *rebalanceLogs) stop(logID string) {
	l.mu.Lock()
	c := l.collectors[logID]
	l.mu.Unlock()
	if c == nil {
		return
	}
	c.cancel()
	<-c.done
}

// stopAll stops every collector and returns how many it stopped; stopping
// twice does nothing more. The logs stay RUNNING in the store, for the next
// start to resume.
func (l *rebalanceLogs) stopAll() int {
	l.mu.Lock()
	ids := make([]string, 0, len(l.collectors))
	for id := range l.collectors {
		ids = append(ids, id)
	}
	l.mu.Unlock()
	for _, id := range ids {
		l.stop(id)
	}
	return len(ids)
}

// collecting reports whether a collector of the log runs here.
func (l *rebalanceLogs) collecting(logID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.collectors[logID] != nil
}

// resume starts the collectors of the RUNNING logs this replica collects,
// as a restarted engine does. It returns the store's error; a log whose
// instance or cluster cannot be read now is logged and skipped.
func (l *rebalanceLogs) resume(ctx context.Context) error {
	logs, err := l.logs.ListRunningLogs(ctx)
	if err != nil {
		return err
	}
	for _, log := range logs {
		if log.Replica != l.replica || l.collecting(log.ID) {
			continue
		}
		if err := l.resumeLog(ctx, log); err != nil {
			l.logger.Warn("a log was not resumed", "instance_id", log.InstanceID, "log_type", log.Type, "error", err)
		}
	}
	return nil
}

func (l *rebalanceLogs) resumeLog(ctx context.Context, log *dmsd.InstanceLog) error {
	inst, err := l.store.FindInstance(ctx, log.ProjectID, log.InstanceID)
	if err != nil {
		return err
	}
	c, err := l.clusters.For(inst)
	if err != nil {
		return err
	}
	switch log.Type {
	case dmsd.LogTypeRebalance:
		obs, ok := c.(dmsd.GroupObserver)
		if !ok {
			return errNoGroupObserver()
		}
		// The groups as they are now are the resumed log's baseline; the
		// generations go on from the stored entries.
		var baseline map[string]dmsd.GroupMembership
		if inst.Status == dmsd.InstanceRunning {
			gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			baseline, err = obs.GroupMembers(gctx, inst)
			cancel()
			if err != nil {
				baseline = nil // Taken at the first poll that reads them.
			}
		}
		l.collect(log, l.watchGroups(log, baseline))
	case dmsd.LogTypeTopic:
		src, ok := c.(dmsd.BrokerLogSource)
		if !ok {
			return errNoBrokerLog()
		}
		l.collect(log, l.tapBrokers(src, inst, log))
	}
	return nil
}

// watchGroups returns the collector of a rebalance log: it polls the groups
// of the log's instance and appends each change since baseline (nil: the
// first groups it reads) until ctx ends, the log is stopped or the instance
// is gone.
func (l *rebalanceLogs) watchGroups(log *dmsd.InstanceLog, baseline map[string]dmsd.GroupMembership) func(context.Context) {
	return func(ctx context.Context) {
		prev := baseline
		gens, err := generations(ctx, l.logs, log)
		if err != nil && ctx.Err() == nil {
			l.logger.Debug("rebalance log: generations not read", "instance_id", log.InstanceID, "error", err)
		}
		var pending []string
		t := time.NewTicker(l.poll)
		defer t.Stop()
		for {
			inst, err := l.store.FindInstance(ctx, log.ProjectID, log.InstanceID)
			if dmsd.ErrorCode(err) == dmsd.EINSTANCENOTFOUND {
				return // Deleted: its log went with it.
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
				l.logger.Debug("rebalance log: groups not described", "instance_id", log.InstanceID, "error", err)
			}
			if cur != nil && err == nil {
				if prev != nil {
					for _, e := range changes(prev, cur, gens) {
						b, _ := json.Marshal(e)
						pending = append(pending, string(b))
					}
				}
				prev = cur
			}
			if over := len(pending) - maxRebalanceEntries; over > 0 {
				pending = pending[over:]
			}
			on, err := l.logs.AppendLog(ctx, log.ID, dmsd.Now(), pending, maxRebalanceEntries)
			switch {
			case err == nil && !on:
				return // Stopped, here or on another replica.
			case err == nil:
				pending = pending[:0]
			case ctx.Err() == nil:
				l.logger.Debug("rebalance log: entries not saved; retried at the next poll", "instance_id", log.InstanceID, "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}

// generations returns each group's last generation in the stored entries of
// log, so that a resumed log goes on counting.
func generations(ctx context.Context, logs dmsd.LogStore, log *dmsd.InstanceLog) (map[string]int, error) {
	gens := map[string]int{}
	stored, err := logs.FindLog(ctx, log.ProjectID, log.InstanceID, log.Type)
	if err != nil || stored.ID != log.ID {
		return gens, err
	}
	for _, e := range dmsd.DecodeRebalanceEntries(stored.Entries) {
		gens[e.Group] = max(gens[e.Group], e.Generation)
	}
	return gens, nil
}

// rebalanceLog returns a stored rebalance log with its entries decoded.
func rebalanceLog(l *dmsd.InstanceLog) *dmsd.RebalanceLog {
	return &dmsd.RebalanceLog{ID: l.ID, InstanceID: l.InstanceID, Status: l.Status, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt,
		Entries: dmsd.DecodeRebalanceEntries(l.Entries)}
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
	return e.startRebalanceLog(ctx, actor, instanceID, "")
}

func (e *Engine) startRebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID, fileName string) (*dmsd.Task, error) {
	if _, _, err := e.admin.RunningInstance(ctx, actor, instanceID, false); err != nil {
		return nil, err
	}
	if err := e.checkLogOff(ctx, actor.ProjectID, instanceID, dmsd.LogTypeRebalance); err != nil {
		return nil, err
	}
	return submit(ctx, e, kafkaRebalanceLogStart, actor, instanceID, logParams{InstanceID: instanceID, FileName: fileName})
}

// RebalanceLog returns the instance's rebalance log as the store keeps it,
// ELOGNOTRUNNING if it was never started, or EINSTANCENOTFOUND.
func (e *Engine) RebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.RebalanceLog, error) {
	l, err := e.store.FindLog(ctx, actor.ProjectID, instanceID, dmsd.LogTypeRebalance)
	if dmsd.ErrorCode(err) == dmsd.ELOGNOTRUNNING {
		return nil, dmsd.Errorf(dmsd.ELOGNOTRUNNING, "The instance has no rebalance log: start one first.")
	} else if err != nil {
		return nil, err
	}
	return rebalanceLog(l), nil
}

// StopRebalanceLog starts kafkaRebalanceLogStop. It returns ELOGNOTRUNNING
// if the log is not on, EINSTANCENOTFOUND, or SubmitTask's errors.
func (e *Engine) StopRebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return e.stopLog(ctx, actor, instanceID, dmsd.LogTypeRebalance, kafkaRebalanceLogStop)
}

// checkLogOff returns ELOGRUNNING if the instance's log of type typ is on,
// or the store's error.
func (e *Engine) checkLogOff(ctx context.Context, projectID, instanceID, typ string) error {
	if on, err := e.logs.running(ctx, projectID, instanceID, typ); err != nil {
		return err
	} else if on {
		return dmsd.Errorf(dmsd.ELOGRUNNING, "The instance's %s is already on.", logName(typ))
	}
	return nil
}

// stopLog starts kind, the task that turns the instance's log of type typ
// off. It returns EINSTANCENOTFOUND, ELOGNOTRUNNING if the log is not on,
// or SubmitTask's errors.
func (e *Engine) stopLog(ctx context.Context, actor dmsd.Actor, instanceID, typ string, kind *Kind[instanceParams]) (*dmsd.Task, error) {
	if _, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID); err != nil {
		return nil, err
	}
	if on, err := e.logs.running(ctx, actor.ProjectID, instanceID, typ); err != nil {
		return nil, err
	} else if !on {
		return nil, dmsd.Errorf(dmsd.ELOGNOTRUNNING, "The instance's %s is not on.", logName(typ))
	}
	return submit(ctx, e, kind, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// logName names the log of type typ in a message.
func logName(typ string) string {
	if typ == dmsd.LogTypeRebalance {
		return "rebalance log"
	}
	return "log of type " + typ
}

// StopLogs stops every log collector of this process, leaving the logs on
// in the store for StartClusters to resume, and returns how many it
// stopped; stopping twice does nothing more.
func (e *Engine) StopLogs() int { return e.logs.stopAll() }
