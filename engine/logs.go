package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dmsd/dmsd"
)

// defaultLogPoll is how often a rebalance log describes the groups, and how
// often a log of the brokers' lines is written to the store.
const defaultLogPoll = 500 * time.Millisecond

// LogPoll sets how often a rebalance log describes the instance's consumer
// groups and a log of the brokers' lines writes what it tapped.
func LogPoll(d time.Duration) Option {
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

// instanceLogs collect the instances' logs this process collects (rebalance
// logs and the brokers' lines) into the store. Each log on here is a
// goroutine, its collector, that runs until the log is stopped (here or on
// another replica), until its instance is gone, or until the engine stops;
// the store keeps the log, so that it answers the same after a restart and
// from every replica, and a restarted engine resumes the RUNNING logs its
// replica collects. On a database that replicas share, the logs of
// external instances, which any replica reaches, are taken over by a live
// replica when theirs stops working (logtakeover.go).
type instanceLogs struct {
	store    dmsd.InstanceStore
	logs     dmsd.LogStore
	clusters dmsd.Clusters
	replica  string
	poll     time.Duration
	logger   *slog.Logger

	// takeover is how often takeOverLogs runs; 0 leaves it off.
	takeover time.Duration

	mu         sync.Mutex
	collectors map[string]*collector // by log id
	// taker runs takeOverLogs, when it runs.
	taker *collector
}

type collector struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func newInstanceLogs(store dmsd.InstanceStore, logs dmsd.LogStore, clusters dmsd.Clusters, logger *slog.Logger) *instanceLogs {
	return &instanceLogs{store: store, logs: logs, clusters: clusters, logger: logger, replica: dmsd.DefaultReplica, poll: defaultLogPoll,
		collectors: map[string]*collector{}}
}

// running reports whether the instance's log of type typ is on, as the
// store says.
func (l *instanceLogs) running(ctx context.Context, projectID, instanceID, typ string) (bool, error) {
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
func (l *instanceLogs) open(ctx context.Context, inst *dmsd.Instance, typ, fileName string, prepare func(context.Context, *dmsd.InstanceLog) (func(context.Context), error)) error {
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
func (l *instanceLogs) close(ctx context.Context, inst *dmsd.Instance, typ string) error {
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
func (l *instanceLogs) collect(log *dmsd.InstanceLog, run func(context.Context)) {
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
func (l *instanceLogs) stop(logID string) {
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
func (l *instanceLogs) stopAll() int {
	// First, so that it takes over no log once the collectors are stopped.
	l.stopTakeover()
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
func (l *instanceLogs) collecting(logID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.collectors[logID] != nil
}

// resume starts the collectors of the RUNNING logs this replica collects,
// as a restarted engine does, then the takeover of other replicas' logs
// when it is on (TakeOverLogs). It returns the store's error; a log whose
// instance or cluster cannot be read now is logged and skipped.
func (l *instanceLogs) resume(ctx context.Context) error {
	logs, err := l.logs.ListRunningLogs(ctx)
	if err != nil {
		return err
	}
	for _, log := range logs {
		if log.Replica != l.replica || l.collecting(log.ID) {
			continue
		}
		inst, err := l.store.FindInstance(ctx, log.ProjectID, log.InstanceID)
		if err == nil {
			err = l.resumeLog(ctx, log, inst)
		}
		if err != nil {
			l.logger.Warn("a log was not resumed", "instance_id", log.InstanceID, "log_type", log.Type, "error", err)
		}
	}
	l.startTakeover()
	return nil
}

// resumeLog starts the collector of log, of inst, here. It returns the
// error of finding inst's cluster, or that the cluster cannot give what
// the log collects.
func (l *instanceLogs) resumeLog(ctx context.Context, log *dmsd.InstanceLog, inst *dmsd.Instance) error {
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
