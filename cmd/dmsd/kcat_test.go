package main

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
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

// TestKcat shows an instance to a Kafka client that is not franz-go: kcat
// (librdkafka), from Debian's packages. Only a plaintext instance: TLS comes
// with SASL (SASL_SSL), and librdkafka 2.0.2 refuses SASL against kfake,
// which serves SaslHandshake v1 only where librdkafka requires v0 to be
// advertised ("SASL Handshake not supported by broker").
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
}
