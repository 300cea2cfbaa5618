package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

// An external instance's log is collected by one replica at a time, and by
// another once that one's process is gone: started on B, it is B's; when B
// stops, A takes it over and records the next change on the cluster, once.
func TestExternalRebalanceLogTakenOverWhenItsReplicaStops(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	args := func(replica string) []string {
		return []string{"--database-url", dbURL, "--replica-id", replica, "--external-allow", "127.0.0.1", "--log-level", "info"}
	}
	const tookOver = "took over a log whose replica stopped working"
	dirA, dirB := t.TempDir(), t.TempDir()
	// B alone works the shared queue at first, so it runs the start task
	// and collects the log.
	b := startServer(t, dirB, args("collector-b")...)
	brokers := startExternalKafka(t, "-brokers", "1")
	id := b.createExternal(t, "external-log", map[string]any{"bootstrap_servers": brokers})
	join := func(group string) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup(group), kgo.ConsumeTopics("events"))
		require.NoError(t, err)
		t.Cleanup(cl.Close)
		pollAsMember(t, cl)
	}
	adm, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	require.NoError(t, err)
	t.Cleanup(adm.Close)
	_, err = kadm.NewClient(adm).CreateTopic(context.Background(), 1, 1, nil, "events")
	require.NoError(t, err)
	startRebalanceLog(t, b.client(0), id)

	copyFile(t, filepath.Join(dirB, "test-credentials.json"), filepath.Join(dirA, "test-credentials.json"))
	a := startServer(t, dirA, args("collector-a")...)
	join("before")
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, a, id)
		return hasEvent(entries, "before", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond, "B collects")
	require.NotContains(t, a.logs.String(), tookOver, "A leaves the log to B while B works")

	b.stop()
	waitLog(t, a, tookOver, 30*time.Second)
	join("after")
	var entries []dmsd.RebalanceEntry
	require.Eventually(t, func() bool {
		var status string
		status, entries = rebalanceEntries(t, a, id)
		return status == "OPEN" && hasEvent(entries, "after", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond, "A collects the log B no longer does")
	require.Equal(t, 1, strings.Count(a.logs.String(), tookOver), "taken over once")
	joined := 0
	for _, e := range entries {
		if e.Group == "before" && e.Event == dmsd.EventMemberJoined {
			joined++
		}
	}
	require.Equal(t, 1, joined, "the entries before the takeover are kept, each once: %v", entries)
}
