package engine

import (
	"context"
	"fmt"
	"log/slog"
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

func TestRebalanceLogStopsWhenItsInstanceIsDeleted(t *testing.T) {
	t.Parallel()
	inst := &dmsd.Instance{ID: dmsd.NewUUID(), ProjectID: "p", Status: dmsd.InstanceRunning}
	store := &observedStore{inst: inst}
	cluster := &observedCluster{groups: map[string]dmsd.GroupMembership{}}
	logs := newRebalanceLogs(store, cluster, slog.New(slog.DiscardHandler))
	logs.poll = 10 * time.Millisecond
	t.Cleanup(logs.stopAll)

	logs.start(inst, map[string]dmsd.GroupMembership{})
	cluster.set(map[string]dmsd.GroupMembership{"g": {State: "Stable", Members: []string{"m1"}}})
	require.Eventually(t, func() bool {
		l := logs.snapshot(inst.ID)
		return len(l.Entries) == 1 && l.Entries[0].Event == dmsd.EventMemberJoined && l.Entries[0].Generation == 1
	}, 10*time.Second, 5*time.Millisecond)

	store.mu.Lock()
	store.inst = nil
	store.mu.Unlock()
	require.Eventually(t, func() bool { return !logs.running(inst.ID) }, 10*time.Second, 5*time.Millisecond)
	r := logs.logs[inst.ID]
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the log's goroutine did not end")
	}
}

func TestRebalanceLogIsBounded(t *testing.T) {
	t.Parallel()
	r := &rebalanceLog{}
	logs := newRebalanceLogs(nil, nil, slog.New(slog.DiscardHandler))
	for i := range maxRebalanceEntries + 5 {
		logs.record(context.Background(), r, []dmsd.RebalanceEntry{{Time: int64(i)}})
	}
	require.Len(t, r.log.Entries, maxRebalanceEntries)
	require.Equal(t, int64(5), r.log.Entries[0].Time, "the oldest go first")
}
