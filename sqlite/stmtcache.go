package sqlite

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"sync/atomic"
)

// maxCachedStmts bounds the statements a connection keeps prepared: dmsd's
// and River's queries are a few dozen texts, each run again and again.
const maxCachedStmts = 256

// cachedConn is a connection that keeps its statements prepared, by their
// text, so that each is parsed once: the driver prepares a statement anew on
// every Exec and Query, and parsing River's long statements and the store's
// was half of the CPU a task cost. A statement whose rows are open is taken
// out of the cache until they close, so that it is never stepped twice at
// once; a second use meanwhile prepares one of its own.
type cachedConn struct {
	conn  sqldriver.Conn
	stmts map[string]sqldriver.Stmt
	// statements, when set, counts the statements run (DB.Statements).
	statements *atomic.Uint64
	// watch, when set, is told as each call that may have committed
	// returns.
	watch *commitWatch
}

// the driver's connection has these; a cachedConn needs them to pass through.
type driverConn interface {
	sqldriver.Conn
	sqldriver.ConnBeginTx
	sqldriver.ConnPrepareContext
	sqldriver.Pinger
	sqldriver.SessionResetter
	sqldriver.Validator
}

func newCachedConn(c sqldriver.Conn, statements *atomic.Uint64, watch *commitWatch) (sqldriver.Conn, error) {
	if _, ok := c.(driverConn); !ok {
		return nil, errors.New("sqlite: the driver's connection lacks an interface the statement cache needs")
	}
	return &cachedConn{conn: c, stmts: map[string]sqldriver.Stmt{}, statements: statements, watch: watch}, nil
}

func (c *cachedConn) raw() driverConn { return c.conn.(driverConn) }

func (c *cachedConn) Prepare(query string) (sqldriver.Stmt, error) { return c.conn.Prepare(query) }

func (c *cachedConn) PrepareContext(ctx context.Context, query string) (sqldriver.Stmt, error) {
	return c.raw().PrepareContext(ctx, query)
}

func (c *cachedConn) Begin() (sqldriver.Tx, error) {
	return c.BeginTx(context.Background(), sqldriver.TxOptions{})
}

func (c *cachedConn) BeginTx(ctx context.Context, opts sqldriver.TxOptions) (sqldriver.Tx, error) {
	tx, err := c.raw().BeginTx(ctx, opts)
	if err != nil || c.watch == nil {
		return tx, err
	}
	return watchedTx{tx, c.watch}, nil
}

// watchedTx tells its connection's watch once its commit has ended.
type watchedTx struct {
	sqldriver.Tx
	watch *commitWatch
}

func (t watchedTx) Commit() error {
	err := t.Tx.Commit()
	t.watch.flush(err == nil)
	return err
}

func (t watchedTx) Rollback() error {
	err := t.Tx.Rollback()
	t.watch.flush(false)
	return err
}

func (c *cachedConn) Ping(ctx context.Context) error         { return c.raw().Ping(ctx) }
func (c *cachedConn) ResetSession(ctx context.Context) error { return c.raw().ResetSession(ctx) }
func (c *cachedConn) IsValid() bool                          { return c.raw().IsValid() }

// Close closes the cached statements and the connection.
func (c *cachedConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.conn.Close())...)
}

// take returns the statement of query, out of the cache, prepared if it was
// not there.
func (c *cachedConn) take(ctx context.Context, query string) (sqldriver.Stmt, error) {
	if c.statements != nil {
		c.statements.Add(1)
	}
	if s, ok := c.stmts[query]; ok {
		delete(c.stmts, query)
		return s, nil
	}
	return c.raw().PrepareContext(ctx, query)
}

// give puts a statement back in the cache, or closes it if the cache has one
// for its query already or is full.
func (c *cachedConn) give(query string, s sqldriver.Stmt) {
	if _, ok := c.stmts[query]; ok || len(c.stmts) >= maxCachedStmts {
		s.Close()
		return
	}
	c.stmts[query] = s
}

func (c *cachedConn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	s, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	defer c.give(query, s)
	res, err := s.(sqldriver.StmtExecContext).ExecContext(ctx, args)
	if c.watch != nil {
		c.watch.flush(err == nil) // A statement outside a transaction commits in its call.
	}
	return res, err
}

func (c *cachedConn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	s, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.(sqldriver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.give(query, s)
		return nil, err
	}
	return &cachedRows{Rows: rows, done: func() {
		c.give(query, s)
		if c.watch != nil {
			c.watch.flush(true) // Outside a transaction, the rows' statement commits as they end.
		}
	}}, nil
}

// cachedRows gives its statement back to the cache when it closes.
type cachedRows struct {
	sqldriver.Rows
	done func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}
