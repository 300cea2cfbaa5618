package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd/storetest"
)

// A second dmsd on a data dir that a running dmsd uses is refused at once,
// naming the dir and the process that holds it, and leaves the first one
// alone; once the first is killed, a new one starts on the same dir.
func TestSecondProcessOnDataDirIsRefused(t *testing.T) {
	t.Parallel()
	bin := buildDMSD(t)
	dir := t.TempDir()
	seed := startServer(t, dir)
	seed.stop()

	first := startProcess(t, bin, dir)
	c := newSDKClient(t, first.url, seed.creds[0])
	id := *createInstance(t, c, "locked", 1, false).InstanceId

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, bin, "--listen", "127.0.0.1:0", "--data-dir", dir,
		"--credentials", filepath.Join(dir, "test-credentials.json"), "--log-level", "warn")
	var stderr bytes.Buffer
	second.Stderr = &stderr
	began := time.Now()
	err := second.Run()
	took := time.Since(began)
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "the second process must exit non-zero, not serve: %s", stderr.String())
	require.Less(t, took, 10*time.Second, "the second process exits quickly")
	require.Contains(t, stderr.String(), dir, "the message names the data dir")
	require.Contains(t, stderr.String(), "dmsd process "+strconv.Itoa(first.cmd.Process.Pid), "the message names the holder")
	t.Logf("second process refused in %v: %s", took, stderr.String())

	// The first one still serves, and its instance and tasks are intact.
	inst := waitInstance(t, c, id, "RUNNING")
	require.NoError(t, kafkaClient(t, inst).Ping(context.Background()))
	_, err = c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))})
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *(*list.Tasks)[0].Id).Status)

	// The lock dies with its holder, even on SIGKILL.
	first.kill()
	third := startProcess(t, bin, dir)
	waitInstance(t, newSDKClient(t, third.url, seed.creds[0]), id, "RUNNING")
}

// A PostgreSQL replica's data dir (its embedded clusters' data, its replica
// id) is locked too: a second process on it is refused, whatever its
// replica id.
func TestSecondReplicaOnDataDirIsRefused(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	dir := t.TempDir()
	startServer(t, dir, "--database-url", dbURL, "--replica-id", "replica-a")

	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, []string{"--listen", "127.0.0.1:0", "--data-dir", dir, "--credentials", filepath.Join(dir, "test-credentials.json"),
		"--database-url", dbURL, "--replica-id", "replica-b"}, func(string) string { return "" }, &stderr, &stderr)
	require.ErrorContains(t, err, "data dir "+dir+" is in use by dmsd process ")
	require.NotContains(t, stderr.String(), "listening", "the second process never served")
}
