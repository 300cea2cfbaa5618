package replicate

import (
	"context"
	"reflect"
	"slices"

	"github.com/dmsd/dmsd"
)

// ModifyConnectTask applies change to a task, checked as a new task is, and
// returns the task as saved. A running task's worker is woken, sees the new
// settings and restarts its copying from the saved offsets: topics
// added start where consumer_strategy says, topics removed stop, a changed
// renaming or mapping writes what follows under the new names. It returns
// ECONNECTOROFF, ECONNECTTASKNOTFOUND, EINVALID (Apply's, or a name another
// task has), checkPeer's ECONNECTPEER (a protocol the peer instance does not
// speak), the replay check's error and the store's.
func (s *Service) ModifyConnectTask(ctx context.Context, actor dmsd.Actor, instanceID, taskID string, change *dmsd.ConnectTaskChange) (*dmsd.ConnectTask, error) {
	if _, err := s.connected(ctx, actor, instanceID); err != nil {
		return nil, err
	}
	t, err := s.store.FindConnectTask(ctx, actor.ProjectID, instanceID, taskID)
	if err != nil {
		return nil, err
	}
	n, err := change.Apply(t)
	if err != nil {
		return nil, err
	}
	if err := s.checkPeer(ctx, actor, instanceID, &n.Peer); err != nil {
		return nil, err
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return nil, err
	}
	if err := s.woken(s.store.UpdateConnectTask(ctx, n)); err != nil {
		return nil, err
	}
	return n, nil
}

// settingsChanged reports whether b copies differently from a: its topics
// or its peer's settings (not its name, status or counters).
func settingsChanged(a, b *dmsd.ConnectTask) bool {
	return !slices.Equal(a.Topics, b.Topics) || a.TopicsRegex != b.TopicsRegex || !reflect.DeepEqual(a.Peer, b.Peer)
}
