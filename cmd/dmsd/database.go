package main

import (
	"context"
	"log/slog"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/postgres"
	"github.com/dmsd/dmsd/sqlite"
	"github.com/dmsd/dmsd/store"
)

// database is a store and what runs its task queue, whichever the backend.
type database interface {
	dmsd.Store
	dmsd.RecycleStore
	dmsd.ConnectStore
	// LockReplica makes this process the only one working the replica's
	// queue and clusters; should it lose that on PostgreSQL, suspend stops
	// the clusters and resume starts them again once it is regained.
	LockReplica(ctx context.Context, replica string, suspend, resume func(context.Context)) error
	// StartQueue starts working the replica's tasks on q.
	StartQueue(ctx context.Context, replica string, q store.Queue) error
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

// newQueue builds the engine's task queue on the database's River driver.
type newQueue func(engine.QueueConfig) (*engine.Queue, error)

// openDatabase opens the database the configuration names, and returns it
// with the builder of its task queue. It returns an error for an unsupported
// URL or a database that cannot be opened.
func openDatabase(ctx context.Context, cfg config, logger *slog.Logger, box dmsd.SecretBox) (database, newQueue, error) {
	if cfg.isPostgres() {
		db, err := postgres.Open(ctx, cfg.DatabaseURL, logger, postgres.Secrets(box))
		if err != nil {
			return nil, nil, err
		}
		return db, func(qc engine.QueueConfig) (*engine.Queue, error) {
			qc.RescueAfter = postgres.RescueAfter
			qc.PollInterval = postgres.PollInterval
			return engine.NewQueue(db.RiverDriver(), qc)
		}, nil
	}
	path, err := cfg.sqlitePath()
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlite.Open(ctx, path, logger, sqlite.Secrets(box))
	if err != nil {
		return nil, nil, err
	}
	return db, func(qc engine.QueueConfig) (*engine.Queue, error) {
		qc.PollInterval = sqlite.PollInterval
		return engine.NewQueue(db.RiverDriver(), qc)
	}, nil
}
