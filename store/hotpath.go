package store

import (
	"context"
	"sync"

	"github.com/dmsd/dmsd"
)

// HotQueries are the queries that let a task cost fewer statements: the
// submission's read of its instance with the instance's unfinished tasks,
// and the save of an instance that only succeeds over the record it was
// computed from. They are part of Executor.
type HotQueries interface {
	// GetInstanceUnfinished reads an instance of a project as GetInstance
	// does (locking its row when lock is set) and, in the same statement,
	// counts its unfinished tasks: those EXECUTING, or CREATED and not
	// scheduled.
	GetInstanceUnfinished(ctx context.Context, projectID, instanceID string, lock bool) (*InstanceRow, int, error)
	// SwapInstance saves an instance's record and status if they are still
	// old and oldStatus, and returns how many rows it changed.
	SwapInstance(ctx context.Context, id, oldStatus string, old []byte, status string, data []byte) (int64, error)
	// EndTaskRun saves the status, reason, steps and update time of a
	// CREATED task whose job is r.JobID (as StartTask matches it), swaps its
	// instance's record as SwapInstance does when r.Data is set, and
	// deletes the job r.EndJobID (when set) as DeleteJob does: all of them
	// or none, as the task can end and, when r.Data is set, the record is
	// still r.Old. It returns whether it saved them. On the executor of
	// Driver.Autocommit it is one statement.
	EndTaskRun(ctx context.Context, r *TaskRunRow) (ended bool, err error)
	// GetTaskRun reads a task by id alone, as GetTaskByID does, and its
	// instance, in one statement.
	GetTaskRun(ctx context.Context, taskID string) (*TaskRow, *InstanceRow, error)
}

// TaskRunRow is what EndTaskRun saves.
type TaskRunRow struct {
	TaskID, Status, Reason string
	Steps                  []byte
	JobID, UpdatedMs       int64
	// EndJobID is the job to delete, 0 for none.
	EndJobID int64
	// The instance's record is swapped from Old (with OldStatus) to Data
	// (with NewStatus) when Data is set.
	InstanceID, OldStatus, NewStatus string
	Old, Data                        []byte
}

// ScanWith returns a Scanner that scans the columns of s and then, from the
// columns that follow, extra: a query that adds columns to a row scans them
// with the row's own scan function.
func ScanWith(s Scanner, extra ...any) Scanner { return extraScanner{s, extra} }

type extraScanner struct {
	s     Scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error {
	return e.s.Scan(append(dest, e.extra...)...)
}

// instanceCacheSize bounds the instances whose last known record the store
// keeps.
const instanceCacheSize = 1024

// instanceCache keeps, by instance id, the row (record and status, as
// stored) this process last read or wrote. An entry is only ever a guess of what is stored: the
// write that relies on it (saveRunInstance) is one statement that changes
// the row only if it still holds that record, so a stale entry costs the
// read it was meant to save, never a lost change.
type instanceCache struct {
	mu      sync.Mutex
	entries map[string]knownRow
}

type knownRow struct {
	status string
	data   []byte
}

// know records that the instance of id was stored as data with status; data
// must not be changed afterwards.
func (s *Store) know(id, status string, data []byte) {
	c := &s.instances
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]knownRow)
	}
	if _, ok := c.entries[id]; !ok && len(c.entries) >= instanceCacheSize {
		for k := range c.entries { // Any one: the map's order is random.
			delete(c.entries, k)
			break
		}
	}
	c.entries[id] = knownRow{status: status, data: data}
}

// known returns the last known row of the instance of id, and whether there
// is one.
func (s *Store) known(id string) (knownRow, bool) {
	c := &s.instances
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.entries[id]
	return r, ok
}

// runInstance returns the instance a task's end saves over cur, the record
// as stored: inst, the instance as the task's steps left it (nil when they
// changed nothing), with cur's fields that the API manages while tasks run
// (dmsd.Instance.KeepAPIFields), moved to status when that is set.
func runInstance(cur, inst *dmsd.Instance, status dmsd.InstanceStatus) *dmsd.Instance {
	next := cur
	if inst != nil {
		c := *inst
		c.KeepAPIFields(cur)
		next = &c
	}
	if status != "" {
		next.Status = status
	}
	return next
}

