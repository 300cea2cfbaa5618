// Package postgres stores dmsd's state in PostgreSQL (pgx) and queues task
// execution on River in the same database, so that a task record and its job
// commit together. Several dmsd replicas may share one database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/dmsd/dmsd"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key under which replicas migrate, so
// that two starting at once do not race.
const migrationLock = 0x646d7364 // "dmsd"

// DB is dmsd's PostgreSQL database.
type DB struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
	queue  *river.Client[pgx.Tx]
	// replica holds the session advisory locks that make this process the
	// only one working its replica's queue (replica.go). The locks are
	// named after the schema too: deployments in other schemas of the
	// database are others.
	replica replicaState

	// secrets seals instances' secrets as they are written and opens them
	// as FindInstance and the lists return them; nil keeps them in the
	// clear. Inside the store, instances keep their stored (sealed) form.
	secrets dmsd.SecretBox
}

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
	// MaxWorkers is how many tasks run at once on this replica; 0 means 20.
	MaxWorkers int
	// RescueAfter is how long a job may stay running before River takes it
	// for abandoned (its replica died) and works it again elsewhere; 0
	// means 10 minutes. It must exceed the longest a task takes.
	RescueAfter time.Duration
}

// StartQueue starts working the tasks queued for this replica. It first takes
// the replica's lock (LockReplica), unless taken already, so that no two
// processes of one replica id work one queue, and makes the jobs a dead
// process of this replica left running available again. From then on it
// checks the lock every second: when it is lost, the queue and the clusters
// stop until it is taken again. It returns an error if another process holds
// the replica id, or if River cannot be started.
func (db *DB) StartQueue(ctx context.Context, cfg QueueConfig) error {
	queue := dmsd.QueueOf(cfg.Replica)
	if err := db.LockReplica(ctx, strings.TrimPrefix(queue, "replica_"), ReplicaHooks{}); err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running' AND queue = $1`, queue)
	if err != nil {
		return fmt.Errorf("recover orphaned jobs: %w", err)
	}
	if n := tag.RowsAffected(); n > 0 {
		db.logger.Info("resuming tasks interrupted by this replica's previous process", "jobs", n)
	}

	rescue := cfg.RescueAfter
	if rescue == 0 {
		rescue = 10 * time.Minute
	}
	client, err := river.NewClient(riverpgxv5.New(db.pool), &river.Config{
		Logger: db.logger.With("component", "river"),
		// Its own queue, which only this replica works, and the shared one,
		// whose jobs River rescues after RescueAfter if a replica dies
		// working them.
		Queues: map[string]river.QueueConfig{
			queue:            {MaxWorkers: cmpOr(cfg.MaxWorkers, 20)},
			dmsd.SharedQueue: {MaxWorkers: cmpOr(cfg.MaxWorkers, 20)},
		},
		Workers:              cfg.Workers,
		RetryPolicy:          cfg.RetryPolicy,
		FetchCooldown:        10 * time.Millisecond,
		JobTimeout:           -1,
		RescueStuckJobsAfter: rescue,
	})
	if err != nil {
		return err
	}
	db.queue = client
	if err := client.Start(ctx); err != nil {
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

// Close releases the replica's lock and closes the connection pool. Call
// StopQueue first.
func (db *DB) Close() error {
	db.stopMonitor()
	db.releaseReplica()
	db.pool.Close()
	return nil
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
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// isUniqueViolation reports whether err is PostgreSQL's refusal of a
// duplicate in a unique index.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// domainError turns an error of the database into the error the API reports:
// a lost or refused connection is EUNAVAILABLE, so that callers see a clean
// 503 while the database is away; *dmsd.Error and other errors pass as they
// are. Every exported method of DB returns its error through here.
func domainError(err error) error {
	var derr *dmsd.Error
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case err == nil, errors.As(err, &derr):
		return err
	case errors.As(err, &connectErr), errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, pgconn.ErrConnClosed),
		pgconn.SafeToRetry(err), pgconn.Timeout(err):
		return &dmsd.Error{Code: dmsd.EUNAVAILABLE, Message: "The database is unreachable; try again later.", Err: err}
	}
	return err
}
