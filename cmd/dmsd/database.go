package main

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/postgres"
	"github.com/dmsd/dmsd/sqlite"
)

// database is a store with its task queue, whichever the backend.
type database interface {
	dmsd.Store
	// LockReplica makes this process the only one working the replica's
	// queue and clusters; should it lose that on PostgreSQL, suspend stops
	// the clusters and resume starts them again once it is regained.
	LockReplica(ctx context.Context, replica string, suspend, resume func(context.Context)) error
	StartQueue(ctx context.Context, workers *river.Workers, replica string) error
	StopQueue(ctx context.Context) error
	// QueueRunning reports whether the task queue works tasks.
	QueueRunning() bool
	// Ping returns an error if the database cannot be reached.
	Ping(ctx context.Context) error
	Close() error
	// String names the backend for the start-up banner, without secrets.
	String() string
	// CheckSecretKey records the id of the key sealing the secrets if none
	// is, and returns the recorded one.
	CheckSecretKey(ctx context.Context, keyID string) (string, error)
	// SealSecrets seals secrets an older dmsd stored in the clear and
	// returns how many instances it rewrote.
	SealSecrets(ctx context.Context) (int, error)
}

// openDatabase opens the database the configuration names. It returns an
// error for an unsupported URL or a database that cannot be opened.
func openDatabase(ctx context.Context, cfg config, logger *slog.Logger, box dmsd.SecretBox) (database, error) {
	if cfg.isPostgres() {
		db, err := postgres.Open(ctx, cfg.DatabaseURL, logger, postgres.Secrets(box))
		if err != nil {
			return nil, err
		}
		return postgresDB{db, logger}, nil
	}
	path, err := cfg.sqlitePath()
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, path, logger, sqlite.Secrets(box))
	if err != nil {
		return nil, err
	}
	return sqliteDB{db, path, logger}, nil
}

type sqliteDB struct {
	*sqlite.DB
	path   string
	logger *slog.Logger
}

// StartQueue starts the engine's queue on the database's River driver.
func (db sqliteDB) StartQueue(ctx context.Context, workers *river.Workers, replica string) error {
	q, err := engine.NewQueue(db.RiverDriver(), engine.QueueConfig{Workers: workers, Replica: replica, RetryPolicy: engine.RetryPolicy(),
		PollInterval: sqlite.PollInterval, Logger: db.logger})
	if err != nil {
		return err
	}
	return db.DB.StartQueue(ctx, q)
}

// LockReplica does nothing: the data dir's lock, taken before the database
// was opened, already makes this process the database's only one.
func (db sqliteDB) LockReplica(context.Context, string, func(context.Context), func(context.Context)) error {
	return nil
}

func (db sqliteDB) String() string { return "sqlite:" + db.path }

type postgresDB struct {
	*postgres.DB
	logger *slog.Logger
}

// StartQueue starts the engine's queue on the database's River driver.
func (db postgresDB) StartQueue(ctx context.Context, workers *river.Workers, replica string) error {
	q, err := engine.NewQueue(db.RiverDriver(), engine.QueueConfig{Workers: workers, Replica: replica, RetryPolicy: engine.RetryPolicy(),
		RescueAfter: postgres.RescueAfter, Logger: db.logger})
	if err != nil {
		return err
	}
	return db.DB.StartQueue(ctx, replica, q)
}

func (db postgresDB) LockReplica(ctx context.Context, replica string, suspend, resume func(context.Context)) error {
	return db.DB.LockReplica(ctx, replica, postgres.ReplicaHooks{Suspend: suspend, Resume: resume})
}

func (db postgresDB) String() string { return "postgres" }
