package sqlite

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"sync/atomic"

	sqlite3 "modernc.org/sqlite"
)

// openWrite returns the pool of the write connection on dsn, whose
// connections count in commits every transaction they commit that changed a
// row: the store's, and River's own (its fetches, completions and
// maintenance), as they share the connection. A transaction that changed no
// row (a poll that found no job) wrote nothing to the database and is not
// counted.
func openWrite(dsn string, commits *atomic.Uint64) *sql.DB {
	// A driver of its own, so that the hooks reach this pool's connections
	// and no other.
	d := &sqlite3.Driver{}
	d.RegisterConnectionHook(func(conn sqlite3.ExecQuerierContext, _ string) error {
		h, ok := conn.(sqlite3.HookRegisterer)
		if !ok {
			return nil
		}
		// A connection is used by one goroutine at a time, and the hooks
		// run on it, so changed needs no lock.
		changed := false
		h.RegisterPreUpdateHook(func(sqlite3.SQLitePreUpdateData) { changed = true })
		h.RegisterCommitHook(func() int32 {
			if changed {
				commits.Add(1)
			}
			changed = false
			return 0
		})
		h.RegisterRollbackHook(func() { changed = false })
		return nil
	})
	return sql.OpenDB(writeConnector{dsn: dsn, d: d})
}

// writeConnector opens connections on dsn with its own driver.
type writeConnector struct {
	dsn string
	d   *sqlite3.Driver
}

func (c writeConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.d.Open(c.dsn)
}

func (c writeConnector) Driver() sqldriver.Driver { return c.d }

// Commits returns how many write transactions have committed on the database
// since it was opened, River's included: every one that changed a row. Tests
// and benchmarks count with it what a task costs the database.
func (db *DB) Commits() uint64 { return db.commits.Load() }
