package sqlite

import (
	"context"
	"database/sql"
	"time"
)

const (
	// checkpointEvery is how often the checkpointer copies the WAL's
	// committed pages into the database, when something was committed since
	// its last copy.
	checkpointEvery = 50 * time.Millisecond
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
// starts the WAL over, which keeps it small.
type checkpointer struct {
	conn *sql.DB
	stop context.CancelFunc
	done chan struct{}
}

// startCheckpointer starts the checkpointer of db on its own connection to
// dsn. Close stops it.
func (db *DB) startCheckpointer(dsn string) {
	conn := openPool(dsn, nil, nil)
	conn.SetMaxOpenConns(1)
	ctx, stop := context.WithCancel(context.Background())
	db.ckpt = &checkpointer{conn: conn, stop: stop, done: make(chan struct{})}
	go db.checkpointLoop(ctx)
}

func (db *DB) checkpointLoop(ctx context.Context) {
	defer close(db.ckpt.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	var copied uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n := db.commits.Load()
		if n == copied {
			continue
		}
		// A checkpoint that fails (the disk, a busy lock) leaves the pages
		// in the WAL for the next one, or for the backstop.
		if _, err := db.ckpt.conn.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
			if ctx.Err() == nil {
				db.logger.Debug("WAL checkpoint failed; the next one retries", "error", err)
			}
			continue
		}
		copied = n
		db.checkpoints.Add(1)
	}
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.conn.Close()
}
