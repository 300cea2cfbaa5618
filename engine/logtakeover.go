package engine

import (
	"context"
	"time"
)

// TakeOverLogs makes the engine try, every every, to take over the RUNNING
// logs of external instances whose collecting replica no longer works (its
// process is gone or lost its replica's lock), and collect them here: on a
// database that replicas share, any replica reaches an external cluster, so
// such a log does not wait for its replica to come back. An embedded
// instance's logs stay with the replica hosting its cluster.
func TakeOverLogs(every time.Duration) Option {
	return func(e *Engine) {
		if every > 0 {
			e.logs.takeover = every
		}
	}
}

// startTakeover starts takeOverLogs, if it is on and not running.
func (l *instanceLogs) startTakeover() {
	if l.takeover <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.taker != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.taker = &collector{cancel: cancel, done: make(chan struct{})}
	go func(done chan struct{}) {
		defer close(done)
		l.takeOverLogs(ctx)
	}(l.taker.done)
}

// stopTakeover stops takeOverLogs and waits for it; without one it does
// nothing.
func (l *instanceLogs) stopTakeover() {
	l.mu.Lock()
	c := l.taker
	l.taker = nil
	l.mu.Unlock()
	if c != nil {
		c.cancel()
		<-c.done
	}
}

// takeOverLogs calls takeOver every l.takeover until ctx ends.
func (l *instanceLogs) takeOverLogs(ctx context.Context) {
	t := time.NewTicker(l.takeover)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.takeOver(ctx); err != nil && ctx.Err() == nil {
			l.logger.Debug("logs of other replicas not listed; retried later", "error", err)
		}
	}
}

// takeOver takes over each RUNNING log of an external instance that another
// replica collects and no process works, and starts its collector here. The
// store makes the change of collector while no process can start working
// the replica it takes the log from, so one replica collects a log at a
// time. It returns the store's error listing the logs or trying a replica's
// lock; a log not taken now is tried again at the next turn, and one taken
// whose cluster cannot give what it collects is logged, as a resume at start
// logs it.
func (l *instanceLogs) takeOver(ctx context.Context) error {
	logs, err := l.logs.ListRunningLogs(ctx)
	if err != nil {
		return err
	}
	// Each turn tries each other replica's lock once, reading the
	// instances only of the logs of one that no process works.
	working := map[string]bool{}
	for _, log := range logs {
		if log.Replica == l.replica || l.collecting(log.ID) {
			continue
		}
		works, tried := working[log.Replica]
		if !tried {
			if works, err = l.logs.ReplicaWorks(ctx, log.Replica); err != nil {
				return err
			}
			working[log.Replica] = works
		}
		if works {
			continue // Its replica collects it.
		}
		inst, err := l.store.FindInstance(ctx, log.ProjectID, log.InstanceID)
		if err != nil || inst.External == nil {
			continue // Gone, or collected by the replica hosting its cluster.
		}
		from := log.Replica
		taken, err := l.logs.TakeOverLog(ctx, log.ID, from, l.replica)
		if err != nil || !taken {
			continue // Its replica works: it collects the log.
		}
		log.Replica = l.replica
		if err := l.resumeLog(ctx, log, inst); err != nil {
			l.logger.Warn("took over a log but cannot collect it now", "instance_id", log.InstanceID, "log_type", log.Type, "error", err)
			continue
		}
		l.logger.Info("took over a log whose replica stopped working", "instance_id", log.InstanceID, "log_type", log.Type, "from_replica", from)
	}
	return nil
}
