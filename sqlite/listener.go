package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// riverDriver is River's SQLite driver with a listener that reads the
// notifications a transaction inserted as soon as it has committed, instead
// of at the listener's next look at River's notification table, every 50 ms.
// A task's job is inserted in the transaction that records the task, where
// River cannot wake its workers itself, and the end of the previous task,
// which wakes them for a fetch, often comes first: with the looks alone, one
// task in a hundred waited 60 to 185 ms to start, and a benchmark's round of
// tasks lasted as long as its slowest. As the write connection tells of every
// commit that inserted a notification once the commit has ended
// (commitWatch), River's own inserts are woken for as well.
type riverDriver struct {
	*riversqlite.Driver
	db *DB
}

var _ riverdriver.Driver[*sql.Tx] = riverDriver{}

// GetListener returns the driver's listener on the read connections, so that
// its looks never wait for the one write connection, woken by the commits
// that inserted a notification. Each listener is woken on its own: two
// River clients on one database both hear of each commit.
func (d riverDriver) GetListener(params *riverdriver.GetListenenerParams) riverdriver.Listener {
	return &listener{Listener: riversqlite.New(d.db.read).GetListener(params), db: d.db, notifying: make(chan struct{}, 1)}
}

type listener struct {
	riverdriver.Listener
	db        *DB
	notifying chan struct{}
}

// Connect connects the driver's listener and has the database tell it of
// commits from then on.
func (l *listener) Connect(ctx context.Context) error {
	if err := l.Listener.Connect(ctx); err != nil {
		return err
	}
	l.db.listenersMu.Lock()
	defer l.db.listenersMu.Unlock()
	l.db.listeners[l.notifying] = struct{}{}
	return nil
}

// Close stops the telling and closes the driver's listener.
func (l *listener) Close(ctx context.Context) error {
	l.db.listenersMu.Lock()
	delete(l.db.listeners, l.notifying)
	l.db.listenersMu.Unlock()
	return l.Listener.Close(ctx)
}

// WaitForNotification returns the next notification, as the driver's
// listener does, looking for one again whenever a commit inserted one.
func (l *listener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	for {
		wait, stop := context.WithCancelCause(ctx)
		go func() {
			select {
			case <-l.notifying:
				stop(errNotifying)
			case <-wait.Done():
			}
		}()
		n, err := l.Listener.WaitForNotification(wait)
		woken := errors.Is(context.Cause(wait), errNotifying)
		stop(nil)
		if err == nil || !woken || ctx.Err() != nil {
			return n, err
		}
	}
}

// errNotifying ends a listener's wait when a commit inserted a notification.
var errNotifying = errors.New("a notification was committed")

// notified tells each connected listener that a transaction that inserted a
// notification committed; one telling waits at most on each.
func (db *DB) notified() {
	db.listenersMu.Lock()
	defer db.listenersMu.Unlock()
	for ch := range db.listeners {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
