package engine_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
)

// The user, permission and offset methods of the fake clusters: they record
// calls, a user named "failing" makes SetTopicPolicies fail, and one named
// "slow" makes it wait for the gate (hold, release), telling entered.

func (g *gatedClusters) ListUsers(_ context.Context, inst *dmsd.Instance) ([]dmsd.User, error) {
	g.count("list-users")
	return []dmsd.User{{Name: inst.AccessUser, Default: true}, {Name: "reader1"}, {Name: "failing"}, {Name: "slow"}}, nil
}
func (g *gatedClusters) CreateUser(context.Context, *dmsd.Instance, dmsd.User, string) error {
	g.count("create-user")
	return nil
}
func (g *gatedClusters) ResetUserPassword(context.Context, *dmsd.Instance, string, string) error {
	g.count("reset-password")
	return nil
}
func (g *gatedClusters) DeleteUsers(context.Context, *dmsd.Instance, []string) error {
	g.count("delete-users")
	return nil
}
func (g *gatedClusters) SetTopicPolicies(ctx context.Context, _ *dmsd.Instance, p dmsd.TopicPolicies) error {
	g.count("set-policies")
	switch p.Policies[0].UserName {
	case "failing":
		return errors.New("ACLs refused")
	case "slow":
		g.mu.Lock()
		gate := g.gate
		g.mu.Unlock()
		g.entered <- "set-policies " + p.Topic
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
func (g *gatedClusters) TopicPolicies(context.Context, *dmsd.Instance, string) ([]dmsd.UserPolicy, error) {
	return nil, nil
}
func (g *gatedClusters) TopicExists(_ context.Context, _ *dmsd.Instance, topic string) (bool, error) {
	return topic != "missing", nil
}
func (g *gatedClusters) GroupState(_ context.Context, _ *dmsd.Instance, group string) (string, error) {
	switch group {
	case "missing":
		return "", nil
	case "live":
		return "Stable", nil
	}
	return "Empty", nil
}
func (g *gatedClusters) ResetOffsets(context.Context, *dmsd.Instance, dmsd.OffsetReset) error {
	g.count("reset-offsets")
	return nil
}

func TestUserOperationsCheckInputAndSASL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t) // without SASL
	policies := []dmsd.TopicPolicies{{Topic: "orders", Policies: []dmsd.UserPolicy{{UserName: "reader1", Policy: dmsd.PolicySub}}}}

	err := b.admin.CreateUser(b.ctx, b.actor, inst.ID, dmsd.User{Name: "reader1"}, "Read-Pass1")
	require.Equal(t, dmsd.ESASLDISABLED, dmsd.ErrorCode(err))
	_, err = b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, policies)
	require.Equal(t, dmsd.ESASLDISABLED, dmsd.ErrorCode(err))
	err = b.admin.CreateUser(b.ctx, b.actor, inst.ID, dmsd.User{Name: "reader1"}, "weak")
	require.Equal(t, dmsd.EINVALIDPASSWORD, dmsd.ErrorCode(err), "input is checked first")

	reset := func(r dmsd.OffsetReset) error {
		_, err := b.engine.ResetOffsets(b.ctx, b.actor, inst.ID, r)
		return err
	}
	zero := int64(0)
	require.Equal(t, dmsd.EINVALID, dmsd.ErrorCode(reset(dmsd.OffsetReset{Group: "g", Partition: -1})))
	require.Equal(t, dmsd.EINVALID, dmsd.ErrorCode(reset(dmsd.OffsetReset{Group: "g", Partition: 0, MessageOffset: &zero})), "a partition needs a topic")
	require.Equal(t, dmsd.ENOTOPIC, dmsd.ErrorCode(reset(dmsd.OffsetReset{Group: "g", Topic: "missing", Partition: -1, MessageOffset: &zero})))
	require.Equal(t, dmsd.EGROUPNOTFOUND, dmsd.ErrorCode(reset(dmsd.OffsetReset{Group: "missing", Partition: -1, MessageOffset: &zero})))
	require.Equal(t, dmsd.EGROUPACTIVE, dmsd.ErrorCode(reset(dmsd.OffsetReset{Group: "live", Partition: -1, MessageOffset: &zero})))
	_, count, err := b.db.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: b.actor.ProjectID, InstanceID: inst.ID, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, 1, count, "refused operations create no task")
	require.Zero(t, b.clusters.Calls("create-user"))

	task, err := b.engine.ResetOffsets(b.ctx, b.actor, inst.ID, dmsd.OffsetReset{Group: "g", Partition: -1, MessageOffset: &zero})
	require.NoError(t, err)
	require.Equal(t, "kafkaResetConsumerOffset", task.Name)
	b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	require.Equal(t, 1, b.clusters.Calls("reset-offsets"))
}

func TestUpdateTopicPoliciesTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := newInstance()
	inst.AccessUser, inst.AccessPassword = "admin-user", "Admin-Pass1"
	create, err := b.engine.CreateInstance(b.ctx, b.actor, inst)
	require.NoError(t, err)
	require.NotContains(t, create.Params, "Admin-Pass1", "params never hold the password")
	require.Equal(t, []string{dmsd.MechanismPlain}, inst.SASLMechanisms)
	<-b.clusters.entered
	b.clusters.release()
	b.waitTask(t, inst, create.ID, dmsd.TaskSuccess)

	bad := []dmsd.TopicPolicies{{Topic: "orders", Policies: []dmsd.UserPolicy{{UserName: "reader1", Policy: "owner"}}}}
	_, err = b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, bad)
	require.Equal(t, dmsd.EINVALID, dmsd.ErrorCode(err))
	bad[0].Policies[0] = dmsd.UserPolicy{UserName: "nobody1", Policy: dmsd.PolicySub}
	_, err = b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, bad)
	require.Equal(t, dmsd.EUSERNOTFOUND, dmsd.ErrorCode(err))
	bad[0].Policies[0] = dmsd.UserPolicy{UserName: "admin-user", Policy: dmsd.PolicySub}
	_, err = b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, bad)
	require.Equal(t, dmsd.EUSERNOTFOUND, dmsd.ErrorCode(err), "the access user is a superuser, not a policy holder")
	bad[0] = dmsd.TopicPolicies{Topic: "missing", Policies: []dmsd.UserPolicy{{UserName: "reader1", Policy: dmsd.PolicySub}}}
	_, err = b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, bad)
	require.Equal(t, dmsd.ENOTOPIC, dmsd.ErrorCode(err))

	good := []dmsd.TopicPolicies{
		{Topic: "orders", Policies: []dmsd.UserPolicy{{UserName: "reader1", Policy: dmsd.PolicySub}}},
		{Topic: "events", Policies: []dmsd.UserPolicy{{UserName: "reader1", Policy: dmsd.PolicyAll}}},
	}
	task, err := b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, good)
	require.NoError(t, err)
	require.Equal(t, "updateTopicPolicies", task.Name)
	require.JSONEq(t, `{"topics":[{"name":"orders","policies":[{"user_name":"reader1","access_policy":"sub"}]},{"name":"events","policies":[{"user_name":"reader1","access_policy":"all"}]}]}`, task.Params)
	done := b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	require.Equal(t, "UPDATE_TOPIC_ACL", done.Steps[0].Name)
	require.Equal(t, 2, b.clusters.Calls("set-policies"))

	// A failed ACL change fails the task but leaves the instance RUNNING.
	failing := []dmsd.TopicPolicies{{Topic: "orders", Policies: []dmsd.UserPolicy{{UserName: "failing", Policy: dmsd.PolicyPub}}}}
	task, err = b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, failing)
	require.NoError(t, err)
	failed := b.waitTask(t, inst, task.ID, dmsd.TaskFailed)
	require.Contains(t, failed.Reason, "UPDATE_TOPIC_ACL")
	after, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceRunning, after.Status)
}

// A permission change submitted while another one runs waits for it to end
// and is accepted then, as the Terraform provider, which creates one
// permission resource per topic in parallel, needs; past the engine's turn
// wait it is refused with ETASKRUNNING.
func TestPolicyChangesWaitTheirTurn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunningSASL(t)
	policies := func(topic, user string) []dmsd.TopicPolicies {
		return []dmsd.TopicPolicies{{Topic: topic, Policies: []dmsd.UserPolicy{{UserName: user, Policy: dmsd.PolicySub}}}}
	}

	b.clusters.hold()
	first, err := b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, policies("orders", "slow"))
	require.NoError(t, err)
	require.Equal(t, "set-policies orders", <-b.clusters.entered)
	impatient := engine.New(b.db, b.clusters, slog.New(slog.DiscardHandler), nil, engine.TurnWait(20*time.Millisecond))
	_, err = impatient.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, policies("events", "reader1"))
	require.Equal(t, dmsd.ETASKRUNNING, dmsd.ErrorCode(err), "the first change still runs")

	type submitted struct {
		task *dmsd.Task
		err  error
	}
	refused := &refusalStore{Store: b.db, refused: make(chan struct{}, 1)}
	patient := engine.New(refused, b.clusters, slog.New(slog.DiscardHandler), nil)
	second := make(chan submitted, 1)
	go func() {
		task, err := patient.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, policies("events", "reader1"))
		second <- submitted{task, err}
	}()
	<-refused.refused // It met the running change, and waits.
	b.clusters.release()
	got := <-second
	require.NoError(t, got.err)
	firstDone := b.waitTask(t, inst, first.ID, dmsd.TaskSuccess)
	secondDone := b.waitTask(t, inst, got.task.ID, dmsd.TaskSuccess)
	require.False(t, secondDone.CreatedAt.Before(firstDone.UpdatedAt), "accepted once the first had ended")
	_, count, err := b.db.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: b.actor.ProjectID, InstanceID: inst.ID, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, 3, count, "the instance's creation and the two changes: the refused one left nothing")
}

// refusalStore tells refused when a submission is refused because a task of
// its instance is unfinished.
type refusalStore struct {
	dmsd.Store
	refused chan struct{}
}

func (s *refusalStore) SubmitTask(ctx context.Context, sub *dmsd.Submission) error {
	err := s.Store.SubmitTask(ctx, sub)
	if dmsd.ErrorCode(err) == dmsd.ETASKRUNNING {
		select {
		case s.refused <- struct{}{}:
		default:
		}
	}
	return err
}
