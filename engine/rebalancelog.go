package engine

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/dmsd/dmsd"
)

// maxRebalanceEntries bounds an instance's rebalance log: past it, the
// oldest entries go.
const maxRebalanceEntries = 1000

// Task kinds that turn an instance's rebalance log on and off. Neither
// changes the instance's status.
var (
	kafkaRebalanceLogStart = &Kind[logParams]{
		Name:  "kafkaRebalanceLogStart",
		Waits: true,
		From:  running,
		Steps: []Step[logParams]{{Name: "START_REBALANCE_LOG", Run: startRebalanceLog}},
	}
	kafkaRebalanceLogStop = &Kind[instanceParams]{
		Name:  "kafkaRebalanceLogStop",
		Waits: true,
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

func errNoGroupObserver() error {
	return dmsd.Errorf(dmsd.EEXTERNAL, "This cluster's groups cannot be observed.")
}

// watchGroups returns the collector of a rebalance log: it polls the groups
// of the log's instance and appends each change since baseline (nil: the
// first groups it reads) until ctx ends, the log is stopped or the instance
// is gone.
func (l *instanceLogs) watchGroups(log *dmsd.InstanceLog, baseline map[string]dmsd.GroupMembership) func(context.Context) {
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
			on, err := l.logs.AppendLog(ctx, log.ID, l.replica, dmsd.Now(), pending, maxRebalanceEntries)
			switch {
			case err == nil && !on:
				return // Stopped, here or on another replica, or taken over.
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
