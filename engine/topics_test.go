package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// The TopicAdmin side of gatedClusters. AlterBrokerConfigs reports back the
// values it was given, except for a name=value that the test counted as
// "report:name=value", for which it reports another value.

func (g *gatedClusters) BrokerCount(context.Context, *dmsd.Instance) (int, error) { return 1, nil }
func (g *gatedClusters) CreateTopic(context.Context, *dmsd.Instance, *dmsd.Topic) error {
	return nil
}
func (g *gatedClusters) ListTopics(context.Context, *dmsd.Instance) ([]*dmsd.Topic, error) {
	return nil, nil
}
func (g *gatedClusters) UpdateTopic(context.Context, *dmsd.Instance, *dmsd.TopicUpdate) error {
	return nil
}
func (g *gatedClusters) DeleteTopics(context.Context, *dmsd.Instance, []string) (map[string]error, error) {
	return nil, nil
}

func (g *gatedClusters) AlterBrokerConfigs(_ context.Context, _ *dmsd.Instance, configs map[string]string) (map[string]string, error) {
	g.count("alterBrokerConfigs")
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]string{}
	for k, v := range configs {
		out[k] = v
		if r, ok := g.calls["report:"+k+"="+v]; ok && r > 0 {
			out[k] = "something else"
		}
	}
	return out, nil
}

func (g *gatedClusters) DescribeBrokerConfigs(context.Context, *dmsd.Instance) (map[string]string, error) {
	return map[string]string{}, nil
}

func TestConfigModifyWaitsForRunningTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)

	b.clusters.hold()
	restart, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	<-b.clusters.entered // The restart is inside START_BROKERS.

	settings := []dmsd.ConfigSetting{{Name: "message.max.bytes", Value: "2000"}, {Name: "num.partitions", Value: "6"}}
	// RESTARTING: refused for the status, which clients retry on.
	_, _, _, err = b.engine.ModifyConfigs(b.ctx, b.actor, inst.ID, settings)
	require.Equal(t, dmsd.EINSTANCESTATUS, dmsd.ErrorCode(err))
	_, err = b.engine.UpdateInstance(b.ctx, b.actor, inst.ID, &dmsd.InstanceUpdate{Name: new("other-name")})
	require.Equal(t, dmsd.EINSTANCESTATUS, dmsd.ErrorCode(err))
	_, count, err := b.db.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: b.actor.ProjectID, InstanceID: inst.ID, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, 2, count, "refused operations create no task")

	b.clusters.release()
	b.waitTask(t, inst, restart.ID, dmsd.TaskSuccess)

	task, dynamic, static, err := b.engine.ModifyConfigs(b.ctx, b.actor, inst.ID, settings)
	require.NoError(t, err)
	require.Equal(t, 1, dynamic)
	require.Equal(t, 1, static)
	b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	require.Equal(t, 1, b.clusters.Calls("alterBrokerConfigs"))
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"message.max.bytes": "2000", "num.partitions": "6"}, got.BrokerConfigs)
	require.Equal(t, "engine-test", got.Name)
}

func TestConfigModifyFailsWhenKafkaDisagrees(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)
	b.clusters.count("report:message.max.bytes=3000")

	task, _, _, err := b.engine.ModifyConfigs(b.ctx, b.actor, inst.ID, []dmsd.ConfigSetting{{Name: "message.max.bytes", Value: "3000"}})
	require.NoError(t, err)
	failed := b.waitTask(t, inst, task.ID, dmsd.TaskFailed)
	require.Contains(t, failed.Reason, "MODIFY_DYNAMIC_CONFIGS: kafka reports message.max.bytes=\"something else\"")
	require.Equal(t, dmsd.StepFailed, failed.Steps[0].Status)
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceRunning, got.Status, "a refused parameter leaves the instance as it was")
	require.Empty(t, got.BrokerConfigs)
}

// A change of the name with one of the retention policy is saved with the
// policy's task, or not at all: while another task runs, both are refused
// and the name stays.
func TestUpdateInstanceSavesItsFieldsWithItsTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunningSASL(t)
	b.clusters.hold()
	running, err := b.engine.UpdateTopicPolicies(b.ctx, b.actor, inst.ID, []dmsd.TopicPolicies{{Topic: "orders", Policies: []dmsd.UserPolicy{{UserName: "slow", Policy: dmsd.PolicySub}}}})
	require.NoError(t, err)
	require.Equal(t, "set-policies orders", <-b.clusters.entered)

	both := &dmsd.InstanceUpdate{Name: new("renamed"), RetentionPolicy: new("produce_reject")}
	_, err = b.engine.UpdateInstance(b.ctx, b.actor, inst.ID, both)
	require.Equal(t, dmsd.ETASKRUNNING, dmsd.ErrorCode(err))
	_, err = b.engine.UpdateInstance(b.ctx, b.actor, inst.ID, &dmsd.InstanceUpdate{Name: new("renamed")})
	require.Equal(t, dmsd.ETASKRUNNING, dmsd.ErrorCode(err))
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, "engine-test", got.Name, "nothing of a refused update is saved")

	b.clusters.release()
	b.waitTask(t, inst, running.ID, dmsd.TaskSuccess)
	task, err := b.engine.UpdateInstance(b.ctx, b.actor, inst.ID, both)
	require.NoError(t, err)
	got, err = b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, "renamed", got.Name, "saved as the task was accepted")
	b.waitTask(t, inst, task.ID, dmsd.TaskSuccess)
	got, err = b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, "produce_reject", got.RetentionPolicy)
	require.Equal(t, "renamed", got.Name)
}
