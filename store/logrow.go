package store

import "context"

// LogRow is an instance's log as stored: times as Unix milliseconds.
type LogRow struct {
	ID, ProjectID, InstanceID, Type, Status, FileName, Replica string
	CreatedMs, UpdatedMs                                       int64
}

// LogColumns are the columns ScanLog reads, in its order.
const LogColumns = `id, project_id, instance_id, log_type, status, file_name, replica, created_ms, updated_ms`

// ScanLog reads the LogColumns of a row.
func ScanLog(s Scanner) (*LogRow, error) {
	var r LogRow
	return &r, s.Scan(&r.ID, &r.ProjectID, &r.InstanceID, &r.Type, &r.Status, &r.FileName, &r.Replica, &r.CreatedMs, &r.UpdatedMs)
}

// ScanLogEntry reads a log entry's text.
func ScanLogEntry(s Scanner) (string, error) {
	var e string
	return e, s.Scan(&e)
}

// LogExecutor holds the queries of instances' logs, each one statement, in
// the backend's SQL. Every Executor has them.
type LogExecutor interface {
	// InsertLog adds a log; a second log of one type on an instance is a
	// unique violation.
	InsertLog(ctx context.Context, r *LogRow) error
	// DeleteLogOf deletes an instance's log of a type and its entries.
	DeleteLogOf(ctx context.Context, instanceID, typ string) error
	// GetLog reads an instance's log of a type, in a project.
	GetLog(ctx context.Context, projectID, instanceID, typ string) (*LogRow, error)
	// GetLogByID reads a log by id alone, locking its row until the
	// transaction ends when lock is set (where the backend has row
	// locks).
	GetLogByID(ctx context.Context, logID string, lock bool) (*LogRow, error)
	// ListLogsByStatus returns every log of a status, oldest first.
	ListLogsByStatus(ctx context.Context, status string) ([]*LogRow, error)
	// SetLogStatus sets a log's status and update time.
	SetLogStatus(ctx context.Context, logID, status string, updatedMs int64) error
	// ListLogEntries returns a log's entries, oldest first.
	ListLogEntries(ctx context.Context, logID string) ([]string, error)
	// InsertLogEntries appends entries, in their order, to a log.
	InsertLogEntries(ctx context.Context, logID string, atMs int64, entries []string) error
	// TrimLogEntries deletes a log's entries but the newest keep.
	TrimLogEntries(ctx context.Context, logID string, keep int) error
	// LockIdleReplica takes the work lock of replica until the transaction
	// ends, if no process works the replica, and reports whether it did: so
	// no process starts working it before the transaction ends. A backend
	// that one process uses alone reports false.
	LockIdleReplica(ctx context.Context, replica string) (bool, error)
	// SetLogReplica sets the collector of a RUNNING log whose collector is
	// from to to, and reports whether it did.
	SetLogReplica(ctx context.Context, logID, from, to string) (bool, error)
}
