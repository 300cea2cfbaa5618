package engine

import (
	"context"
	"encoding/json"

	"github.com/dmsd/dmsd"
)

// Task kinds of topic permissions and consumer groups. Neither changes the
// instance's status, whether it succeeds or fails: a failed permission
// change or offset reset leaves a working cluster.
func init() {
	kinds["updateTopicPolicies"] = kind{steps: []step{updateTopicACLs}}
	kinds["kafkaResetConsumerOffset"] = kind{steps: []step{resetConsumerOffset}}
}

// policyParams are the params of updateTopicPolicies: the request's topics
// and policies, which hold no secret.
type policyParams struct {
	Topics []dmsd.TopicPolicies `json:"topics"`
}

// updateTopicACLs replaces, topic by topic, the listed users' ACLs with those
// of their policies. It is idempotent: each topic's ACLs of those users are
// deleted and created anew, so a repeated run ends with the same ACLs.
var updateTopicACLs = step{"UPDATE_TOPIC_ACL", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	var p policyParams
	if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
		return err
	}
	for _, tp := range p.Topics {
		if len(tp.Policies) == 0 {
			// Revoke: every user that holds a policy on the topic now is
			// listed with none. Read at run time, so that a repeated run
			// finds nothing more to revoke.
			held, err := e.clusters.TopicPolicies(ctx, inst, tp.Topic)
			if err != nil {
				return err
			}
			for _, h := range held {
				tp.Policies = append(tp.Policies, dmsd.UserPolicy{UserName: h.UserName})
			}
		}
		if err := e.clusters.SetTopicPolicies(ctx, inst, tp); err != nil {
			return err
		}
	}
	return nil
}}

// resetConsumerOffset commits the group's offsets as the params say. It is
// idempotent: the targets are absolute offsets, or those of a timestamp, so a
// repeated run commits the same offsets.
var resetConsumerOffset = step{"RESET_CONSUMER_OFFSET", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	var r dmsd.OffsetReset
	if err := json.Unmarshal([]byte(t.Params), &r); err != nil {
		return err
	}
	return e.clusters.ResetOffsets(ctx, inst, r)
}}
