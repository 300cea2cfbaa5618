// Package store keeps dmsd's state: it writes each transaction script of
// dmsd.Store once, with its guards, against the queries of a Driver that each
// backend (sqlite, postgres) implements in its own SQL, and inserts the jobs
// of the engine's Queue in the same transactions, so that a task record and
// its job commit together.
package store

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/dmsd/dmsd"
)

// Ensure Store implements the store.
var _ dmsd.Store = (*Store)(nil)

// Store is dmsd.Store over a Driver.
type Store struct {
	d Driver
	// secrets seals instances' secrets as they are written and opens them
	// as FindInstance and the lists return them; nil keeps them in the
	// clear. Inside the store, instances keep their stored (sealed) form.
	secrets dmsd.SecretBox
	queue   atomic.Pointer[Queue]
	// tasks keeps finished tasks for FindTask (taskcache.go).
	tasks taskCache
	// instances keeps the rows of instances last read or written
	// (hotpath.go).
	instances instanceCache
}

// Option changes a store from its defaults.
type Option func(*Store)

// Secrets makes the store seal instances' secrets with box.
func Secrets(box dmsd.SecretBox) Option { return func(s *Store) { s.secrets = box } }

// New returns a store over d.
func New(d Driver, opts ...Option) *Store {
	s := &Store{d: d}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// SetQueue makes the store queue the jobs of the tasks it records on q. Until
// it is set, the operations that queue or cancel jobs return EUNAVAILABLE.
func (s *Store) SetQueue(q Queue) { s.queue.Store(&q) }

// Queue returns the queue SetQueue set, or nil.
func (s *Store) Queue() Queue {
	if q := s.queue.Load(); q != nil {
		return *q
	}
	return nil
}

// StopQueue stops working tasks. It lets running task steps finish until ctx
// is done, then cancels them, which makes them checkpoint and retry on the
// next start. It is safe to call more than once and without a queue.
func (s *Store) StopQueue(ctx context.Context) error {
	if q := s.Queue(); q != nil {
		return q.Stop(ctx)
	}
	return nil
}

// QueueRunning reports whether the task queue was started and has not stopped
// since.
func (s *Store) QueueRunning() bool {
	q := s.Queue()
	return q != nil && q.Running()
}

// readyQueue returns the queue, or EUNAVAILABLE before there is one.
func (s *Store) readyQueue() (Queue, error) {
	if q := s.Queue(); q != nil {
		return q, nil
	}
	return nil, dmsd.Errorf(dmsd.EUNAVAILABLE, "The service is not ready to accept tasks.")
}

// classify returns err as the driver's DomainError maps it; errors already
// mapped pass as they are.
func (s *Store) classify(err error) error {
	if err == nil {
		// Before the *dmsd.Error that errors.As needs, which escapes: a
		// call that succeeded allocates nothing here.
		return nil
	}
	var derr *dmsd.Error
	if errors.As(err, &derr) || errors.Is(err, ErrNoRows) || errors.Is(err, ErrUniqueViolation) {
		return err
	}
	return s.d.DomainError(err)
}

// out is the error an exported method returns: the driver's mapping, with
// ErrNoRows and ErrUniqueViolation, which the scripts answer before, left as
// they are.
func (s *Store) out(err *error) { *err = s.classify(*err) }

func (s *Store) isNoRows(err error) bool { return errors.Is(s.classify(err), ErrNoRows) }

func (s *Store) isUnique(err error) bool { return errors.Is(s.classify(err), ErrUniqueViolation) }

// inTx runs fn in a write transaction, committed if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx ExecutorTx) error) error {
	tx, err := s.d.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func errInstanceNotFound() error {
	return dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
}

func errTaskRunning() error {
	return dmsd.Errorf(dmsd.ETASKRUNNING, "This DMS instance job task is still running.")
}

func errTaskNotFound() error {
	return dmsd.Errorf(dmsd.ETASKNOTFOUND, "This task does not exist.")
}

func errScheduleStarted(status dmsd.TaskStatus) error {
	return dmsd.Errorf(dmsd.ESCHEDULESTARTED, "The scheduled task is %s; only a task that has not started (CREATED) can be changed.", status)
}
