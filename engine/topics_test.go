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
