package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// peerKafka is a Kafka cluster the test runs as a replication task's peer
// given by bootstrap_servers: one kfake broker on a fixed 127.0.0.1 port and
// data dir, so that it can go away (Close) and come back, records kept, at
// the same address.
type peerKafka struct {
	t       *testing.T
	port    int
	dir     string
	opts    []kfake.Opt
	cluster *kfake.Cluster
}

// startPeerKafka starts a peer on a port free at the time, closed with the
// test.
func startPeerKafka(t *testing.T, opts ...kfake.Opt) *peerKafka {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	p := &peerKafka{t: t, port: port, dir: t.TempDir(), opts: opts}
	p.start()
	t.Cleanup(p.close)
	return p
}

// start starts the peer on its port and data dir.
func (p *peerKafka) start() {
	p.t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.Ports(p.port), kfake.DataDir(p.dir)}, p.opts...)...)
	require.NoError(p.t, err)
	p.cluster = c
}

// close stops the peer: its port refuses connections until start.
func (p *peerKafka) close() {
	if p.cluster != nil {
		p.cluster.Close()
		p.cluster = nil
	}
}

func (p *peerKafka) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// client returns a client of the peer, closed with the test.
func (p *peerKafka) client(opts ...kgo.Opt) *kgo.Client {
	p.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(p.addr()), kgo.RecordPartitioner(kgo.ManualPartitioner())}, opts...)...)
	require.NoError(p.t, err)
	p.t.Cleanup(cl.Close)
	return cl
}

// peerTask returns the request of a pull task from the cluster at servers,
// renaming its topics with the alias "there".
func peerTask(instanceID, name, servers string) *model.CreateConnectorTaskRequest {
	req := newReplicationTask(name, "", "pull", false)
	req.InstanceId = instanceID
	req.Body.SourceTask.InstanceId = nil
	req.Body.SourceTask.BootstrapServers = ptr(servers)
	return req
}

// taskShown is a task as dmsd answers ShowConnectorTask, with the fields
// the SDK's model leaves out (reason, duplicates) and the raw body.
type taskShown struct {
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	Duplicates int64  `json:"duplicates"`
	body       string
}

func showTaskRaw(t *testing.T, s *testServer, instanceID, taskID string) taskShown {
	t.Helper()
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+instanceID+"/connector/tasks/"+taskID)
	require.Equal(t, 200, status, body)
	var shown taskShown
	require.NoError(t, json.Unmarshal([]byte(body), &shown), body)
	shown.body = body
	return shown
}

// waitTaskStatus waits until the SDK's ShowConnectorTask answers status.
func waitTaskStatus(t *testing.T, c *kafkasdk.KafkaClient, instanceID, taskID, status string, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		shown, err := c.ShowConnectorTask(&model.ShowConnectorTaskRequest{InstanceId: instanceID, TaskId: taskID})
		return err == nil && shown.Status != nil && *shown.Status == status
	}, within, 50*time.Millisecond, "task %s never %s", taskID, status)
}

// requireCopiedOnce checks that records holds each record produceN numbered
// 0..n-1 exactly once, on its partition, in order within each partition.
func requireCopiedOnce(t *testing.T, records []*kgo.Record, n int) {
	t.Helper()
	seen := map[int]int{}
	last := map[int32]int{}
	for _, r := range records {
		var i int
		_, err := fmt.Sscan(string(r.Headers[0].Value), &i)
		require.NoError(t, err)
		seen[i]++
		require.Equal(t, int32(i%3), r.Partition, "record %d on its partition", i)
		if prev, ok := last[r.Partition]; ok {
			require.Greater(t, i, prev, "in order within partition %d", r.Partition)
		}
		last[r.Partition] = i
	}
	for i := range n {
		require.Equal(t, 1, seen[i], "record %d exactly once", i)
	}
	require.Len(t, records, n)
}

// A peer given by bootstrap_servers that goes away puts the task in ERROR
// with a reason while it is away; once it is back at the same address the
// task is RUNNING again by itself, and the target holds every record, the
// ones written while it was away and after included, once each and in
// order per partition.
func TestConnectPeerAwayAndBack(t *testing.T) {
	t.Parallel()
	peer := startPeerKafka(t)
	src := peer.client()
	_, err := kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	produceN(t, src, "orders", 0, 90)
	src.Close()

	s := startServer(t, t.TempDir(), "--external-allow", peer.addr())
	c := s.client(0)
	here := createInstance(t, c, "away-here", 1, false)
	enableConnector(t, c, *here.InstanceId)
	created, err := c.CreateConnectorTask(peerTask(*here.InstanceId, "away-and-back", peer.addr()))
	require.NoError(t, err)
	id := *created.Id
	require.Equal(t, peer.addr(), *created.SourceTask.BootstrapServers)
	requireCopiedOnce(t, readAll(t, here, "there.orders", 90, 30*time.Second), 90)

	peer.close()
	began := time.Now()
	waitTaskStatus(t, c, *here.InstanceId, id, dmsd.ConnectError, 30*time.Second)
	t.Logf("ERROR %v after the peer went away", time.Since(began))
	shown := showTaskRaw(t, s, *here.InstanceId, id)
	require.Contains(t, shown.Reason, "pull: the source cluster (the peer) cannot be reached", shown.body)
	// It stays in ERROR, retrying, while the peer is away.
	time.Sleep(2 * time.Second)
	require.Equal(t, dmsd.ConnectError, showTaskRaw(t, s, *here.InstanceId, id).Status)

	peer.start()
	src = peer.client()
	produceN(t, src, "orders", 90, 60)
	began = time.Now()
	waitTaskStatus(t, c, *here.InstanceId, id, dmsd.ConnectRunning, 60*time.Second)
	t.Logf("RUNNING %v after the peer came back", time.Since(began))
	requireCopiedOnce(t, readAll(t, here, "there.orders", 150, 60*time.Second), 150)
	require.Empty(t, showTaskRaw(t, s, *here.InstanceId, id).Reason, "a running task has no reason")
}