// runSave is the save of an instance at a task's end (runInstance over the
// current record), prepared outside the transaction that saves it, so that
// the write connection waits for no encoding: over the record this process
// last knew (old), when it knows one, encoded as data.
type runSave struct {
	projectID, instanceID string
	inst                  *dmsd.Instance
	status                dmsd.InstanceStatus
	old                   knownRow
	next                  *dmsd.Instance
	data                  []byte
}

// prepareRunSave returns the save of the instance at a task's end: inst, as
// the task's steps left it (nil when they changed nothing), with the current
// record's fields that the API manages, moved to status when that is set. It returns
// the encoding's error.
func (s *Store) prepareRunSave(projectID, instanceID string, inst *dmsd.Instance, status dmsd.InstanceStatus) (*runSave, error) {
	rs := &runSave{projectID: projectID, instanceID: instanceID, inst: inst, status: status}
	old, ok := s.known(instanceID)
	if !ok {
		return rs, nil
	}
	cur, err := decodeInstance(&InstanceRow{Status: old.status, Data: old.data})
	if err != nil || cur.ID != instanceID || cur.ProjectID != projectID {
		return rs, nil // Read in the transaction instead.
	}
	next := runInstance(cur, inst, status)
	data, err := encodeInstance(next, s.secrets)
	if err != nil {
		return nil, err
	}
	rs.old, rs.next, rs.data = old, next, data
	return rs, nil
}

// saveRunInstance saves rs in tx. It saves over the record this process
// last knew in one statement that holds only if the row still has that
// record, as it has unless another writer (another replica, a rolled-back
// write) changed it since; otherwise it reads the row, locked, and saves
// over what it read. It returns EINSTANCENOTFOUND if the instance is gone.
func (s *Store) saveRunInstance(ctx context.Context, tx ExecutorTx, rs *runSave) error {
	if rs.next != nil {
		n, err := tx.SwapInstance(ctx, rs.instanceID, rs.old.status, rs.old.data, string(rs.next.Status), rs.data)
		if err != nil {
			return err
		}
		if n == 1 {
			s.know(rs.instanceID, string(rs.next.Status), rs.data)
			return nil
		}
	}
	cur, err := s.findInstance(ctx, tx, rs.projectID, rs.instanceID, true)
	if err != nil {
		return err
	}
	_, err = s.updateInstance(ctx, tx, runInstance(cur, rs.inst, rs.status))
	return err
}

// findInstanceUnfinished reads an instance in its stored form, locking its
// row, and counts its unfinished tasks (GetInstanceUnfinished), in one
// statement.
// It returns EINSTANCENOTFOUND if the instance does not exist in the
// project.
func (s *Store) findInstanceUnfinished(ctx context.Context, tx ExecutorTx, projectID, instanceID string) (*dmsd.Instance, int, error) {
	r, n, err := tx.GetInstanceUnfinished(ctx, projectID, instanceID, true)
	if s.isNoRows(err) {
		return nil, 0, errInstanceNotFound()
	} else if err != nil {
		return nil, 0, err
	}
	s.know(r.ID, r.Status, r.Data)
	inst, err := decodeInstance(r)
	return inst, n, err
}

// CheckIdle returns ETASKRUNNING while a task holds the instance, counted as
// a submission counts them (GetInstanceUnfinished), and EINSTANCENOTFOUND if
// the instance does not exist in the project.
func (s *Store) CheckIdle(ctx context.Context, projectID, instanceID string) (err error) {
	defer s.out(&err)
	_, n, err := s.d.GetExecutor().GetInstanceUnfinished(ctx, projectID, instanceID, false)
	if s.isNoRows(err) {
		return errInstanceNotFound()
	} else if err != nil {
		return err
	}
	if n > 0 {
		return errTaskRunning()
	}
	return nil
}

// FindTaskRun returns a task by id and its instance, read in one statement.
// It returns ETASKNOTFOUND if the task does not exist.
func (s *Store) FindTaskRun(ctx context.Context, taskID string) (_ *dmsd.Task, _ *dmsd.Instance, err error) {
	defer s.out(&err)
	tr, ir, err := s.d.GetExecutor().GetTaskRun(ctx, taskID)
	if s.isNoRows(err) {
		return nil, nil, errTaskNotFound()
	} else if err != nil {
		return nil, nil, err
	}
	t, err := decodeTask(tr)
	if err != nil {
		return nil, nil, err
	}
	s.know(ir.ID, ir.Status, ir.Data)
	inst, err := s.opened(decodeInstance(ir))
	if err != nil {
		return nil, nil, err
	}
	return t, inst, nil
}
