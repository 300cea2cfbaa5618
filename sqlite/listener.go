package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// riverDriver is River's SQLite driver with a listener that reads the
// notifications a transaction inserted as soon as it commits, instead of at
// the listener's next look at River's notification table, every 50 ms. A
// task's job is inserted in the transaction that records the task, where
// River cannot wake its workers itself, and the end of the previous task,
// which wakes them for a fetch, often comes first: with the poll alone, one
// task in a hundred waited for it, and the tasks of an instance ran at half
// the rate of bare River jobs. As the write connection tells of every
// commit that inserted a notification (openPool), River's own inserts are
// woken for as well.
type riverDriver struct {
	*riversqlite.Driver
	db *DB
}

var _ riverdriver.Driver[*sql.Tx] = riverDriver{}

// GetListener returns the driver's listener, woken by the commits that
// inserted a notification. It reads on the one write connection, as the
// driver's does: a look woken by a commit waits there for that commit to
// end, and so sees what it inserted.
func (d riverDriver) GetListener(params *riverdriver.GetListenenerParams) riverdriver.Listener {
	return &listener{Listener: d.Driver.GetListener(params), notifying: d.db.notifying}
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
var errNotifying = errors.New("a notification is being committed")

// notified tells the listener that a transaction that inserted a
// notification commits; one telling waits at most.
func (db *DB) notified() {
	select {
	case db.notifying <- struct{}{}:
	default:
	}
}
