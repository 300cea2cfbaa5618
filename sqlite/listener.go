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
// that inserted a notification.
func (d riverDriver) GetListener(params *riverdriver.GetListenenerParams) riverdriver.Listener {
	return &listener{Listener: riversqlite.New(d.db.read).GetListener(params), notifying: d.db.notifying}
}

type listener struct {
	riverdriver.Listener
	notifying <-chan struct{}
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

// notified tells the listener that a transaction that inserted a
// notification committed; one telling waits at most.
func (db *DB) notified() {
	select {
	case db.notifying <- struct{}{}:
	default:
	}
}
