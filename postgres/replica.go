package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dmsd/dmsd"
)

// How a replica holds its lock. A check every lockCheckInterval, each given
// lockCheckTimeout, notices a lost session within about two seconds;
// reacquireInterval spaces the attempts to take the lock again; workLockWait
// is how long a process that took the replica lock waits for the process
// that lost it to stop working.
const (
	lockCheckInterval = time.Second
	lockCheckTimeout  = time.Second
	reacquireInterval = 2 * time.Second
	workLockWait      = 60 * time.Second
	suspendTimeout    = 30 * time.Second
)

// LogTakeoverInterval is how often a replica should try to take over the
// logs of external instances whose replica stopped working
// (DB.TakeOverLog): a log goes on collecting within about this long of its
// replica's process ending, or of its noticing that it lost its lock.
const LogTakeoverInterval = 2 * time.Second

// errReplicaBusy is acquire's answer when another process holds the replica
// lock.
var errReplicaBusy = errors.New("replica lock held by another process")

// ReplicaHooks are what the process does besides its queue when it loses and
// regains its replica's lock.
type ReplicaHooks struct {
	// Suspend stops everything else the replica runs here (its embedded
	// clusters). It is called after the queue stopped and before the work
	// lock is given up, so no other process starts them meanwhile.
	Suspend func(ctx context.Context)
	// Resume brings them back once both locks are held again, before the
	// queue starts again.
	Resume func(ctx context.Context)
}

// replicaHold is the two session advisory locks, each on a connection of its
// own outside the pool, that make this process the one working a replica:
//
//   - the replica lock, which a process takes to become the replica: a
//     second process with the same replica id is refused;
//   - the work lock, held while the process works the replica's queue and
//     runs its clusters, and given up only once it stopped them.
//
// A process that takes the replica lock waits for the work lock. So when the
// replica lock's session dies (a connection reset, a terminated backend) and
// another process takes it, that process starts working only after this one
// noticed the loss and stopped.
type replicaHold struct {
	queue      string
	lock, work *pgx.Conn
}

// replicaState is the DB's part in holding its replica.
type replicaState struct {
	mu    sync.Mutex
	hold  *replicaHold
	hooks ReplicaHooks
	// stop ends the lock monitor; done is closed when it has returned.
	stop context.CancelFunc
	done chan struct{}
}

// workLockKey is the key of the work lock of the queue $1.
const workLockKey = `hashtext(current_schema() || ':dmsd-work:' || $1)`

const (
	replicaLockSQL = `SELECT pg_try_advisory_lock(hashtext(current_schema() || ':dmsd:' || $1))`
	workLockSQL    = `SELECT pg_try_advisory_lock(` + workLockKey + `)`
)

// LockReplica makes this process the one working replica's queue and
// clusters, waiting up to a minute for a process that lost the replica's
// lock to stop working it. Should the lock be lost later, once StartQueue
// watches it, the queue stops, then suspend stops the clusters; once it is
// taken again, resume starts them, then the queue starts again (nil hooks do
// nothing). It returns an error if
// another process holds the replica id, if the previous holder does not stop
// in time, or if the database cannot be reached. Calling it again while the
// lock is held does nothing.
func (db *DB) LockReplica(ctx context.Context, replica string, suspend, resume func(context.Context)) error {
	return db.lockReplica(ctx, replica, ReplicaHooks{Suspend: suspend, Resume: resume})
}

func (db *DB) lockReplica(ctx context.Context, replica string, hooks ReplicaHooks) error {
	db.replica.mu.Lock()
	defer db.replica.mu.Unlock()
	if db.replica.hold != nil {
		return nil
	}
	h, err := db.acquire(ctx, dmsd.QueueOf(replica))
	if errors.Is(err, errReplicaBusy) {
		return fmt.Errorf("another dmsd process runs as replica %q on this database: give each replica its own --replica-id", replica)
	} else if err != nil {
		return domainError(err)
	}
	db.replica.hold, db.replica.hooks = h, hooks
	return nil
}

// connect opens a connection outside the pool, with the pool's settings
// (its schema among them).
func (db *DB) connect(ctx context.Context) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
}

