package sqlite

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"sync/atomic"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

// openPool returns a pool of connections on dsn that keep their statements
// prepared (cachedConn). When committed is set, its connections call it after
// every transaction they commit that changed a row: on the write pool, the
// store's and River's own (its fetches, completions and maintenance), as they
// share the connection. A transaction that changed no row (a poll that found
// no job) wrote nothing to the database and is not told. When statements is
// set, its connections count in it every statement they run. When notified is
// set, its connections call it as they commit a transaction that inserted
// one of River's notifications (riverDriver).
func openPool(dsn string, committed, notified func(), statements *atomic.Uint64) *sql.DB {
	// A driver of its own, so that the hooks reach this pool's connections
	// and no other.
	d := &sqlite3.Driver{}
	d.RegisterConnectionHook(func(conn sqlite3.ExecQuerierContext, _ string) error {
		h, ok := conn.(sqlite3.HookRegisterer)
		if !ok || committed == nil {
			return nil
		}
		// A connection is used by one goroutine at a time, and the hooks
		// run on it, so changed needs no lock.
		changed, notifying := false, false
		h.RegisterPreUpdateHook(func(d sqlite3.SQLitePreUpdateData) {
			changed = true
			if d.Op == sqlite3lib.SQLITE_INSERT && d.TableName == "river_notification" {
				notifying = true
			}
		})
		h.RegisterCommitHook(func() int32 {
			if changed {
				committed()
			}
			if notifying && notified != nil {
				notified()
			}
			changed, notifying = false, false
			return 0
		})
		h.RegisterRollbackHook(func() { changed, notifying = false, false })
		return nil
	})
	return sql.OpenDB(connector{dsn: dsn, d: d, statements: statements})
}

// connector opens connections on dsn with its own driver, each keeping its
// statements prepared (cachedConn).
type connector struct {
	dsn        string
	d          *sqlite3.Driver
	statements *atomic.Uint64
}

func (c connector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := c.d.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachedConn(conn, c.statements)
}

func (c connector) Driver() sqldriver.Driver { return c.d }

// Commits returns how many write transactions have committed on the database
// since it was opened, River's included: every one that changed a row. Tests
// and benchmarks count with it what a task costs the database.
func (db *DB) Commits() uint64 { return db.commits.Load() }
