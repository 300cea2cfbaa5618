package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd/storetest"
)

// replicaLockHolders returns the backends that hold the replica lock of
// replica in the schema dbURL names, as pg_locks shows a bigint advisory key
// (high and low 32 bits).
const replicaLockHolders = `SELECT pid FROM pg_locks, (SELECT hashtext(current_schema() || ':dmsd:replica_' || $1)::bigint AS k) AS key
	WHERE locktype = 'advisory' AND granted AND objsubid = 1
	AND objid::bigint = (key.k & 4294967295) AND classid::bigint = ((key.k >> 32) & 4294967295)`

// terminateReplicaLock ends the database session that holds the replica's
// lock, as a connection reset or an administrator would, and returns how
// many sessions it ended.
func terminateReplicaLock(t *testing.T, dbURL, replica string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM (`+replicaLockHolders+`) AS holders`, replica).Scan(&n))
	return n
}

// waitLog waits until the server has logged want.
func waitLog(t *testing.T, s *testServer, want string, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(s.logs.String(), want) }, within, 20*time.Millisecond,
		"the server never logged %q; it logged:\n%s", want, s.logs.String())
}

// runSecondReplica runs a second dmsd with the same replica id on its own
// data dir and returns what run returned and what it printed and logged. A
// second that serves is stopped once whileServing, called in its own
// goroutine, returns, and run then returns nil; one that does not serve
// within timeout is cancelled.
func runSecondReplica(t *testing.T, a *testServer, dbURL, replica string, timeout time.Duration, whileServing func()) (error, string) {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, filepath.Join(a.dataDir, "test-credentials.json"), filepath.Join(dir, "test-credentials.json"))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out := &listenWatcher{logBuffer: &logBuffer{}, listening: func() {
		go func() {
			whileServing()
			cancel()
		}()
	}}
	err := run(ctx, withSharedSecretKey(t, []string{"--listen", "127.0.0.1:0", "--data-dir", dir, "--credentials", filepath.Join(dir, "test-credentials.json"),
		"--database-url", dbURL, "--replica-id", replica}), func(string) string { return "" }, out, out)
	return err, out.String()
}

// listenWatcher is a log that calls listening once dmsd says it listens.
type listenWatcher struct {
	*logBuffer
	listening func()
	once      sync.Once
}

func (w *listenWatcher) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("dmsd: listening on")) {
		w.once.Do(w.listening)
	}
	return w.logBuffer.Write(p)
}

// A replica whose lock's session dies (connection reset, terminated backend)
// notices within seconds, stops its queue and clusters, takes the lock again
// and resumes; meanwhile and afterwards a second process with its replica id
// is refused, and the replica's tasks run again.
func TestReplicaLockLostIsTakenAgain(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	a := startServer(t, t.TempDir(), "--database-url", dbURL, "--replica-id", "holder", "--log-level", "info")
	c := a.client(0)
	id := *createInstance(t, c, "held", 1, false).InstanceId

	began := time.Now()
	require.Equal(t, 1, terminateReplicaLock(t, dbURL, "holder"), "one session holds the replica lock")
	waitLog(t, a, "lost the lock of this replica", 10*time.Second)
	waitLog(t, a, "stopped working this replica", 30*time.Second)
	t.Logf("loss noticed and work stopped after %v", time.Since(began))
	waitLog(t, a, "took the lock of this replica again", 30*time.Second)
	t.Logf("lock taken again after %v", time.Since(began))

	err, out := runSecondReplica(t, a, dbURL, "holder", 30*time.Second, func() {})
	require.ErrorContains(t, err, `another dmsd process runs as replica "holder"`, out)

	// The first process works the replica again: its cluster is back and
	// a task of the instance runs.
	inst := waitInstance(t, c, id, "RUNNING")
	require.NoError(t, kafkaClient(t, inst).Ping(context.Background()))
	_, err = c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))})
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *(*list.Tasks)[0].Id).Status)
}

// A second process that starts with the replica's id right after the first
// lost its lock either is refused (the first took the lock again) or takes
// the lock and waits until the first has stopped working the replica: never
// do both work it at once.
func TestReplicaLockLostNeverTwoWorkers(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	a := startServer(t, t.TempDir(), "--database-url", dbURL, "--replica-id", "contested", "--log-level", "info")

	require.Equal(t, 1, terminateReplicaLock(t, dbURL, "contested"))
	type result struct {
		err error
		out string
	}
	second := make(chan result, 1)
	firstLogs := make(chan string, 1)
	go func() {
		err, out := runSecondReplica(t, a, dbURL, "contested", 90*time.Second, func() {
			// While the second serves, the first tries the lock in vain.
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(a.logs.String(), "another process now holds this replica") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			firstLogs <- a.logs.String()
		})
		second <- result{err, out}
	}()
	waitLog(t, a, "lost the lock of this replica", 10*time.Second)
	r := <-second
	if r.err != nil {
		require.ErrorContains(t, r.err, `another dmsd process runs as replica "contested"`, r.out)
		t.Log("the first process took its lock again first; the second was refused")
		return
	}
	// The second served: it must have started working only after the first
	// stopped, and the first must not have resumed.
	require.Contains(t, r.out, "dmsd: listening on", r.out)
	logs := <-firstLogs
	require.Contains(t, logs, "stopped working this replica")
	require.Contains(t, logs, "another process now holds this replica")
	require.NotContains(t, logs, "took the lock of this replica again", "the first never resumed while the second held the replica")
	t.Logf("the second process took the lock once the first stopped (it had to wait: %v)", strings.Contains(r.out, "waiting for the previous process"))
}
