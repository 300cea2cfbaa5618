package replicate

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// fakeCluster starts a kfake cluster with topics of one partition and
// returns a client of it; both end with the test.
func fakeCluster(t *testing.T, topics ...string) *kadm.Client {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topics...))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// committed returns group's committed offset of partition 0 of topic, or -1.
func committed(t *testing.T, adm *kadm.Client, group, topic string) int64 {
	t.Helper()
	os, err := adm.FetchOffsets(context.Background(), group)
	require.NoError(t, err)
	if o, ok := os.Lookup(topic, 0); ok && o.Err == nil {
		return o.At
	}
	return -1
}

func commitAt(t *testing.T, adm *kadm.Client, group, topic string, at int64) {
	t.Helper()
	os := kadm.Offsets{}
	os.Add(kadm.Offset{Topic: topic, At: at, LeaderEpoch: -1})
	resp, err := adm.CommitOffsets(context.Background(), group, os)
	require.NoError(t, err)
	require.NoError(t, resp.Error())
}

// TestSyncGroupsOnce: a source group's offsets reach the target translated
// and under the renamed topic, never move backwards there, and are not
// committed for a group with members on the target or for a topic the task
// does not copy.
func TestSyncGroupsOnce(t *testing.T) {
	t.Parallel()
	src, dst := fakeCluster(t, "orders", "other"), fakeCluster(t, "there.orders", "there.other")
	task := &dmsd.ConnectTask{Topics: []string{"orders"}, Peer: dmsd.ConnectPeer{ClusterName: "there", CurrentClusterName: "here", RenameTopic: true}}
	f := task.Flows()[0]
	m := newOffsetMap()
	// Source offsets 0..9 were written at 100..109 on the target.
	var from, to []*kgo.Record
	for i := range int64(10) {
		from = append(from, &kgo.Record{Topic: "orders", Offset: i})
		to = append(to, &kgo.Record{Topic: "there.orders", Offset: 100 + i})
	}
	m.add(from, to)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sync := func() { require.NoError(t, syncGroupsOnce(ctx, task, &f, m, src, dst)) }

	commitAt(t, src, "billing", "orders", 4)
	commitAt(t, src, "billing", "other", 4)
	sync()
	require.Equal(t, int64(104), committed(t, dst, "billing", "there.orders"), "after the 4 records it consumed")
	require.Equal(t, int64(-1), committed(t, dst, "billing", "there.other"), "a topic the task does not copy")

	commitAt(t, src, "billing", "orders", 2)
	sync()
	require.Equal(t, int64(104), committed(t, dst, "billing", "there.orders"), "never backwards")
	commitAt(t, src, "billing", "orders", 8)
	sync()
	require.Equal(t, int64(108), committed(t, dst, "billing", "there.orders"))

	// A group consuming on the target commits for itself.
	live, err := kgo.NewClient(kgo.SeedBrokers(dstAddrs(t, dst)...), kgo.ConsumerGroup("live"), kgo.ConsumeTopics("there.orders"), kgo.DisableAutoCommit())
	require.NoError(t, err)
	defer live.Close()
	go live.PollFetches(ctx)
	require.Eventually(t, func() bool {
		d, err := dst.DescribeGroups(ctx, "live")
		return err == nil && len(d["live"].Members) > 0
	}, 20*time.Second, 50*time.Millisecond)
	commitAt(t, src, "live", "orders", 6)
	sync()
	require.Equal(t, int64(-1), committed(t, dst, "live", "there.orders"), "not for an active group")
}

// dstAddrs returns the addresses of adm's brokers.
func dstAddrs(t *testing.T, adm *kadm.Client) []string {
	t.Helper()
	b, err := adm.BrokerMetadata(context.Background())
	require.NoError(t, err)
	var out []string
	for _, x := range b.Brokers {
		out = append(out, net.JoinHostPort(x.Host, strconv.Itoa(int(x.Port))))
	}
	return out
}
