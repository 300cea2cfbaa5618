package postgres

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

// driver is the store.Driver of a DB, on its pool.
type driver struct{ db *DB }

func (d driver) GetExecutor() store.Executor { return &executor{q: d.db.pool} }

// Autocommit is the pool too: each statement outside a transaction commits
// on its own.
func (d driver) Autocommit() store.Executor { return &executor{q: d.db.pool} }

func (d driver) Begin(ctx context.Context) (store.ExecutorTx, error) {
	tx, err := d.db.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &executor{q: tx, tx: tx}, nil
}

// BeginRead starts a read-only repeatable-read transaction: one snapshot.
func (d driver) BeginRead(ctx context.Context) (store.ExecutorTx, error) {
	tx, err := d.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	return &executor{q: tx, tx: tx}, nil
}

func (d driver) UnwrapTx(tx store.ExecutorTx) any { return tx.(*executor).tx }

func (driver) DomainError(err error) error { return domainError(err) }

// domainError turns an error of the database into the error the store
// answers for: no rows, a refused duplicate, and a lost or refused connection
// as EUNAVAILABLE, so that callers see a clean 503 while the database is away;
// *dmsd.Error and other errors pass as they are.
func domainError(err error) error {
	var derr *dmsd.Error
	var pgErr *pgconn.PgError
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case err == nil, errors.As(err, &derr):
		return err
	case errors.Is(err, pgx.ErrNoRows):
		return errors.Join(store.ErrNoRows, err)
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return errors.Join(store.ErrUniqueViolation, err)
	case errors.As(err, &connectErr), errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, pgconn.ErrConnClosed),
		pgconn.SafeToRetry(err), pgconn.Timeout(err):
		return &dmsd.Error{Code: dmsd.EUNAVAILABLE, Message: "The database is unreachable; try again later.", Err: err}
	}
	return err
}

type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// executor runs the queries on the pool, or in a transaction (tx).
type executor struct {
	q  querier
	tx pgx.Tx
}

func (e *executor) Commit(ctx context.Context) error   { return e.tx.Commit(ctx) }
func (e *executor) Rollback(ctx context.Context) error { return e.tx.Rollback(ctx) }

func rowsAffected(tag pgconn.CommandTag, err error) (int64, error) {
	return tag.RowsAffected(), err
}

// collect returns the rows of a query, scanned.
func collect[T any](rows pgx.Rows, err error, scan func(store.Scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.CollectRows(rows, scan)
}
