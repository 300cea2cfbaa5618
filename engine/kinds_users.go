package engine

import (
	"context"

	"github.com/dmsd/dmsd"
)

// Task kinds of topic permissions and consumer groups. Neither changes the
// instance's status, whether it succeeds or fails: a failed permission
// change or offset reset leaves a working cluster.
var (
	updateTopicPolicies = &Kind[policyParams]{
		Name:  dmsd.TaskUpdateTopicPolicies,
		From:  running,
		Waits: true,
		Steps: []Step[policyParams]{{"UPDATE_TOPIC_ACL", updateTopicACLs}},
	}
	kafkaResetConsumerOffset = &Kind[dmsd.OffsetReset]{
		Name:  "kafkaResetConsumerOffset",
		From:  running,
		Waits: true,
		Steps: []Step[dmsd.OffsetReset]{{"RESET_CONSUMER_OFFSET", resetConsumerOffset}},
	}
)

// policyParams are the params of updateTopicPolicies: the request's topics
// and policies, which hold no secret.
type policyParams struct {
	Topics []dmsd.TopicPolicies `json:"topics"`
}

// updateTopicACLs replaces, topic by topic, the listed users' ACLs with those
// of their policies. It is idempotent: each topic's ACLs of those users are
// deleted and created anew, so a repeated run ends with the same ACLs.
func updateTopicACLs(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *policyParams) error {
	for _, tp := range p.Topics {
		if len(tp.Policies) == 0 {
			// Revoke: every user that holds a policy on the topic now is
			// listed with none. Read at run time, so that a repeated run
			// finds nothing more to revoke.
			held, err := d.cluster.TopicPolicies(ctx, inst, tp.Topic)
			if err != nil {
				return err
			}
			for _, h := range held {
				tp.Policies = append(tp.Policies, dmsd.UserPolicy{UserName: h.UserName})
			}
		}
		if err := d.cluster.SetTopicPolicies(ctx, inst, tp); err != nil {
			return err
		}
	}
	return nil
}

// resetConsumerOffset commits the group's offsets as the params say. It is
// idempotent: the targets are absolute offsets, or those of a timestamp, so a
// repeated run commits the same offsets.
func resetConsumerOffset(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, r *dmsd.OffsetReset) error {
	return d.cluster.ResetOffsets(ctx, inst, *r)
}
