package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dmsd/dmsd"
)

// kafkaReassignment moves partition replicas of a RUNNING instance, which
// stays RUNNING: the brokers keep serving throughout.
var kafkaReassignment = &Kind[reassignParams]{
	Name: "kafkaReassignment",
	From: running,
	Steps: []Step[reassignParams]{
		{"CHECK_REASSIGN_PLAN", checkReassignPlan},
		{"SET_REPLICATION_THROTTLE", setReassignThrottle},
		{"REASSIGN_PARTITIONS", reassignPartitions},
		{"VERIFY_REASSIGNMENT", verifyReassignment},
		{"REMOVE_REPLICATION_THROTTLE", removeReassignThrottle},
	},
}

// reassignParams are the params of kafkaReassignment, in the request's form.
type reassignParams struct {
	Reassignments []dmsd.Reassignment `json:"reassignments"`
	Throttle      int64               `json:"throttle,omitempty"`
	IsSchedule    bool                `json:"is_schedule,omitempty"`
	ExecuteAt     int64               `json:"execute_at,omitempty"`
}

// Reassign checks the plan against the RUNNING instance's metadata and starts
// kafkaReassignment, now or at req.ExecuteAt.
func (e *Engine) Reassign(ctx context.Context, actor dmsd.Actor, instanceID string, req *dmsd.ReassignRequest) (*dmsd.Task, error) {
	if req.Throttle < 0 {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: throttle must be a positive number of bytes per second.")
	}
	inst, c, err := e.admin.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	md, err := c.ClusterMetadata(ctx, inst)
	if err != nil {
		return nil, err
	}
	if _, err := md.Plan(req.Reassignments); err != nil {
		return nil, err
	}
	p := reassignParams{Reassignments: req.Reassignments, Throttle: req.Throttle}
	if !req.ExecuteAt.IsZero() {
		p.IsSchedule, p.ExecuteAt = true, req.ExecuteAt.UnixMilli()
	}
	return submit(ctx, e, kafkaReassignment, actor, instanceID, p, at(req.ExecuteAt))
}

// reassignPlan reads the cluster's metadata and returns
// the plan, checked again: brokers or topics may have changed since the task
// was accepted, above all for a scheduled one.
func reassignPlan(ctx context.Context, d *deps, inst *dmsd.Instance, p *reassignParams) (dmsd.PartitionAdmin, dmsd.PartitionPlan, error) {
	pa := d.cluster
	md, err := pa.ClusterMetadata(ctx, inst)
	if err != nil {
		return nil, nil, err
	}
	plan, err := md.Plan(p.Reassignments)
	if err != nil {
		return nil, nil, err
	}
	return pa, plan, nil
}

// checkReassignPlan checks the plan against the metadata Kafka reports now.
func checkReassignPlan(ctx context.Context, d *deps, t *dmsd.Task, inst *dmsd.Instance, p *reassignParams) error {
	_, _, err := reassignPlan(ctx, d, inst, p)
	return err
}

// setReassignThrottle sets the replication throttle when the task has one.
// Idempotent.
func setReassignThrottle(ctx context.Context, d *deps, t *dmsd.Task, inst *dmsd.Instance, p *reassignParams) error {
	pa, plan, err := reassignPlan(ctx, d, inst, p)
	if err != nil || p.Throttle <= 0 {
		return err
	}
	return pa.SetReplicationThrottle(ctx, inst, slices.Sorted(maps.Keys(plan)), p.Throttle)
}

// reassignPartitions asks Kafka to move the replicas (AlterPartitionAssignments).
// Idempotent: asking for the same target again changes nothing.
func reassignPartitions(ctx context.Context, d *deps, t *dmsd.Task, inst *dmsd.Instance, p *reassignParams) error {
	pa, plan, err := reassignPlan(ctx, d, inst, p)
	if err != nil {
		return err
	}
	return pa.AlterPartitionAssignments(ctx, inst, plan)
}

// verifyPoll is how often verifyReassignment asks Kafka whether it is done,
// and reassignWait how long it waits at most, within the step's timeout.
const (
	verifyPoll   = 200 * time.Millisecond
	reassignWait = 90 * time.Second
)

// verifyReassignment waits, for at most reassignWait, until Kafka reports no
// reassignment of the plan's topics in progress, then compares the replicas
// the metadata reports with the plan. The task succeeds only when every
// partition is where the plan asked; otherwise it fails with what Kafka
// reports for the others, after removing the throttle it set, as the
// throttle's own step does not run after a failure.
func verifyReassignment(ctx context.Context, d *deps, t *dmsd.Task, inst *dmsd.Instance, p *reassignParams) error {
	pa, plan, err := reassignPlan(ctx, d, inst, p)
	if err != nil {
		return err
	}
	topics := slices.Sorted(maps.Keys(plan))
	deadline := time.Now().Add(reassignWait)
	for {
		n, err := pa.OngoingReassignments(ctx, inst, topics)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			return failReassignment(ctx, pa, inst, topics, p, fmt.Errorf("Kafka still reports %d partitions being reassigned after %s", n, reassignWait))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(verifyPoll):
		}
	}
	md, err := pa.ClusterMetadata(ctx, inst)
	if err != nil {
		return err
	}
	total := plan.Partitions()
	if bad := md.Misplaced(plan); len(bad) > 0 {
		const shown = 10
		placed, more := total-len(bad), ""
		if len(bad) > shown {
			bad, more = bad[:shown], fmt.Sprintf("; and %d more", len(bad)-shown)
		}
		return failReassignment(ctx, pa, inst, topics, p, fmt.Errorf("Kafka reports %d of %d partitions on the requested replicas; %s%s",
			placed, total, strings.Join(bad, "; "), more))
	}
	t.Reason = fmt.Sprintf("Kafka accepted the reassignment of %d partitions and reports all of them on the requested replicas", total)
	if p.Throttle > 0 {
		t.Reason += fmt.Sprintf("; replication throttle %d B/s", p.Throttle)
	}
	t.Reason += "."
	return nil
}

// failReassignment removes the task's replication throttle, if it set one,
// and returns cause, joined with the removal's error if that fails too.
func failReassignment(ctx context.Context, pa dmsd.PartitionAdmin, inst *dmsd.Instance, topics []string, p *reassignParams, cause error) error {
	if p.Throttle <= 0 {
		return cause
	}
	if err := pa.SetReplicationThrottle(ctx, inst, topics, 0); err != nil {
		return fmt.Errorf("%w; removing the replication throttle failed too: %v", cause, err)
	}
	return fmt.Errorf("%w; the replication throttle is removed", cause)
}

// removeReassignThrottle removes the replication throttle the task set.
// Idempotent.
func removeReassignThrottle(ctx context.Context, d *deps, t *dmsd.Task, inst *dmsd.Instance, p *reassignParams) error {
	if p.Throttle <= 0 {
		return nil
	}
	pa := d.cluster
	topics := make([]string, 0, len(p.Reassignments))
	for _, r := range p.Reassignments {
		topics = append(topics, r.Topic)
	}
	return pa.SetReplicationThrottle(ctx, inst, topics, 0)
}
