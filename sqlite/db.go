// Package sqlite stores dmsd's state in an embedded SQLite database (pure Go,
// modernc.org/sqlite) and queues task execution on River in the same database,
// so that a task record and its job commit together.
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
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/dmsd/dmsd"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is dmsd's SQLite database. Writes go through one connection, as SQLite
// allows one writer and River's SQLite driver needs its transactions on the
// connection it inserts with; reads use a small pool of read-only connections,
// which WAL mode lets run beside the writer.
type DB struct {
	path   string
	logger *slog.Logger

	write *sql.DB
	read  *sql.DB
	queue *river.Client[*sql.Tx]

	// Statements of the hot read paths, prepared once: parsing SQL costs
	// more than running these lookups.
	findTaskStmt, findInstanceStmt, countStmt, pageStmt *sql.Stmt

	// secrets seals instances' secrets as they are written and opens them
	// as FindInstance and the lists return them; nil keeps them in the
	// clear. Inside the store, instances keep their stored (sealed) form.
	secrets dmsd.SecretBox
}

// Option changes how the database is opened.
type Option func(*DB)

// Secrets makes the database seal instances' secrets with box.
func Secrets(box dmsd.SecretBox) Option { return func(db *DB) { db.secrets = box } }

// Open opens (creating if needed) the database at path, applies dmsd's and
// River's migrations, and returns it. It returns an error if the file cannot
// be opened or a migration fails.
func Open(ctx context.Context, path string, logger *slog.Logger, opts ...Option) (*DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// Write transactions take the write lock at BEGIN, so that two of them
	// never deadlock upgrading; read transactions must not take it.
	write, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)

	db := &DB{path: path, logger: logger, write: write, read: read}
	for _, opt := range opts {
		opt(db)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&db.findTaskStmt, findTaskQuery},
		{&db.findInstanceStmt, findInstanceQuery},
		{&db.countStmt, taskCountQuery},
		{&db.pageStmt, taskPageQuery},
	} {
		if *p.stmt, err = read.PrepareContext(ctx, p.query); err != nil {
			db.Close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
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
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, version+i+1))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// QueueConfig tunes task execution.
type QueueConfig struct {
	// Workers runs tasks; it must hold a worker for dmsd.TaskJob.
	Workers *river.Workers
	// Replica names this process: it works the tasks of the instances it
	// hosts (dmsd.QueueOf). Empty means dmsd.DefaultReplica.
	Replica string
	// RetryPolicy decides when an interrupted job runs again; nil means
	// River's default.
	RetryPolicy river.ClientRetryPolicy
	// MaxWorkers is how many tasks run at once; 0 means 20.
	MaxWorkers int
}

// StartQueue starts working queued tasks. Jobs that were running when the
// previous process died are made available again first: with SQLite a single
// process uses the database, so a job still marked running belongs to no one.
// It returns an error if River cannot be started.
func (db *DB) StartQueue(ctx context.Context, cfg QueueConfig) error {
	res, err := db.write.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return fmt.Errorf("recover orphaned jobs: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		db.logger.Info("resuming tasks interrupted by the previous process", "jobs", n)
	}

	client, err := river.NewClient(riversqlite.New(db.write), &river.Config{
		Logger: db.logger.With("component", "river"),
		Queues: map[string]river.QueueConfig{
			dmsd.QueueOf(cfg.Replica): {MaxWorkers: cmpOr(cfg.MaxWorkers, 20)},
			dmsd.SharedQueue:          {MaxWorkers: cmpOr(cfg.MaxWorkers, 20)},
		},
		Workers:           cfg.Workers,
		RetryPolicy:       cfg.RetryPolicy,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
		// Task steps report their own progress; a step such as starting a
		// cluster may take a while, and the engine bounds each step itself.
		JobTimeout: -1,
	})
	if err != nil {
		return err
	}
	db.queue = client
	return client.Start(ctx)
}

// StopQueue stops working tasks. It lets running task steps finish until ctx
// is done, then cancels them, which makes them checkpoint and retry on the
// next start. It is safe to call more than once and without StartQueue.
func (db *DB) StopQueue(ctx context.Context) error {
	if db.queue == nil {
		return nil
	}
	err := db.queue.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = db.queue.StopAndCancel(stopCtx)
	}
	return err
}

// Close closes the database. Call StopQueue first.
func (db *DB) Close() error {
	for _, stmt := range []*sql.Stmt{db.findTaskStmt, db.findInstanceStmt, db.countStmt, db.pageStmt} {
		if stmt != nil {
			stmt.Close()
		}
	}
	return errors.Join(db.read.Close(), db.write.Close())
}

// QueueRunning reports whether StartQueue started the task queue and it has
// not stopped since.
func (db *DB) QueueRunning() bool {
	if db.queue == nil {
		return false
	}
	select {
	case <-db.queue.Stopped():
		return false
	default:
		return true
	}
}

// Ping returns an error if the database cannot be reached.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// isUniqueViolation reports whether err is SQLite's refusal of a duplicate in
// a unique index or primary key.
func isUniqueViolation(err error) bool {
	var serr *sqlite3.Error
	return errors.As(err, &serr) && (serr.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || serr.Code() == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
