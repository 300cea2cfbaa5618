package store

import (
	"context"
	"slices"
	"sync"

	"github.com/dmsd/dmsd"
)

// WriteGenerations is implemented by a driver whose database no one writes
// but this process, through its write transactions (SQLite, whose data dir
// one process holds): WriteGeneration returns a number that has changed once
// any write transaction that committed (or failed to) has returned.
type WriteGenerations interface {
	WriteGeneration() uint64
}

// taskCacheSize bounds the finished tasks the store keeps decoded.
const taskCacheSize = 4096

// taskCache keeps finished tasks, decoded, by id. A finished task changes only
// by its deletion (or its instance's), but another replica may delete it, and
// a future write might change it, so an entry is served only once validated:
// without a query when the driver's write generation has not moved since the
// entry was last seen current (nothing was written since), and otherwise by
// a query of the row's status and update time, which must still be the
// entry's. A deleted task has no row, so it is never served from here.
type taskCache struct {
	mu      sync.Mutex
	entries map[string]*cachedTask
}

type cachedTask struct {
	task *dmsd.Task
	// gen is the write generation read before the entry was last found
	// current; meaningful only with a WriteGenerations driver.
	gen uint64
}

// copyTask returns a copy of t that its caller may change.
func copyTask(t *dmsd.Task) *dmsd.Task {
	c := *t
	c.Steps = slices.Clone(t.Steps)
	return &c
}

// generation returns the driver's write generation and whether it has one.
func (s *Store) generation() (uint64, bool) {
	if g, ok := s.d.(WriteGenerations); ok {
		return g.WriteGeneration(), true
	}
	return 0, false
}

// cachedTask returns the cached task of an instance of a project if it is
// still the stored one, or nil: the caller then reads the row.
func (s *Store) cachedTask(ctx context.Context, ex Executor, projectID, instanceID, taskID string) *dmsd.Task {
	c := &s.tasks
	c.mu.Lock()
	e := c.entries[taskID]
	c.mu.Unlock()
	if e == nil || e.task.ProjectID != projectID || e.task.InstanceID != instanceID {
		return nil
	}
	gen, hasGen := s.generation()
	if hasGen && gen == e.gen {
		return copyTask(e.task)
	}
	status, updatedMs, err := ex.GetTaskVersion(ctx, projectID, instanceID, taskID)
	if err != nil || status != string(e.task.Status) || updatedMs != e.task.UpdatedAt.UnixMilli() {
		s.forgetTask(taskID)
		return nil
	}
	c.mu.Lock()
	if c.entries[taskID] == e {
		c.entries[taskID] = &cachedTask{task: e.task, gen: gen}
	}
	c.mu.Unlock()
	return copyTask(e.task)
}

// cacheTask keeps t if it is finished. gen is the write generation read
// before t was read.
func (s *Store) cacheTask(t *dmsd.Task, gen uint64) {
	if !t.Status.Finished() {
		return
	}
	c := &s.tasks
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]*cachedTask)
	}
	if len(c.entries) >= taskCacheSize {
		for id := range c.entries { // Any one: the map's order is random.
			delete(c.entries, id)
			break
		}
	}
	c.entries[t.ID] = &cachedTask{task: copyTask(t), gen: gen}
}

// forgetTask drops the cached task of id, if any.
func (s *Store) forgetTask(id string) {
	c := &s.tasks
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}
