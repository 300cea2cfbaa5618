package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dmsd/dmsd"
)

func init() {
	kinds["kafkaReassignment"] = kind{
		steps: []step{checkReassignPlan, setReassignThrottle, reassignPartitions, verifyReassignment, removeReassignThrottle},
		// The instance stays RUNNING: the brokers keep serving throughout.
	}
}

var _ dmsd.ReassignService = (*Engine)(nil)

// reassignParams are the params of kafkaReassignment, in the request's form.
type reassignParams struct {
	Reassignments []dmsd.Reassignment `json:"reassignments"`
	Throttle      int64               `json:"throttle,omitempty"`
	IsSchedule    bool                `json:"is_schedule,omitempty"`
	ExecuteAt     int64               `json:"execute_at,omitempty"`
}

// partitionAdmin returns the clusters as a dmsd.PartitionAdmin, or an error
// saying that they cannot move partitions.
func (e *Engine) partitionAdmin() (dmsd.PartitionAdmin, error) {
	pa, ok := e.clusters.(dmsd.PartitionAdmin)
	if !ok {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: this service's clusters do not support partition reassignment.")
	}
	return pa, nil
}

// Reassign checks the plan against the RUNNING instance's metadata and starts
// kafkaReassignment, now or at req.ExecuteAt.
func (e *Engine) Reassign(ctx context.Context, actor dmsd.Actor, instanceID string, req *dmsd.ReassignRequest) (*dmsd.Task, error) {
	if req.Throttle < 0 {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: throttle must be a positive number of bytes per second.")
	}
	inst, err := e.topicInstance(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	pa, err := e.partitionAdmin()
	if err != nil {
		return nil, err
	}
	md, err := pa.ClusterMetadata(ctx, inst)
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
	t := newTask(actor, instanceID, "kafkaReassignment", p)
	t.ExecuteAt = req.ExecuteAt
	return t, e.store.SubmitTask(ctx, &dmsd.Submission{
		Task:            t,
		AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning},
	})
}

// reassignPlan reads the task's params and the cluster's metadata and returns
// the plan, checked again: brokers or topics may have changed since the task
// was accepted, above all for a scheduled one.
func reassignPlan(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) (dmsd.PartitionAdmin, *reassignParams, dmsd.PartitionPlan, error) {
	var p reassignParams
	if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
		return nil, nil, nil, err
	}
	pa, err := e.partitionAdmin()
	if err != nil {
		return nil, nil, nil, err
	}
	md, err := pa.ClusterMetadata(ctx, inst)
	if err != nil {
		return nil, nil, nil, err
	}
	plan, err := md.Plan(p.Reassignments)
	if err != nil {
		return nil, nil, nil, err
	}
	return pa, &p, plan, nil
}

// checkReassignPlan checks the plan against the metadata Kafka reports now.
var checkReassignPlan = step{"CHECK_REASSIGN_PLAN", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	_, _, _, err := reassignPlan(ctx, e, t, inst)
	return err
}}

// setReassignThrottle sets the replication throttle when the task has one.
// Idempotent.
var setReassignThrottle = step{"SET_REPLICATION_THROTTLE", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	pa, p, plan, err := reassignPlan(ctx, e, t, inst)
	if err != nil || p.Throttle <= 0 {
		return err
	}
	return pa.SetReplicationThrottle(ctx, inst, slices.Sorted(maps.Keys(plan)), p.Throttle)
}}

// reassignPartitions asks Kafka to move the replicas (AlterPartitionAssignments).
// Idempotent: asking for the same target again changes nothing.
var reassignPartitions = step{"REASSIGN_PARTITIONS", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	pa, _, plan, err := reassignPlan(ctx, e, t, inst)
	if err != nil {
		return err
	}
	return pa.AlterPartitionAssignments(ctx, inst, plan)
}}

// verifyPoll is how often verifyReassignment asks Kafka whether it is done.
const verifyPoll = 200 * time.Millisecond

// verifyReassignment waits until Kafka reports no reassignment of the plan's
// topics in progress, then compares the replicas the metadata reports with
// the plan and records the outcome on the task: a broker that accepts the
// request without moving anything (kfake) shows as partitions left where they
// were, reported, not hidden.
var verifyReassignment = step{"VERIFY_REASSIGNMENT", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	pa, p, plan, err := reassignPlan(ctx, e, t, inst)
	if err != nil {
		return err
	}
	topics := slices.Sorted(maps.Keys(plan))
	for {
		n, err := pa.OngoingReassignments(ctx, inst, topics)
		if err != nil {
			return err
		}
		if n == 0 {
			break
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
	total, moved := 0, 0
	for _, topic := range topics {
		for part, want := range plan[topic] {
			total++
			if slices.Equal(md.Topics[topic][part], want) {
				moved++
			}
		}
	}
	t.Reason = fmt.Sprintf("Kafka accepted the reassignment of %d partitions and reports %d of them on the requested replicas", total, moved)
	if moved < total {
		t.Reason += fmt.Sprintf("; %d stayed where they were (the embedded broker does not move replicas)", total-moved)
	}
	if p.Throttle > 0 {
		t.Reason += fmt.Sprintf("; replication throttle %d B/s", p.Throttle)
	}
	t.Reason += "."
	return nil
}}

// removeReassignThrottle removes the replication throttle the task set.
// Idempotent.
var removeReassignThrottle = step{"REMOVE_REPLICATION_THROTTLE", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	var p reassignParams
	if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
		return err
	}
	if p.Throttle <= 0 {
		return nil
	}
	pa, err := e.partitionAdmin()
	if err != nil {
		return err
	}
	topics := make([]string, 0, len(p.Reassignments))
	for _, r := range p.Reassignments {
		topics = append(topics, r.Topic)
	}
	return pa.SetReplicationThrottle(ctx, inst, topics, 0)
}}
