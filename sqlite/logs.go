package sqlite

import (
	"context"
	"encoding/json"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

func (e *executor) InsertLog(ctx context.Context, r *store.LogRow) error {
	_, err := e.q.ExecContext(ctx, `INSERT INTO instance_logs (`+store.LogColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ProjectID, r.InstanceID, r.Type, r.Status, r.FileName, r.Replica, r.CreatedMs, r.UpdatedMs)
	return err
}

func (e *executor) DeleteLogOf(ctx context.Context, instanceID, typ string) error {
	_, err := e.q.ExecContext(ctx, `DELETE FROM instance_logs WHERE instance_id = ? AND log_type = ?`, instanceID, typ)
	return err
}

func (e *executor) GetLog(ctx context.Context, projectID, instanceID, typ string) (*store.LogRow, error) {
	return store.ScanLog(e.q.QueryRowContext(ctx, `SELECT `+store.LogColumns+` FROM instance_logs WHERE instance_id = ? AND log_type = ? AND project_id = ?`, instanceID, typ, projectID))
}

// GetLogByID needs no row lock: one writer holds the database for the whole
// transaction.
func (e *executor) GetLogByID(ctx context.Context, logID string, _ bool) (*store.LogRow, error) {
	return store.ScanLog(e.q.QueryRowContext(ctx, `SELECT `+store.LogColumns+` FROM instance_logs WHERE id = ?`, logID))
}

func (e *executor) ListLogsByStatus(ctx context.Context, status string) ([]*store.LogRow, error) {
	rows, err := e.q.QueryContext(ctx, `SELECT `+store.LogColumns+` FROM instance_logs WHERE status = ? ORDER BY created_ms, id`, status)
	return collect(rows, err, store.ScanLog)
}

func (e *executor) SetLogStatus(ctx context.Context, logID, status string, updatedMs int64) error {
	_, err := e.q.ExecContext(ctx, `UPDATE instance_logs SET status = ?, updated_ms = ? WHERE id = ?`, status, updatedMs, logID)
	return err
}

func (e *executor) ListLogEntries(ctx context.Context, logID string) ([]string, error) {
	rows, err := e.q.QueryContext(ctx, `SELECT entry FROM instance_log_entries WHERE log_id = ? ORDER BY seq`, logID)
	return collect(rows, err, store.ScanLogEntry)
}

// InsertLogEntries passes the entries as one JSON array, so that a batch is
// one statement whatever its size.
func (e *executor) InsertLogEntries(ctx context.Context, logID string, atMs int64, entries []string) error {
	arr, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	_, err = e.q.ExecContext(ctx, `INSERT INTO instance_log_entries (log_id, at_ms, entry) SELECT ?, ?, value FROM json_each(?) ORDER BY key`, logID, atMs, string(arr))
	return err
}

func (e *executor) TrimLogEntries(ctx context.Context, logID string, keep int) error {
	_, err := e.q.ExecContext(ctx, `DELETE FROM instance_log_entries WHERE log_id = ? AND seq <= (SELECT seq FROM instance_log_entries WHERE log_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`, logID, logID, keep)
	return err
}

// LockIdleReplica reports false: one process uses a SQLite database, and no
// other process can be found gone.
func (e *executor) LockIdleReplica(context.Context, string) (bool, error) { return false, nil }

func (e *executor) SetLogReplica(ctx context.Context, logID, from, to string) (bool, error) {
	res, err := e.q.ExecContext(ctx, `UPDATE instance_logs SET replica = ? WHERE id = ? AND replica = ? AND status = ?`, to, logID, from, dmsd.LogRunning)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