// acquire takes the replica lock of queue, then waits for its work lock. It
// returns errReplicaBusy if another process holds the replica lock.
func (db *DB) acquire(ctx context.Context, queue string) (*replicaHold, error) {
	h := &replicaHold{queue: queue}
	var err error
	if h.lock, err = db.connect(ctx); err != nil {
		return nil, err
	}
	var ok bool
	if err := h.lock.QueryRow(ctx, replicaLockSQL, queue).Scan(&ok); err != nil || !ok {
		h.release()
		if err == nil {
			err = errReplicaBusy
		}
		return nil, err
	}
	if h.work, err = db.connect(ctx); err != nil {
		h.release()
		return nil, err
	}
	deadline := time.Now().Add(workLockWait)
	for waited := false; ; waited = true {
		if err := h.work.QueryRow(ctx, workLockSQL, queue).Scan(&ok); err != nil {
			h.release()
			return nil, err
		}
		if ok {
			if waited {
				db.logger.Info("the previous process of this replica stopped working it", "replica", replicaName(queue))
			}
			return h, nil
		}
		if !waited {
			db.logger.Warn("waiting for the previous process of this replica, which lost its lock, to stop working it", "replica", replicaName(queue))
		}
		if time.Now().After(deadline) {
			h.release()
			return nil, fmt.Errorf("replica %q: the process that held it did not stop working it within %v", replicaName(queue), workLockWait)
		}
		select {
		case <-ctx.Done():
			h.release()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// verify returns nil if both sessions are alive and still hold an advisory
// lock.
func (h *replicaHold) verify(ctx context.Context) error {
	for _, c := range []*pgx.Conn{h.lock, h.work} {
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errors.New("the session no longer holds its advisory lock")
		}
	}
	return nil
}

// release closes both sessions, which releases their locks. It is safe on a
// partly acquired hold.
func (h *replicaHold) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range []*pgx.Conn{h.lock, h.work} {
		if c != nil {
			c.Close(ctx)
		}
	}
	h.lock, h.work = nil, nil
}

func replicaName(queue string) string { return strings.TrimPrefix(queue, "replica_") }

// monitorReplicaLock checks the replica's locks every second until ctx ends.
// When they are lost, it stops the queue and (through the hooks) the
// clusters, gives up the work lock, and tries every few seconds to take both
// locks again, resuming the work when it has them.
func (db *DB) monitorReplicaLock(ctx context.Context, startCtx context.Context) {
	defer close(db.replica.done)
	ticker := time.NewTicker(lockCheckInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		db.replica.mu.Lock()
		h := db.replica.hold
		db.replica.mu.Unlock()
		checkCtx, cancel := context.WithTimeout(ctx, lockCheckTimeout)
		err := h.verify(checkCtx)
		cancel()
		if err == nil || ctx.Err() != nil {
			continue
		}
		name := replicaName(h.queue)
		db.logger.Error("lost the lock of this replica: stopping its task queue and Kafka clusters before another process can take them", "replica", name, "error", err)
		db.suspend(h)
		db.logger.Warn("stopped working this replica; trying to take its lock again", "replica", name)
		if !db.reacquire(ctx, startCtx, h.queue) {
			return
		}
		db.logger.Info("took the lock of this replica again; working its tasks again", "replica", name)
	}
}

// suspend stops the queue and the clusters, then gives up h's sessions.
func (db *DB) suspend(h *replicaHold) {
	ctx, cancel := context.WithTimeout(context.Background(), suspendTimeout)
	defer cancel()
	if err := db.Queue().StopAndCancel(ctx); err != nil {
		db.logger.Error("stop task queue", "error", err)
	}
	db.replica.mu.Lock()
	hooks := db.replica.hooks
	db.replica.hold = nil
	db.replica.mu.Unlock()
	if hooks.Suspend != nil {
		hooks.Suspend(ctx)
	}
	h.release()
}

// reacquire tries to take the replica's locks until it has them, then
// resumes the clusters and the queue. It returns false if ctx ended first.
func (db *DB) reacquire(ctx, startCtx context.Context, queue string) bool {
	busyLogged := false
	for {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(reacquireInterval):
		}
		h, err := db.acquire(ctx, queue)
		if errors.Is(err, errReplicaBusy) {
			if !busyLogged {
				db.logger.Warn("another process now holds this replica: this process works none of its tasks until it can take the lock again", "replica", replicaName(queue))
				busyLogged = true
			}
			continue
		} else if err != nil {
			db.logger.Warn("take the lock of this replica again", "replica", replicaName(queue), "error", err)
			continue
		}
		db.replica.mu.Lock()
		db.replica.hold = h
		hooks := db.replica.hooks
		db.replica.mu.Unlock()
		if _, err := db.pool.Exec(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running' AND queue = $1`, queue); err != nil {
			db.logger.Warn("recover jobs of this replica", "error", err)
		}
		if hooks.Resume != nil {
			hooks.Resume(ctx)
		}
		if err := db.Queue().Start(startCtx); err != nil {
			db.logger.Error("start task queue again", "error", err)
		}
		return true
	}
}

// stopMonitor ends the lock monitor and waits for it. It is safe to call
// without one.
func (db *DB) stopMonitor() {
	if db.replica.stop == nil {
		return
	}
	db.replica.stop()
	<-db.replica.done
	db.replica.stop = nil
}

// releaseReplica gives up the replica's locks, if held.
func (db *DB) releaseReplica() {
	db.replica.mu.Lock()
	defer db.replica.mu.Unlock()
	if db.replica.hold != nil {
		db.replica.hold.release()
		db.replica.hold = nil
	}
}
