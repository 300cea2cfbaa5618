package sqlite

import (
	"context"
	"database/sql"
	"time"
)

const (
	// checkpointAfter is how long the checkpointer lets commits gather after
	// the first one it is told of before it copies them all.
	checkpointAfter = 50 * time.Millisecond
	// walBackstopPages is the WAL size past which a commit checkpoints
	// itself, as every commit past 1,000 pages does by SQLite's default:
	// only when the checkpointer falls that far behind.
	walBackstopPages = 10000
)

// checkpointer copies the WAL into the database in the background, on a
// connection of its own, so that no commit waits for the copy: with SQLite's
// default, the commit that takes the WAL past 1,000 pages copies them all
// before it returns, holding the one write connection that every task's
// submission and end, and River's fetches, wait for (milliseconds, where a
// commit takes tens of microseconds). A PASSIVE checkpoint copies beside the
// writer and readers, and the next write transaction after a complete one
// starts the WAL over, which keeps it small. An idle database costs it
// nothing: it waits for a commit.
type checkpointer struct {
	conn *sql.DB
	// dirty holds a signal when a commit has not been copied yet.
	dirty chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
}

// committed tells the checkpointer of a commit, and counts it (Commits). The
// write connection calls it after each commit that changed a row, once the
// commit has ended (commitWatch): a checkpoint told earlier could run before
// a slow commit ended and leave its pages in the WAL.
func (db *DB) committed() {
	db.commits.Add(1)
	select {
	case db.ckpt.dirty <- struct{}{}:
	default: // Already told.
	}
}

// startCheckpointer starts the checkpointer of db on its own connection to
// dsn. Close stops it.
func (db *DB) startCheckpointer(dsn string) {
	conn := openPool(dsn, nil, nil)
	conn.SetMaxOpenConns(1)
	ctx, stop := context.WithCancel(context.Background())
	db.ckpt = &checkpointer{conn: conn, dirty: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go db.checkpointLoop(ctx)
}

func (db *DB) checkpointLoop(ctx context.Context) {
	defer close(db.ckpt.done)
	gather := time.NewTimer(checkpointAfter)
	gather.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.ckpt.dirty:
		}
		gather.Reset(checkpointAfter)
		select {
		case <-ctx.Done():
			return
		case <-gather.C:
		}
		// A checkpoint that fails (the disk, a busy lock) leaves the pages
		// in the WAL for the next commit's, or for the backstop.
		if _, err := db.ckpt.conn.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
			if ctx.Err() == nil {
				db.logger.Debug("WAL checkpoint failed; the next one retries", "error", err)
			}
			continue
		}
		db.checkpoints.Add(1)
	}
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.conn.Close()
}
