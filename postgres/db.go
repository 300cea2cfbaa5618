// Package postgres is dmsd's store on PostgreSQL (pgx): the store.Driver of
// its queries, its migrations, its connection pool and the locks that make a
// process the one working its replica. The engine's River queue (riverpgxv5)
// runs in the same database, so that a task record and its job commit
// together. Several dmsd replicas may share one database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key under which replicas migrate, so
// that two starting at once do not race.
const migrationLock = 0x646d7364 // "dmsd"

// DB is dmsd's PostgreSQL database.
type DB struct {
	*store.Store
	pool   *pgxpool.Pool
	logger *slog.Logger
	// replica holds the session advisory locks that make this process the
	// only one working its replica's queue (replica.go). The locks are
	// named after the schema too: deployments in other schemas of the
	// database are others.
	replica replicaState

	secrets dmsd.SecretBox
}

// RescueAfter is how long the queue should let a job stay running before it
// takes it for abandoned (its replica died) and works it again elsewhere. It
// must exceed the longest a task takes.
const RescueAfter = 10 * time.Minute

// Option changes how the database is opened.
type Option func(*DB)

// Secrets makes the database seal instances' secrets with box.
func Secrets(box dmsd.SecretBox) Option { return func(db *DB) { db.secrets = box } }

// Open connects to the database at url, applies River's and dmsd's migrations
// under an advisory lock, and returns it. It returns an error if the database
// cannot be reached or a migration fails.
func Open(ctx context.Context, url string, logger *slog.Logger, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err) // pgx redacts the password.
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgxpool's default, the number of CPUs, starves the HTTP handlers
		// and River's workers and listeners on a small machine.
		cfg.MaxConns = 25
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db := &DB{pool: pool, logger: logger}
	for _, opt := range opts {
		opt(db)
	}
	db.Store = store.New(driver{db}, store.Secrets(db.secrets))
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)

	migrator, err := rivermigrate.New(riverpgxv5.New(db.pool), &rivermigrate.Config{Logger: db.logger})
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river: %w", err)
	}

	var version int
	err = conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table: a new database
		version = 0
	} else if err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
		if err != nil || n <= version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, n)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// RiverDriver returns the River driver of the database's pool, for the
// engine's queue.
func (db *DB) RiverDriver() riverdriver.Driver[pgx.Tx] { return riverpgxv5.New(db.pool) }

// StartQueue starts working, on q, the tasks queued for replica; the store
// then inserts its jobs with q. It first takes the replica's lock
// (LockReplica), unless taken already, so that no two processes of one
// replica id work one queue, and makes the jobs a dead process of this
// replica left running available again. From then on it checks the lock
// every second: when it is lost, q and the clusters stop until it is taken
// again. It returns an error if another process holds the replica id, or if
// q cannot be started.
func (db *DB) StartQueue(ctx context.Context, replica string, q store.Queue) error {
	queue := dmsd.QueueOf(replica)
	if err := db.lockReplica(ctx, strings.TrimPrefix(queue, "replica_"), ReplicaHooks{}); err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running' AND queue = $1`, queue)
	if err != nil {
		return fmt.Errorf("recover orphaned jobs: %w", err)
	}
	if n := tag.RowsAffected(); n > 0 {
		db.logger.Info("resuming tasks interrupted by this replica's previous process", "jobs", n)
	}
	db.SetQueue(q)
	if err := q.Start(ctx); err != nil {
		return err
	}
	monitorCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	db.replica.stop, db.replica.done = stop, make(chan struct{})
	go db.monitorReplicaLock(monitorCtx, ctx)
	return nil
}

// StopQueue stops working tasks. It lets running task steps finish until ctx
// is done, then cancels them, which makes them checkpoint and retry on the
// next start. It is safe to call more than once and without StartQueue.
func (db *DB) StopQueue(ctx context.Context) error {
	// The monitor must not start the queue again behind this stop.
	db.stopMonitor()
	return db.Store.StopQueue(ctx)
}

// Close releases the replica's lock and closes the connection pool. Call
// StopQueue first.
func (db *DB) Close() error {
	db.stopMonitor()
	db.releaseReplica()
	db.pool.Close()
	return nil
}

// String names the backend, without secrets, for the start-up banner.
func (db *DB) String() string { return "postgres" }

// Ping returns an error if the database cannot be reached.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }
