package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// kcat runs kcat with args (and stdin, when not empty) and returns its
// output and error.
func kcat(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestKcat shows an instance and its SSL switch to a Kafka client that is not
// franz-go: kcat (librdkafka), from Debian's packages.
func TestKcat(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Skip("kcat is not on PATH")
	}
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "kcat-cluster", 3, false)
	id := *inst.InstanceId
	addr := *inst.ConnectAddress + ":" + strconv.Itoa(int(*inst.Port))
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "kcat-topic", Partition: ptr(int32(1))}})
	require.NoError(t, err)

	// Plaintext: metadata lists the three brokers and the topic; records
	// go in and come back.
	out, err := kcat(t, "", "-b", addr, "-L", "-m", "10")
	require.NoError(t, err, out)
	require.Contains(t, out, "3 brokers:")
	require.Contains(t, out, `topic "kcat-topic" with 1 partitions`)
	out, err = kcat(t, "one\ntwo\n", "-b", addr, "-P", "-t", "kcat-topic")
	require.NoError(t, err, out)
	out, err = kcat(t, "", "-b", addr, "-C", "-t", "kcat-topic", "-o", "beginning", "-e", "-q")
	require.NoError(t, err, out)
	require.Equal(t, "one\ntwo\n", out)

	// SSL on: kcat with the downloaded CA reaches the brokers; without TLS
	// it does not.
	resp, err := sslSwitch(c, id, "private_sasl_ssl_enable", true)
	require.NoError(t, err)
	task := waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "SUCCESS", *task.Status, task.String())
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, []byte(downloadCA(t, s, id)), 0o600))
	ssl := []string{"-b", addr, "-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + caFile}
	out, err = kcat(t, "", append(ssl, "-L", "-m", "10")...)
	require.NoError(t, err, out)
	require.Contains(t, out, "3 brokers:")
	out, err = kcat(t, "three\n", append(ssl, "-P", "-t", "kcat-topic")...)
	require.NoError(t, err, out)
	out, err = kcat(t, "", append(ssl, "-C", "-t", "kcat-topic", "-o", "beginning", "-e", "-q")...)
	require.NoError(t, err, out)
	require.Equal(t, "one\ntwo\nthree\n", out)
	out, err = kcat(t, "", "-b", addr, "-L", "-m", "3")
	require.Error(t, err, "plaintext kcat must not reach TLS listeners: %s", out)
}
