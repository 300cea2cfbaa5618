package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
)

func TestCLIMessages(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "cli-messages", 1, false)
	id := *inst.InstanceId
	createTopic(t, c, id, "cli-topic", 2)
	cli := cliAgainst(s)
	seed := func(opts ...kgo.Opt) *kgo.Client { return kafkaClient(t, inst, opts...) }

	// send writes what a consumer reads, where it says it did.
	out := cliMust(t, cli, "messages", "send", id, "--topic", "cli-topic", "--key", "order-7", "--partition", "1",
		"--header", "trace=abc", "--json", "hello from the CLI")
	var sent client.Sent
	require.NoError(t, json.Unmarshal([]byte(out), &sent))
	require.Equal(t, int32(1), sent.Partition)
	r := consumeAt(t, seed, "cli-topic", 1, sent.Offset)
	require.Equal(t, "hello from the CLI", string(r.Value))
	require.Equal(t, "order-7", string(r.Key))
	require.Equal(t, []kgo.RecordHeader{{Key: "trace", Value: []byte("abc")}}, r.Headers)
	out = cliMust(t, cli, "messages", "send", "--instance", id, "--topic", "cli-topic", "second")
	require.Contains(t, out, "sent to cli-topic partition ")

	// query shows the window (the last hour by default) as a table and as
	// JSON, and the one message at a partition and offset.
	table := cliMust(t, cli, "messages", "query", id, "--topic", "cli-topic")
	requireColumn(t, table, "KEY", "hello from the CLI", "order-7")
	requireColumn(t, table, "OFFSET", "hello from the CLI", strconv.FormatInt(sent.Offset, 10))
	require.Contains(t, table, "second")
	out = cliMust(t, cli, "messages", "query", id, "--topic", "cli-topic", "--keyword", "CLI", "--json")
	var page client.MessagePage
	require.NoError(t, json.Unmarshal([]byte(out), &page))
	require.Equal(t, 1, page.Total)
	require.Equal(t, "hello from the CLI", page.Messages[0].Value)
	require.Equal(t, r.Timestamp.UnixMilli(), page.Messages[0].Timestamp.UnixMilli())
	out = cliMust(t, cli, "messages", "query", id, "--topic", "cli-topic", "--partition", "1", "--offset", strconv.FormatInt(sent.Offset, 10), "--json")
	require.NoError(t, json.Unmarshal([]byte(out), &page))
	require.Len(t, page.Messages, 1)
	require.Equal(t, "order-7", *page.Messages[0].Key)

	// Bad input is refused with the service's code, or before any request.
	_, _, err := cli("messages", "query", id, "--topic", "no-such-topic")
	require.ErrorContains(t, err, dmsd.ETOPICNOTFOUND)
	_, _, err = cli("messages", "send", id, "--topic", "cli-topic", "--partition", "9", "nowhere")
	require.ErrorContains(t, err, dmsd.EMSGPARTITION)
	_, _, err = cli("messages", "query", id)
	require.ErrorContains(t, err, "--topic is required")
	_, _, err = cli("messages", "query", id, "--topic", "cli-topic", "--offset", "1")
	require.ErrorContains(t, err, "--offset needs --partition")
	_, _, err = cli("messages", "send", id, "--topic", "cli-topic")
	require.ErrorContains(t, err, "BODY")
	_, _, err = cli("messages", "nothing")
	require.ErrorContains(t, err, "unknown command")
}
