package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/dmsd/dmsd/storetest"
)

// A replica that loses its lock stops its replication tasks with its queue
// and clusters, before it says it stopped working the replica, and starts
// them again once it has the lock back: the task then copies what its peer
// received meanwhile, from its saved offsets, every record once and in
// order.
func TestConnectReplicaLockLostSuspendsReplication(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	peer := startPeerKafka(t)
	src := peer.client()
	_, err := kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	produceN(t, src, "orders", 0, 90)

	a := startServer(t, t.TempDir(), "--database-url", dbURL, "--replica-id", "mirror-holder", "--log-level", "info",
		"--external-allow", peer.addr())
	c := a.client(0)
	here := createInstance(t, c, "lock-here", 1, false)
	enableConnector(t, c, *here.InstanceId)
	created, err := c.CreateConnectorTask(peerTask(*here.InstanceId, "held-mirror", peer.addr()))
	require.NoError(t, err)
	requireCopiedOnce(t, readAll(t, here, "there.orders", 90, 30*time.Second), 90)

	require.Equal(t, 1, terminateReplicaLock(t, dbURL, "mirror-holder"))
	waitLog(t, a, "stopped working this replica", 30*time.Second)
	logs := a.logs.String()
	suspended := strings.Index(logs, "replication suspended with the replica's lock")
	require.GreaterOrEqual(t, suspended, 0, "the replication worker was suspended:\n%s", logs)
	require.Contains(t, logs[suspended:], "tasks_stopped=1", "its one task stopped")
	require.Less(t, suspended, strings.Index(logs, "stopped working this replica"), "before the replica is given up")
	produceN(t, src, "orders", 90, 60)

	waitLog(t, a, "took the lock of this replica again", 30*time.Second)
	waitLog(t, a, "replication resumed with the replica's lock", 10*time.Second)
	waitTaskStatus(t, c, *here.InstanceId, *created.Id, "RUNNING", 30*time.Second)
	requireCopiedOnce(t, readAll(t, here, "there.orders", 150, 60*time.Second), 150)
}
