package sqlite

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river/riverdriver"
	"github.com/stretchr/testify/require"
)

// A commit that inserted one of River's notifications tells every
// connected listener, on River's own transactions too; a rolled-back one and
// a commit of other rows do not, nor is a closed listener told.
func TestCommitOfANotificationTellsTheListeners(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "dmsd.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer db.Close()
	driver := db.RiverDriver()
	var listeners []*listener
	for range 2 {
		l := driver.GetListener(&riverdriver.GetListenenerParams{}).(*listener)
		require.NoError(t, l.Connect(ctx))
		listeners = append(listeners, l)
	}
	// told returns which listeners were told since it was last called.
	told := func() []bool {
		var out []bool
		for _, l := range listeners {
			select {
			case <-l.notifying:
				out = append(out, true)
			default:
				out = append(out, false)
			}
		}
		return out
	}
	notify := func(commit bool) {
		tx, err := db.write.BeginTx(ctx, nil)
		require.NoError(t, err)
		require.NoError(t, driver.UnwrapExecutor(tx).NotifyMany(ctx, &riverdriver.NotifyManyParams{Topic: "river_insert", Payload: []string{`{"queue":"q"}`}}))
		if commit {
			require.NoError(t, tx.Commit())
		} else {
			require.NoError(t, tx.Rollback())
		}
	}

	notify(false)
	require.Equal(t, []bool{false, false}, told(), "a rolled-back notification")
	_, err = db.write.ExecContext(ctx, `UPDATE river_job SET state = state`)
	require.NoError(t, err)
	_, err = db.write.ExecContext(ctx, `CREATE TABLE other (v INTEGER); INSERT INTO other VALUES (1)`)
	require.NoError(t, err)
	require.Equal(t, []bool{false, false}, told(), "a commit of other rows")
	notify(true)
	require.Equal(t, []bool{true, true}, told(), "a committed notification, to each listener")
	require.NoError(t, listeners[1].Close(ctx))
	notify(true)
	require.Equal(t, []bool{true, false}, told(), "the closed listener is not told")
}

// The listener looks for notifications again as soon as it is told of a
// commit, without waiting for the driver's listener to end its own wait; its
// caller's context still ends its wait.
func TestListenerLooksAgainWhenTold(t *testing.T) {
	notifying := make(chan struct{}, 1)
	inner := &blockingListener{looks: make(chan struct{}, 4)}
	l := &listener{Listener: inner, notifying: notifying}

	got := make(chan *riverdriver.Notification, 1)
	go func() {
		n, err := l.WaitForNotification(context.Background())
		require.NoError(t, err)
		got <- n
	}()
	<-inner.looks // The first look finds nothing and waits.
	inner.ready.Store(true)
	notifying <- struct{}{}
	require.Equal(t, "found", (<-got).Payload)

	ctx, cancel := context.WithCancel(context.Background())
	inner.ready.Store(false)
	errs := make(chan error, 1)
	go func() {
		_, err := l.WaitForNotification(ctx)
		errs <- err
	}()
	<-inner.looks
	cancel()
	require.ErrorIs(t, <-errs, context.Canceled)
}

// blockingListener is a driver's listener whose look finds a notification
// once ready is set, and otherwise waits until its context ends.
type blockingListener struct {
	riverdriver.Listener
	ready atomic.Bool
	looks chan struct{}
}

func (b *blockingListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	b.looks <- struct{}{}
	if b.ready.Load() {
		return &riverdriver.Notification{Topic: "river_insert", Payload: "found"}, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// A connection's hooks are told of a commit once it has ended, so that what
// the commit wrote is there for other connections to see: for a statement
// outside a transaction and for a transaction's commit; a rollback tells
// nothing.
func TestCommitHooksAreToldAfterTheCommit(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "hooks.db") + "?_pragma=journal_mode(WAL)"
	read := openPool(dsn, nil, nil)
	defer read.Close()
	var seen []int
	count := func() {
		var n int
		require.NoError(t, read.QueryRow(`SELECT count(*) FROM t`).Scan(&n))
		seen = append(seen, n)
	}
	write := openPool(dsn, &commitHooks{changed: count}, nil)
	defer write.Close()
	write.SetMaxOpenConns(1)

	_, err := write.Exec(`CREATE TABLE t (v INTEGER)`)
	require.NoError(t, err)
	_, err = write.Exec(`INSERT INTO t VALUES (1)`)
	require.NoError(t, err)
	tx, err := write.Begin()
	require.NoError(t, err)
	_, err = tx.Exec(`INSERT INTO t VALUES (2), (3)`)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	tx, err = write.Begin()
	require.NoError(t, err)
	_, err = tx.Exec(`INSERT INTO t VALUES (4)`)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	rows, err := write.Query(`INSERT INTO t VALUES (5) RETURNING v`)
	require.NoError(t, err)
	for rows.Next() {
	}
	require.NoError(t, rows.Close())

	require.Equal(t, []int{1, 3, 4}, seen, "each commit that changed a row, seen by another connection")
}
