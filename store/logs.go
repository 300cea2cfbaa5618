package store

import (
	"context"
	"time"

	"github.com/dmsd/dmsd"
)

var _ dmsd.LogStore = (*Store)(nil)

// OpenLog records l, RUNNING and without entries, as its instance's log of
// its type, replacing the one before and its entries, in one transaction. It
// returns EINSTANCENOTFOUND if the instance does not exist in l's project.
func (s *Store) OpenLog(ctx context.Context, l *dmsd.InstanceLog) (err error) {
	defer s.out(&err)
	row := &LogRow{ID: l.ID, ProjectID: l.ProjectID, InstanceID: l.InstanceID, Type: l.Type, Status: dmsd.LogRunning,
		FileName: l.FileName, Replica: l.Replica, CreatedMs: l.CreatedAt.UnixMilli(), UpdatedMs: l.UpdatedAt.UnixMilli()}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		if _, err := s.findInstance(ctx, tx, l.ProjectID, l.InstanceID, true); err != nil {
			return err
		}
		if err := tx.DeleteLogOf(ctx, l.InstanceID, l.Type); err != nil {
			return err
		}
		return tx.InsertLog(ctx, row)
	})
}

// FindLog returns the instance's log of type typ with its entries, oldest
// first, read from one snapshot. It returns EINSTANCENOTFOUND, or
// ELOGNOTRUNNING if the instance never had one.
func (s *Store) FindLog(ctx context.Context, projectID, instanceID, typ string) (_ *dmsd.InstanceLog, err error) {
	defer s.out(&err)
	tx, err := s.d.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	l, err := s.findLog(ctx, tx, projectID, instanceID, typ)
	if err != nil {
		return nil, err
	}
	if l.Entries, err = tx.ListLogEntries(ctx, l.ID); err != nil {
		return nil, err
	}
	return l, nil
}

// FindLogHeader returns the instance's log of type typ without its entries,
// in one query when it exists. It returns EINSTANCENOTFOUND, or
// ELOGNOTRUNNING if the instance never had one.
func (s *Store) FindLogHeader(ctx context.Context, projectID, instanceID, typ string) (_ *dmsd.InstanceLog, err error) {
	defer s.out(&err)
	return s.findLog(ctx, s.d.GetExecutor(), projectID, instanceID, typ)
}

// findLog returns the instance's log of type typ, without its entries, as
// ex reads it; without one, EINSTANCENOTFOUND or ELOGNOTRUNNING.
func (s *Store) findLog(ctx context.Context, ex Executor, projectID, instanceID, typ string) (*dmsd.InstanceLog, error) {
	r, err := ex.GetLog(ctx, projectID, instanceID, typ)
	if s.isNoRows(err) {
		if _, err := s.findInstance(ctx, ex, projectID, instanceID, false); err != nil {
			return nil, err
		}
		return nil, dmsd.Errorf(dmsd.ELOGNOTRUNNING, "The instance has no log of type %s: start one first.", typ)
	} else if err != nil {
		return nil, err
	}
	return decodeLog(r), nil
}

// AppendLog adds entries to a RUNNING log that replica collects, keeping
// its newest max, and reports whether the log is still RUNNING and
// replica's. The log's row is read locked in the transaction that appends,
// so that an entry is never added once CloseLog or TakeOverLog has
// committed. With no entries it only reads.
func (s *Store) AppendLog(ctx context.Context, logID, replica string, at time.Time, entries []string, max int) (_ bool, err error) {
	defer s.out(&err)
	if len(entries) == 0 {
		r, err := s.d.GetExecutor().GetLogByID(ctx, logID, false)
		if s.isNoRows(err) {
			return false, nil
		}
		return err == nil && r.Status == dmsd.LogRunning && r.Replica == replica, err
	}
	if over := len(entries) - max; over > 0 {
		entries = entries[over:]
	}
	running := false
	err = s.inTx(ctx, func(tx ExecutorTx) error {
		r, err := tx.GetLogByID(ctx, logID, true)
		if s.isNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		if r.Status != dmsd.LogRunning || r.Replica != replica {
			return nil
		}
		running = true
		if err := tx.InsertLogEntries(ctx, logID, at.UnixMilli(), entries); err != nil {
			return err
		}
		if err := tx.TrimLogEntries(ctx, logID, max); err != nil {
			return err
		}
		return tx.SetLogStatus(ctx, logID, dmsd.LogRunning, at.UnixMilli())
	})
	return running && err == nil, err
}

// CloseLog sets a RUNNING log STOPPED at at; a log stopped or gone already
// is left as it is.
func (s *Store) CloseLog(ctx context.Context, logID string, at time.Time) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		r, err := tx.GetLogByID(ctx, logID, true)
		if s.isNoRows(err) {
			return nil
		} else if err != nil || r.Status != dmsd.LogRunning {
			return err
		}
		return tx.SetLogStatus(ctx, logID, dmsd.LogStopped, at.UnixMilli())
	})
}

// ListRunningLogs returns every RUNNING log, oldest first, without its
// entries.
func (s *Store) ListRunningLogs(ctx context.Context) (_ []*dmsd.InstanceLog, err error) {
	defer s.out(&err)
	rows, err := s.d.GetExecutor().ListLogsByStatus(ctx, dmsd.LogRunning)
	if err != nil {
		return nil, err
	}
	out := make([]*dmsd.InstanceLog, 0, len(rows))
	for _, r := range rows {
		out = append(out, decodeLog(r))
	}
	return out, nil
}

// TakeOverLog makes the replica named to the collector of a RUNNING log in
// place of from, and reports whether it did, in one transaction that holds from's work lock: a process that starts working
// from meanwhile waits for that lock, and then resumes only the logs still
// its own.
func (s *Store) TakeOverLog(ctx context.Context, logID, from, to string) (_ bool, err error) {
	defer s.out(&err)
	taken := false
	err = s.inTx(ctx, func(tx ExecutorTx) error {
		idle, err := tx.LockIdleReplica(ctx, from)
		if err != nil || !idle {
			return err
		}
		taken, err = tx.SetLogReplica(ctx, logID, from, to)
		return err
	})
	return taken && err == nil, err
}

// ReplicaWorks reports whether a process works the replica: whether its
// work lock is taken, tried as TakeOverLog tries it. It returns the
// database's errors.
func (s *Store) ReplicaWorks(ctx context.Context, replica string) (_ bool, err error) {
	defer s.out(&err)
	works := true
	err = s.inTx(ctx, func(tx ExecutorTx) error {
		idle, err := tx.LockIdleReplica(ctx, replica)
		works = !idle
		return err
	})
	return works, err
}

func decodeLog(r *LogRow) *dmsd.InstanceLog {
	return &dmsd.InstanceLog{ID: r.ID, ProjectID: r.ProjectID, InstanceID: r.InstanceID, Type: r.Type, Status: r.Status,
		FileName: r.FileName, Replica: r.Replica,
		CreatedAt: time.UnixMilli(r.CreatedMs).UTC(), UpdatedAt: time.UnixMilli(r.UpdatedMs).UTC()}
}
