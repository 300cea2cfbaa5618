package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

// driver is the store.Driver of a DB: writes on its one write connection,
// reads on its read pool.
type driver struct{ db *DB }

func (d driver) GetExecutor() store.Executor {
	return &executor{db: d.db, q: d.db.read, read: true}
}

// Autocommit is nil: writes go through Begin, on the one write connection,
// whose transactions WriteGeneration counts.
func (driver) Autocommit() store.Executor { return nil }

func (d driver) Begin(ctx context.Context) (store.ExecutorTx, error) {
	tx, err := d.db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &executor{db: d.db, q: tx, tx: tx}, nil
}

func (d driver) BeginRead(ctx context.Context) (store.ExecutorTx, error) {
	tx, err := d.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return &executor{db: d.db, q: tx, tx: tx, read: true}, nil
}

// WriteGeneration counts the write transactions committed: this process is
// the database's one writer (it holds the data dir), and writes only through
// Begin, so the store may trust what it read while the count stays.
func (d driver) WriteGeneration() uint64 { return d.db.writeGen.Load() }

func (d driver) UnwrapTx(tx store.ExecutorTx) any { return tx.(*executor).tx }

// DomainError turns SQLite's errors into the store's: no rows, a refused
// duplicate in a unique index or primary key, and a database busy past the
// busy timeout or unreachable (EUNAVAILABLE).
func (driver) DomainError(err error) error { return domainError(err) }

func domainError(err error) error {
	var serr *sqlite3.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return errors.Join(store.ErrNoRows, err)
	case errors.As(err, &serr):
		switch serr.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errors.Join(store.ErrUniqueViolation, err)
		case sqlite3lib.SQLITE_BUSY, sqlite3lib.SQLITE_LOCKED, sqlite3lib.SQLITE_CANTOPEN, sqlite3lib.SQLITE_IOERR:
			return &dmsd.Error{Code: dmsd.EUNAVAILABLE, Message: "The database is unreachable; try again later.", Err: err}
		}
	case errors.Is(err, sql.ErrConnDone):
		return &dmsd.Error{Code: dmsd.EUNAVAILABLE, Message: "The database is unreachable; try again later.", Err: err}
	}
	return err
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// executor runs the queries on the read pool, or in a transaction (tx).
type executor struct {
	db   *DB
	q    querier
	tx   *sql.Tx
	read bool
}

func (e *executor) Commit(context.Context) error {
	if !e.read {
		// After the commit, so that a reader who sees the old generation
		// read before the commit returned.
		defer e.db.writeGen.Add(1)
	}
	return e.tx.Commit()
}
func (e *executor) Rollback(context.Context) error { return e.tx.Rollback() }

func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// collect returns the rows of a query, scanned.
func collect[T any](rows *sql.Rows, err error, scan func(store.Scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.CollectRows(rows, scan)
}
