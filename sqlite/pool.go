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
// prepared (cachedConn). When hooks is set, its connections tell it of the
// commits they end (commitWatch): on the write pool, the store's and River's
// own (its fetches, completions and maintenance), as they share the
// connection. When statements is set, its connections count in it every
// statement they run.
func openPool(dsn string, hooks *commitHooks, statements *atomic.Uint64) *sql.DB {
	// A driver of its own per pool, as database/sql wants a connector's.
	return sql.OpenDB(connector{dsn: dsn, d: &sqlite3.Driver{}, hooks: hooks, statements: statements})
}

// commitHooks are told of a connection's commits once they have ended.
type commitHooks struct {
	// changed is told of a commit that changed a row. A transaction that
	// changed none (a poll that found no job) wrote nothing to the
	// database and is not told.
	changed func()
	// notified is told of a commit that inserted one of River's
	// notifications (riverDriver).
	notified func()
}

// commitWatch follows one connection's writes through SQLite's hooks, which
// run on the connection, used by one goroutine at a time: it needs no lock.
// SQLite's commit hook runs before the commit ends, when what it wrote is
// not yet seen by others and the write lock still held, so the hooks are told
// only as the call that committed returns (flush).
type commitWatch struct {
	hooks              *commitHooks
	changed, notifying bool // since the last commit or rollback
	// ended holds what a commit wrote, until its call returns.
	endedChanged, endedNotifying bool
}

// watch registers w on conn's hooks.
func (w *commitWatch) watch(h sqlite3.HookRegisterer) {
	h.RegisterPreUpdateHook(func(d sqlite3.SQLitePreUpdateData) {
		w.changed = true
		if d.Op == sqlite3lib.SQLITE_INSERT && d.TableName == "river_notification" {
			w.notifying = true
		}
	})
	h.RegisterCommitHook(func() int32 {
		w.endedChanged, w.endedNotifying = w.endedChanged || w.changed, w.endedNotifying || w.notifying
		w.changed, w.notifying = false, false
		return 0
	})
	h.RegisterRollbackHook(func() { w.changed, w.notifying = false, false })
}

// flush tells the hooks of the commits that ended during the call that
// returns, if ok; a failed commit is forgotten.
func (w *commitWatch) flush(ok bool) {
	changed, notifying := w.endedChanged, w.endedNotifying
	w.endedChanged, w.endedNotifying = false, false
	if !ok {
		return
	}
	if changed && w.hooks.changed != nil {
		w.hooks.changed()
	}
	if notifying && w.hooks.notified != nil {
		w.hooks.notified()
	}
}

// connector opens connections on dsn with its own driver, each keeping its
// statements prepared (cachedConn).
type connector struct {
	dsn        string
	d          *sqlite3.Driver
	hooks      *commitHooks
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
	var w *commitWatch
	if h, ok := conn.(sqlite3.HookRegisterer); ok && c.hooks != nil {
		w = &commitWatch{hooks: c.hooks}
		w.watch(h)
	}
	return newCachedConn(conn, c.statements, w)
}

func (c connector) Driver() sqldriver.Driver { return c.d }

// Commits returns how many write transactions have committed on the database
// since it was opened, River's included: every one that changed a row. Tests
// and benchmarks count with it what a task costs the database.
func (db *DB) Commits() uint64 { return db.commits.Load() }
