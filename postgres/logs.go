package postgres

import (
	"context"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

func (e *executor) InsertLog(ctx context.Context, r *store.LogRow) error {
	_, err := e.q.Exec(ctx, `INSERT INTO instance_logs (`+store.LogColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, r.ProjectID, r.InstanceID, r.Type, r.Status, r.FileName, r.Replica, r.CreatedMs, r.UpdatedMs)
	return err
}

func (e *executor) DeleteLogOf(ctx context.Context, instanceID, typ string) error {
	_, err := e.q.Exec(ctx, `DELETE FROM instance_logs WHERE instance_id = $1 AND log_type = $2`, instanceID, typ)
	return err
}

func (e *executor) GetLog(ctx context.Context, projectID, instanceID, typ string) (*store.LogRow, error) {
	return store.ScanLog(e.q.QueryRow(ctx, `SELECT `+store.LogColumns+` FROM instance_logs WHERE instance_id = $1 AND log_type = $2 AND project_id = $3`, instanceID, typ, projectID))
}

func (e *executor) GetLogByID(ctx context.Context, logID string, lock bool) (*store.LogRow, error) {
	return store.ScanLog(e.q.QueryRow(ctx, `SELECT `+store.LogColumns+` FROM instance_logs WHERE id = $1`+lockClause(lock), logID))
}

func (e *executor) ListLogsByStatus(ctx context.Context, status string) ([]*store.LogRow, error) {
	rows, err := e.q.Query(ctx, `SELECT `+store.LogColumns+` FROM instance_logs WHERE status = $1 ORDER BY created_ms, id`, status)
	return collect(rows, err, store.ScanLog)
}

func (e *executor) SetLogStatus(ctx context.Context, logID, status string, updatedMs int64) error {
	_, err := e.q.Exec(ctx, `UPDATE instance_logs SET status = $1, updated_ms = $2 WHERE id = $3`, status, updatedMs, logID)
	return err
}

func (e *executor) ListLogEntries(ctx context.Context, logID string) ([]string, error) {
	rows, err := e.q.Query(ctx, `SELECT entry FROM instance_log_entries WHERE log_id = $1 ORDER BY seq`, logID)
	return collect(rows, err, store.ScanLogEntry)
}

// InsertLogEntries passes the entries as one array, so that a batch is one
// statement whatever its size.
func (e *executor) InsertLogEntries(ctx context.Context, logID string, atMs int64, entries []string) error {
	_, err := e.q.Exec(ctx, `INSERT INTO instance_log_entries (log_id, at_ms, entry) SELECT $1, $2, t.e FROM unnest($3::text[]) WITH ORDINALITY AS t(e, n) ORDER BY t.n`, logID, atMs, entries)
	return err
}

func (e *executor) TrimLogEntries(ctx context.Context, logID string, keep int) error {
	_, err := e.q.Exec(ctx, `DELETE FROM instance_log_entries WHERE log_id = $1 AND seq <= (SELECT seq FROM instance_log_entries WHERE log_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)`, logID, keep)
	return err
}

// LockIdleReplica tries the replica's work lock, which the process working
// the replica holds for its session (replica.go), as a transaction lock.
func (e *executor) LockIdleReplica(ctx context.Context, replica string) (bool, error) {
	var ok bool
	err := e.q.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(`+workLockKey+`)`, dmsd.QueueOf(replica)).Scan(&ok)
	return ok, err
}

func (e *executor) SetLogReplica(ctx context.Context, logID, from, to string) (bool, error) {
	tag, err := e.q.Exec(ctx, `UPDATE instance_logs SET replica = $1 WHERE id = $2 AND replica = $3 AND status = $4`, to, logID, from, dmsd.LogRunning)
	return err == nil && tag.RowsAffected() == 1, err
}
