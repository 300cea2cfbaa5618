package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// observedStore holds one instance until it is deleted.
type observedStore struct {
	dmsd.InstanceStore
	mu   sync.Mutex
	inst *dmsd.Instance
}

func (s *observedStore) FindInstance(_ context.Context, _, _ string) (*dmsd.Instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst == nil {
		return nil, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	}
	return s.inst, nil
}

// observedCluster answers GroupMembers with what the test sets.
type observedCluster struct {
	dmsd.Cluster
	mu     sync.Mutex
	groups map[string]dmsd.GroupMembership
}

func (c *observedCluster) For(*dmsd.Instance) (dmsd.Cluster, error) { return c, nil }

func (c *observedCluster) SampleGroup(context.Context, *dmsd.Instance, string, string) (*dmsd.GroupSample, error) {
	return nil, fmt.Errorf("not sampled here")
}

func (c *observedCluster) GroupMembers(context.Context, *dmsd.Instance) (map[string]dmsd.GroupMembership, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.groups, nil
}

func (c *observedCluster) set(groups map[string]dmsd.GroupMembership) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.groups = groups
}

// memLogs is a dmsd.LogStore of one process's memory.
type memLogs struct {
	mu   sync.Mutex
	logs map[string]*dmsd.InstanceLog
}

func (m *memLogs) OpenLog(_ context.Context, l *dmsd.InstanceLog) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *l
	m.logs[l.ID] = &c
	return nil
}

func (m *memLogs) FindLog(_ context.Context, _, instanceID, typ string) (*dmsd.InstanceLog, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.logs {
		if l.InstanceID == instanceID && l.Type == typ {
			c := *l
			c.Entries = slices.Clone(l.Entries)
			return &c, nil
		}
	}
	return nil, dmsd.Errorf(dmsd.ELOGNOTRUNNING, "none")
}

func (m *memLogs) FindLogHeader(ctx context.Context, projectID, instanceID, typ string) (*dmsd.InstanceLog, error) {
	l, err := m.FindLog(ctx, projectID, instanceID, typ)
	if l != nil {
		l.Entries = nil
	}
	return l, err
}

func (m *memLogs) AppendLog(_ context.Context, id, replica string, _ time.Time, entries []string, max int) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.logs[id]
	if l == nil || l.Status != dmsd.LogRunning || l.Replica != replica {
		return false, nil
	}
	l.Entries = append(l.Entries, entries...)
	if over := len(l.Entries) - max; over > 0 {
		l.Entries = l.Entries[over:]
	}
	return true, nil
}

func (m *memLogs) CloseLog(_ context.Context, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l := m.logs[id]; l != nil {
		l.Status = dmsd.LogStopped
	}
	return nil
}

func (m *memLogs) ListRunningLogs(context.Context) ([]*dmsd.InstanceLog, error) { return nil, nil }

// TakeOverLog takes nothing over: one process uses this store.
func (m *memLogs) TakeOverLog(context.Context, string, string, string) (bool, error) {
	return false, nil
}

// ReplicaWorks reports that every replica works: one process uses this store.
func (m *memLogs) ReplicaWorks(context.Context, string) (bool, error) { return true, nil }

// giveTo makes replica the log's collector, as another replica's
// TakeOverLog would.
func (m *memLogs) giveTo(id, replica string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logs[id].Replica = replica
}

func TestRebalanceLogStopsWhenItsInstanceIsDeleted(t *testing.T) {
	t.Parallel()
	inst := &dmsd.Instance{ID: dmsd.NewUUID(), ProjectID: "p", Status: dmsd.InstanceRunning}
	store := &observedStore{inst: inst}
	cluster := &observedCluster{groups: map[string]dmsd.GroupMembership{}}
	mem := &memLogs{logs: map[string]*dmsd.InstanceLog{}}
	logs := newInstanceLogs(store, mem, cluster, slog.New(slog.DiscardHandler))
	logs.poll = 10 * time.Millisecond
	t.Cleanup(func() { logs.stopAll() })
	ctx := context.Background()

	d := &deps{cluster: cluster, logs: logs}
	require.NoError(t, startRebalanceLog(ctx, d, nil, inst, &logParams{}))
	cluster.set(map[string]dmsd.GroupMembership{"g": {State: "Stable", Members: []string{"m1"}}})
	var id string
	require.Eventually(t, func() bool {
		l, err := mem.FindLog(ctx, "p", inst.ID, dmsd.LogTypeRebalance)
		require.NoError(t, err)
		id = l.ID
		r := rebalanceLog(l)
		return len(r.Entries) == 1 && r.Entries[0].Event == dmsd.EventMemberJoined && r.Entries[0].Generation == 1
	}, 10*time.Second, 5*time.Millisecond)

	store.mu.Lock()
	store.inst = nil
	store.mu.Unlock()
	require.Eventually(t, func() bool { return !logs.collecting(id) }, 10*time.Second, 5*time.Millisecond, "the collector ends")
}

// collectingLog returns instance logs on an in-memory store with a rebalance
// log of an instance of no groups on and collected, polled every 10 ms, and
// the log.
func collectingLog(t *testing.T) (*instanceLogs, *memLogs, *dmsd.InstanceLog) {
	t.Helper()
	inst := &dmsd.Instance{ID: dmsd.NewUUID(), ProjectID: "p", Status: dmsd.InstanceRunning}
	cluster := &observedCluster{groups: map[string]dmsd.GroupMembership{}}
	mem := &memLogs{logs: map[string]*dmsd.InstanceLog{}}
	logs := newInstanceLogs(&observedStore{inst: inst}, mem, cluster, slog.New(slog.DiscardHandler))
	logs.poll = 10 * time.Millisecond
	t.Cleanup(func() { logs.stopAll() })
	ctx := context.Background()
	require.NoError(t, startRebalanceLog(ctx, &deps{cluster: cluster, logs: logs}, nil, inst, &logParams{}))
	l, err := mem.FindLog(ctx, "p", inst.ID, dmsd.LogTypeRebalance)
	require.NoError(t, err)
	require.True(t, logs.collecting(l.ID))
	return logs, mem, l
}

func TestRebalanceLogStopsWhenStoppedElsewhere(t *testing.T) {
	t.Parallel()
	logs, mem, l := collectingLog(t)
	// Another replica's stop task closes the log in the store alone.
	require.NoError(t, mem.CloseLog(context.Background(), l.ID, dmsd.Now()))
	require.Eventually(t, func() bool { return !logs.collecting(l.ID) }, 10*time.Second, 5*time.Millisecond, "the collector ends")
}

// A collector whose log another replica took over (its own replica's lock
// lost, and not noticed yet) ends at its next poll, recording nothing
// beside the new collector's.
func TestRebalanceLogStopsWhenTakenOver(t *testing.T) {
	t.Parallel()
	logs, mem, l := collectingLog(t)
	mem.giveTo(l.ID, "other")
	require.Eventually(t, func() bool { return !logs.collecting(l.ID) }, 10*time.Second, 5*time.Millisecond, "the collector ends")
}
