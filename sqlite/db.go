// Package sqlite is dmsd's store on an embedded SQLite database (pure Go,
// modernc.org/sqlite): the store.Driver of its queries, its migrations and
// its connections. The engine's River queue (riversqlite) runs in the same
// database, so that a task record and its job commit together.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
	_ "modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is dmsd's SQLite database. Writes go through one connection, as SQLite
// allows one writer and River's SQLite driver needs its transactions on the
// connection it inserts with; reads use a small pool of read-only connections,
// which WAL mode lets run beside the writer.
type DB struct {
	*store.Store
	path   string
	logger *slog.Logger

	write *sql.DB
	read  *sql.DB

	// writeGen counts the write transactions committed (driver.WriteGeneration).
	writeGen atomic.Uint64
	// commits counts every write transaction committed, River's too (Commits).
	commits atomic.Uint64
	// statements counts the statements run on the write connection
	// (Statements).
	statements atomic.Uint64
	// ckpt copies the WAL into the database; checkpoints counts its
	// copies.
	ckpt        *checkpointer
	checkpoints atomic.Uint64

	secrets dmsd.SecretBox

	// listeners are told, each on its own channel, that a transaction that
	// inserted one of River's notifications committed (riverDriver).
	listenersMu sync.Mutex
	listeners   map[chan struct{}]struct{}
}

// Option changes how the database is opened.
type Option func(*DB)

// Secrets makes the database seal instances' secrets with box.
func Secrets(box dmsd.SecretBox) Option { return func(db *DB) { db.secrets = box } }

// PollInterval is how often the queue should look for due jobs. River's
// SQLite driver tells of inserted jobs through a table, which its listener
// reads as the transaction that wrote it commits (riverDriver); the poll
// finds the jobs whose telling River's limit per queue
// (engine.NotifyCooldown) left out.
const PollInterval = 200 * time.Millisecond

// Open opens (creating if needed) the database at path, applies dmsd's and
// River's migrations, and returns it. It returns an error if the file cannot
// be opened or a migration fails.
func Open(ctx context.Context, path string, logger *slog.Logger, opts ...Option) (*DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db := &DB{path: path, logger: logger, listeners: map[chan struct{}]struct{}{}}
	db.startCheckpointer(dsn) // Before the first commit, which tells it.
	// Write transactions take the write lock at BEGIN, so that two of them
	// never deadlock upgrading; read transactions must not take it.
	write := openPool(dsn+"&_txlock=immediate&_pragma=wal_autocheckpoint("+strconv.Itoa(walBackstopPages)+")", &commitHooks{changed: db.committed, notified: db.notified}, &db.statements)
	write.SetMaxOpenConns(1)
	read := openPool(dsn+"&_pragma=query_only(1)", nil, nil)
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)

	db.write, db.read = write, read
	for _, opt := range opts {
		opt(db)
	}
	db.Store = store.New(driver{db}, store.Secrets(db.secrets))
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	migrator, err := rivermigrate.New(riversqlite.New(db.write), &rivermigrate.Config{Logger: db.logger})
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river: %w", err)
	}

	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var version int
	if err := db.write.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	for i, name := range names[min(version, len(names)):] {
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, version+i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// RiverDriver returns the River driver of the database, on the connection the
// store writes with, for the engine's queue.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	return riverDriver{Driver: riversqlite.New(db.write), db: db}
}

// StartQueue starts working queued tasks on q, the queue of replica, which
// the store then inserts its jobs with. Jobs that were running when the previous process died are
// made available again first: with SQLite a single process uses the
// database, so a job still marked running belongs to no one. It returns an
// error if the database fails or q cannot be started.
func (db *DB) StartQueue(ctx context.Context, replica string, q store.Queue) error {
	res, err := db.write.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return fmt.Errorf("recover orphaned jobs: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		db.logger.Info("resuming tasks interrupted by the previous process", "jobs", n)
	}
	db.SetQueue(q)
	return q.Start(ctx)
}

// SealSecrets seals the secrets that an older dmsd stored in the clear (see
// store.Store.SealSecrets), zeroing the space the clear rows held and
// emptying the WAL of them. It returns how many instances it rewrote.
func (db *DB) SealSecrets(ctx context.Context) (int, error) {
	if db.secrets == nil {
		return 0, nil
	}
	// Freed cell space is zeroed rather than left holding the old rows.
	if _, err := db.write.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return 0, err
	}
	defer db.write.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`)
	n, err := db.Store.SealSecrets(ctx)
	if err != nil || n == 0 {
		return n, err
	}
	// The clear secrets live on in the WAL's old frames until a checkpoint
	// copies the pages and the log is emptied.
	_, err = db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return n, err
}

// Close closes the database. Call StopQueue first.
func (db *DB) Close() error {
	return errors.Join(db.ckpt.close(), db.read.Close(), db.write.Close())
}

// LockReplica does nothing: the data dir's lock, taken before the database
// was opened, already makes this process the database's only one.
func (db *DB) LockReplica(context.Context, string, func(context.Context), func(context.Context)) error {
	return nil
}

// String names the database for the start-up banner.
func (db *DB) String() string { return "sqlite:" + db.path }

// Ping returns an error if the database cannot be reached.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }
