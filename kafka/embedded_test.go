package kafka

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// newEmbedded returns an Embedded on a fresh data directory, closed when the
// test ends, and that directory.
func newEmbedded(t *testing.T) (*Embedded, string) {
	t.Helper()
	dir := t.TempDir()
	e := NewEmbedded(dir, nil)
	// Registered after TempDir, so it runs before the directory is removed:
	// closing a cluster writes its state there.
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e, dir
}

func newInstance(brokers int) *dmsd.Instance {
	return &dmsd.Instance{ID: dmsd.NewUUID(), BrokerNum: brokers}
}

// seeds returns the host:port of every broker of ep.
func seeds(ep dmsd.Endpoint) []string {
	s := make([]string, len(ep.Ports))
	for i, p := range ep.Ports {
		s[i] = ep.Host + ":" + strconv.Itoa(p)
	}
	return s
}

// newClient returns a client of the cluster at ep, closed when the test ends.
func newClient(t *testing.T, ep dmsd.Endpoint, opts ...kgo.Opt) (*kgo.Client, *kadm.Client) {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(seeds(ep)...)}, opts...)
	cl, err := kgo.NewClient(opts...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl, kadm.NewClient(cl)
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// produce writes values to topic, waiting for each to be acknowledged.
func produce(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, values ...string) {
	t.Helper()
	rs := make([]*kgo.Record, len(values))
	for i, v := range values {
		rs[i] = &kgo.Record{Topic: topic, Value: []byte(v)}
	}
	require.NoError(t, cl.ProduceSync(ctx, rs...).FirstErr())
}

// consume returns the values of the first n records of topic, read from the
// start with a client of its own, in offset order per partition.
func consume(ctx context.Context, t *testing.T, ep dmsd.Endpoint, topic string, n int) []string {
	t.Helper()
	cl, _ := newClient(t, ep,
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	var values []string
	for len(values) < n {
		fetches := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "got %d of %d records", len(values), n)
		fetches.EachError(func(topic string, partition int32, err error) {
			require.NoError(t, err, "fetch %s/%d", topic, partition)
		})
		fetches.EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	return values
}

func TestStartClusterThreeBrokers(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(3)

	ep, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", ep.Host)
	require.Len(t, ep.Ports, 3)
	for _, p := range ep.Ports {
		require.Positive(t, p)
	}

	again, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.Equal(t, ep, again, "a second start returns the running cluster's endpoint")
	require.NoError(t, e.CheckCluster(ctx, inst))

	cl, adm := newClient(t, ep)
	md, err := adm.BrokerMetadata(ctx)
	require.NoError(t, err)
	require.Len(t, md.Brokers, 3)
	brokers := slices.SortedFunc(slices.Values(md.Brokers), func(a, b kgo.BrokerMetadata) int {
		return cmp.Compare(a.NodeID, b.NodeID)
	})
	var mdPorts []int
	for _, b := range brokers {
		require.Equal(t, "127.0.0.1", b.Host)
		mdPorts = append(mdPorts, int(b.Port))
	}
	require.Equal(t, ep.Ports, mdPorts, "the endpoint lists the ports in broker order")
	require.Equal(t, inst.ID, md.Cluster)

	_, err = adm.CreateTopic(ctx, 3, 3, nil, "orders")
	require.NoError(t, err)
	values := []string{"a", "b", "c", "d", "e", "f"}
	produce(ctx, t, cl, "orders", values...)
	require.ElementsMatch(t, values, consume(ctx, t, ep, "orders", len(values)))
}

func TestStartClusterConcurrent(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(1)

	const n = 8
	eps := make([]dmsd.Endpoint, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { eps[i], errs[i] = e.StartCluster(ctx, inst) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.Equal(t, eps[0], eps[i], "every caller gets the one cluster's endpoint")
	}
}

func TestStopStartKeepsTopicsAndRecords(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(2)

	ep, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	cl, adm := newClient(t, ep)
	_, err = adm.CreateTopic(ctx, 2, 2, nil, "events")
	require.NoError(t, err)
	values := []string{"one", "two", "three", "four"}
	produce(ctx, t, cl, "events", values...)
	cl.Close()

	require.NoError(t, e.StopCluster(ctx, inst.ID))
	require.NoError(t, e.StopCluster(ctx, inst.ID), "stopping a stopped cluster is no error")

	// The engine saves the ports of the first start and passes them again.
	inst.Ports = ep.Ports
	restarted, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.Equal(t, ep, restarted)

	_, adm = newClient(t, restarted)
	topics, err := adm.ListTopics(ctx)
	require.NoError(t, err)
	require.True(t, topics.Has("events"))
	require.Len(t, topics["events"].Partitions, 2)
	require.ElementsMatch(t, values, consume(ctx, t, restarted, "events", len(values)))
}

func TestPortsIgnoredUnlessOnePerBroker(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(2)
	// One port for two brokers: kfake would start one broker on it, so it
	// must not be used at all.
	inst.Ports = []int{1}

	ep, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.Len(t, ep.Ports, 2)
	require.NotContains(t, ep.Ports, 1)
}

func TestAutoTopicCreation(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(1)

	ep, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	cl, adm := newClient(t, ep, kgo.AllowAutoTopicCreation(), kgo.MetadataMinAge(50*time.Millisecond))

	// The client retries an unknown topic until the context ends.
	short, cancel := context.WithTimeout(ctx, time.Second)
	err = cl.ProduceSync(short, &kgo.Record{Topic: "unknown", Value: []byte("x")}).FirstErr()
	cancel()
	require.Error(t, err)
	topics, err := adm.ListTopics(ctx, "unknown")
	require.NoError(t, err)
	require.False(t, topics.Has("unknown"), "auto topic creation is off")
	cl.Close()

	require.NoError(t, e.StopCluster(ctx, inst.ID))
	inst.Ports = ep.Ports
	inst.EnableAutoTopic = true
	ep, err = e.StartCluster(ctx, inst)
	require.NoError(t, err)

	cl, adm = newClient(t, ep, kgo.AllowAutoTopicCreation())
	produce(ctx, t, cl, "unknown", "x")
	topics, err = adm.ListTopics(ctx, "unknown")
	require.NoError(t, err)
	require.True(t, topics.Has("unknown"), "auto topic creation is on after the restart")
	cl.Close()

	// And off again: the setting is not persisted with the data.
	require.NoError(t, e.StopCluster(ctx, inst.ID))
	inst.EnableAutoTopic = false
	ep, err = e.StartCluster(ctx, inst)
	require.NoError(t, err)
	cl, adm = newClient(t, ep, kgo.AllowAutoTopicCreation(), kgo.MetadataMinAge(50*time.Millisecond))
	short, cancel = context.WithTimeout(ctx, time.Second)
	err = cl.ProduceSync(short, &kgo.Record{Topic: "another", Value: []byte("x")}).FirstErr()
	cancel()
	require.Error(t, err)
	topics, err = adm.ListTopics(ctx, "another")
	require.NoError(t, err)
	require.False(t, topics.Has("another"), "auto topic creation is off after the second restart")
	require.Equal(t, []string{"x"}, consume(ctx, t, ep, "unknown", 1), "the auto-created topic kept its record")
}

func TestDestroyClusterRemovesData(t *testing.T) {
	t.Parallel()
	e, dir := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(1)
	instDir := filepath.Join(dir, inst.ID)

	ep, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	_, adm := newClient(t, ep)
	_, err = adm.CreateTopic(ctx, 1, 1, nil, "doomed")
	require.NoError(t, err)
	require.DirExists(t, instDir)

	require.NoError(t, e.DestroyCluster(ctx, inst.ID))
	require.NoDirExists(t, instDir)
	require.NoError(t, e.DestroyCluster(ctx, inst.ID), "destroying a destroyed cluster is no error")

	// A new start begins empty.
	ep, err = e.StartCluster(ctx, inst)
	require.NoError(t, err)
	_, adm = newClient(t, ep)
	topics, err := adm.ListTopics(ctx)
	require.NoError(t, err)
	require.False(t, topics.Has("doomed"))
}

func TestDestroyStoppedClusterRemovesData(t *testing.T) {
	t.Parallel()
	e, dir := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(1)

	_, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.NoError(t, e.StopCluster(ctx, inst.ID))
	require.DirExists(t, filepath.Join(dir, inst.ID))

	require.NoError(t, e.DestroyCluster(ctx, inst.ID))
	require.NoDirExists(t, filepath.Join(dir, inst.ID))
}

func TestUnknownAndInvalidIDs(t *testing.T) {
	t.Parallel()
	e, dir := newEmbedded(t)
	ctx := testContext(t)

	require.NoError(t, e.StopCluster(ctx, dmsd.NewUUID()))
	require.NoError(t, e.DestroyCluster(ctx, dmsd.NewUUID()))

	// An id that is not one path element must never reach os.RemoveAll.
	keep := filepath.Join(dir, "keep")
	require.NoError(t, os.WriteFile(keep, nil, 0o600))
	for _, id := range []string{"", ".", "..", "../x", "a/b", `a\b`, "/abs"} {
		require.Error(t, e.DestroyCluster(ctx, id), "id %q", id)
		require.Error(t, e.StopCluster(ctx, id), "id %q", id)
		_, err := e.StartCluster(ctx, &dmsd.Instance{ID: id, BrokerNum: 1})
		require.Error(t, err, "id %q", id)
	}
	require.FileExists(t, keep)

	_, err := e.StartCluster(ctx, &dmsd.Instance{ID: dmsd.NewUUID(), BrokerNum: 0})
	require.Error(t, err)
}

func TestStartClusterCanceledContext(t *testing.T) {
	t.Parallel()
	e, dir := newEmbedded(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	inst := newInstance(1)
	_, err := e.StartCluster(ctx, inst)
	require.ErrorIs(t, err, context.Canceled)
	require.NoDirExists(t, filepath.Join(dir, inst.ID))
}

func TestCloseStopsAllClusters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := NewEmbedded(dir, nil)
	ctx := testContext(t)

	var eps []dmsd.Endpoint
	for range 2 {
		ep, err := e.StartCluster(ctx, newInstance(1))
		require.NoError(t, err)
		eps = append(eps, ep)
	}
	require.NoError(t, e.Close())
	require.NoError(t, e.Close(), "closing twice is no error")

	// A closed cluster's listener is gone, so its port can be bound again.
	for _, ep := range eps {
		requirePortFree(t, ep.Ports[0])
	}

	_, err := e.StartCluster(ctx, newInstance(1))
	require.Equal(t, dmsd.EUNAVAILABLE, dmsd.ErrorCode(err))
}

func requirePortFree(t *testing.T, port int) {
	t.Helper()
	e := NewEmbedded(t.TempDir(), nil)
	defer e.Close()
	inst := &dmsd.Instance{ID: fmt.Sprintf("port-%d", port), BrokerNum: 1, Ports: []int{port}}
	ep, err := e.StartCluster(t.Context(), inst)
	require.NoError(t, err)
	require.Equal(t, []int{port}, ep.Ports)
}

func TestCheckCluster(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(2)

	require.Error(t, e.CheckCluster(ctx, inst), "the cluster does not run yet")
	_, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.NoError(t, e.CheckCluster(ctx, inst))

	wrong := *inst
	wrong.BrokerNum = 3
	require.ErrorContains(t, e.CheckCluster(ctx, &wrong), "lists 2 brokers, want 3")

	require.NoError(t, e.StopCluster(ctx, inst.ID))
	require.Error(t, e.CheckCluster(ctx, inst), "the cluster was stopped")
	require.Error(t, e.CheckCluster(ctx, &dmsd.Instance{ID: "..", BrokerNum: 1}))
}

// syncBuffer is a bytes.Buffer that the cluster's goroutines and the test may
// use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestKfakeLogsAtDebug(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := NewEmbedded(t.TempDir(), logger)
	ctx := testContext(t)
	inst := newInstance(1)

	_, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.NoError(t, e.CheckCluster(ctx, inst))
	require.NoError(t, e.Close())

	out := buf.String()
	require.Contains(t, out, "kfake_level=")
	for line := range strings.Lines(out) {
		if strings.Contains(line, "kfake_level=") {
			require.Contains(t, line, "level=DEBUG")
			require.Contains(t, line, "instance_id="+inst.ID)
		}
	}
}
