package main

import (
	"context"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

// joinGroup starts a member of group on topic that polls until the test
// ends, and returns the client.
func joinGroup(t *testing.T, inst *model.ShowInstanceResponse, group, topic string) *kgo.Client {
	t.Helper()
	member := kafkaClient(t, inst, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic))
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			member.PollFetches(ctx)
		}
	}()
	t.Cleanup(func() { stop(); <-done })
	return member
}

// startRebalanceLog turns the instance's rebalance log on through c and
// waits for its task.
func startRebalanceLog(t *testing.T, c *kafkasdk.KafkaClient, id string) {
	t.Helper()
	started, err := c.CreateKafkaRebalanceLogTask(&model.CreateKafkaRebalanceLogTaskRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *started.JobId).Status)
}

// A rebalance log is kept in the database: after a restart on the same data
// dir it still holds its entries, and it goes on collecting.
func TestRebalanceLogSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client(0)
	inst := createInstance(t, c, "durable-log", 1, false)
	id := *inst.InstanceId
	_, err := kadm.NewClient(kafkaClient(t, inst)).CreateTopic(context.Background(), 1, 1, nil, "events")
	require.NoError(t, err)

	startRebalanceLog(t, c, id)
	joinGroup(t, inst, "before", "events")
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, s, id)
		return hasEvent(entries, "before", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond)
	shown, err := c.ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)

	s.stop()
	s = startServer(t, dir)
	c = s.client(0)
	again, err := c.ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, *shown.Id, *again.Id, "the same log")
	require.Equal(t, dmsd.LogRunning, *again.Status)
	status, entries := rebalanceEntries(t, s, id)
	require.Equal(t, dmsd.LogRunning, status)
	require.True(t, hasEvent(entries, "before", dmsd.EventMemberJoined), "the entries survived the restart: %v", entries)

	// The restarted dmsd resumed collecting: a new member is recorded.
	joinGroup(t, inst, "after", "events")
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, s, id)
		return hasEvent(entries, "after", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond)
}

// On PostgreSQL the log is the database's: the replica that does not host
// the instance answers it as the hosting one collects it, and stops it.
func TestRebalanceLogOnTwoReplicas(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	a, b := startReplicas(t, dbURL, "replica-a", "replica-b")
	inst := createInstance(t, a.client(0), "shared-log", 1, false)
	id := *inst.InstanceId
	_, err := kadm.NewClient(kafkaClient(t, inst)).CreateTopic(context.Background(), 1, 1, nil, "events")
	require.NoError(t, err)

	startRebalanceLog(t, b.client(0), id) // Accepted by B, run by A, which hosts the cluster.
	joinGroup(t, inst, "audit", "events")
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, b, id)
		return hasEvent(entries, "audit", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond, "B answers what A collects")
	fromA, err := a.client(0).ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)
	fromB, err := b.client(0).ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, *fromA.Id, *fromB.Id)

	stopped, err := b.client(0).StopKafkaRebalanceLogTask(&model.StopKafkaRebalanceLogTaskRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, b.client(0), id, *stopped.JobId).Status)
	status, _ := rebalanceEntries(t, a, id)
	require.Equal(t, dmsd.LogStopped, status)
}
