package store

import (
	"context"
	"errors"
	"time"

	"github.com/dmsd/dmsd"
)

// The kinds of database error a driver reports through DomainError, which the
// transaction scripts answer for: a missing row and a refused duplicate.
var (
	ErrNoRows          = errors.New("store: no rows")
	ErrUniqueViolation = errors.New("store: unique violation")
)

// Driver is what a backend gives the store: its connections and its one
// mapping of errors. The transaction scripts of Store run against it.
type Driver interface {
	// GetExecutor returns an executor for reads outside a transaction.
	GetExecutor() Executor
	// Autocommit returns an executor whose every statement commits on its
	// own, for a script that is one statement (a task's end, EndTaskRun), or
	// nil when the backend writes only in transactions (SQLite's one write
	// connection).
	Autocommit() Executor
	// Begin starts a write transaction. On a backend with one writer it
	// takes the write lock at once.
	Begin(ctx context.Context) (ExecutorTx, error)
	// BeginRead starts a read-only transaction that sees one snapshot.
	BeginRead(ctx context.Context) (ExecutorTx, error)
	// UnwrapTx returns the backend's own transaction under tx (a *sql.Tx, a
	// pgx.Tx), for the queue to insert its jobs in.
	UnwrapTx(tx ExecutorTx) any
	// DomainError turns an error of the backend into one the store answers
	// for: a missing row wraps ErrNoRows, a duplicate ErrUniqueViolation, an
	// unreachable or busy database is an EUNAVAILABLE *dmsd.Error; other
	// errors pass as they are.
	DomainError(err error) error
}

// ExecutorTx is an Executor inside a transaction.
type ExecutorTx interface {
	Executor
	// Commit commits the transaction.
	Commit(ctx context.Context) error
	// Rollback abandons the transaction; after Commit it does nothing.
	Rollback(ctx context.Context) error
}

// InstanceRow is an instance as stored: its record (JSON, secrets sealed) and
// its status column.
type InstanceRow struct {
	ID        string
	ProjectID string
	Status    string
	Data      []byte
	CreatedMs int64
}

// TaskRow is a task as stored: times as Unix milliseconds (0 for none), steps
// as encodeSteps writes them.
type TaskRow struct {
	ID, ProjectID, InstanceID, Name, UserID, UserName, Params, Status, Reason string
	Steps                                                                     []byte
	CreatedMs, UpdatedMs, ExecuteMs, JobID                                    int64
}

// ReportRow is a diagnosis report as stored: times as Unix milliseconds (0
// for none), findings as JSON.
type ReportRow struct {
	ID, ProjectID, InstanceID, Group, Topic, Status string
	BeginMs, EndMs                                  int64
	Accumulated                                     int
	Dimensions                                      []byte
}

// ReportColumns are the columns ScanReport reads, in its order.
const ReportColumns = `id, project_id, instance_id, group_name, topic_name, status, begin_ms, end_ms, accumulated, dimensions`

// ScanReport reads the ReportColumns of a row.
func ScanReport(s Scanner) (*ReportRow, error) {
	var r ReportRow
	return &r, s.Scan(&r.ID, &r.ProjectID, &r.InstanceID, &r.Group, &r.Topic, &r.Status, &r.BeginMs, &r.EndMs, &r.Accumulated, &r.Dimensions)
}

// Executor holds dmsd's queries, each one statement, in the backend's SQL.
// A query that finds no row returns an error that DomainError maps to
// ErrNoRows.
type Executor interface {
	LogExecutor
	HotQueries
	// GetInstance reads an instance of a project, locking its row until
	// the transaction ends when lock is set (where the backend has row
	// locks).
	GetInstance(ctx context.Context, projectID, instanceID string, lock bool) (*InstanceRow, error)
	// ListInstances returns a project's instances, newest first, or every
	// instance, oldest first, when projectID is empty.
	ListInstances(ctx context.Context, projectID string) ([]*InstanceRow, error)
	// InsertInstance adds an instance; a duplicate id is a unique violation.
	InsertInstance(ctx context.Context, r *InstanceRow) error
	// UpdateInstance saves an instance's record and status and returns how
	// many rows it changed.
	UpdateInstance(ctx context.Context, id, status string, data []byte) (int64, error)
	// DeleteInstance deletes an instance and, with it, its tasks.
	DeleteInstance(ctx context.Context, id string) error
	// AddTaskCount adds delta to an instance's count of task records.
	AddTaskCount(ctx context.Context, instanceID string, delta int) error
	// GetTaskCount returns an instance's count of task records.
	GetTaskCount(ctx context.Context, projectID, instanceID string) (int, error)

	// InsertTask adds a task and counts it in its instance's count of task
	// records (AddTaskCount), in one statement where the backend can; a
	// second unfinished task of an instance is a unique violation, which
	// adds nothing.
	InsertTask(ctx context.Context, r *TaskRow) error
	// GetTask reads a task of an instance of a project, locking its row
	// when lock is set.
	GetTask(ctx context.Context, projectID, instanceID, taskID string, lock bool) (*TaskRow, error)
	// GetTaskVersion returns the status and update time of a task of an
	// instance of a project, which tell whether a copy of it is current.
	GetTaskVersion(ctx context.Context, projectID, instanceID, taskID string) (status string, updatedMs int64, err error)
	// GetTaskByID reads a task by id alone.
	GetTaskByID(ctx context.Context, taskID string) (*TaskRow, error)
	// UpdateTask saves a task's status, reason, steps and update time, and
	// returns how many rows it changed.
	UpdateTask(ctx context.Context, taskID, status, reason string, steps []byte, updatedMs int64) (int64, error)
	// StartTask moves a CREATED task whose job is jobID (0, or a task
	// without a job, matches any) to EXECUTING, and returns how many rows
	// it changed.
	StartTask(ctx context.Context, taskID string, jobID, atMs int64) (int64, error)
	// CancelCreatedTask moves a CREATED task to CANCELLED and returns how
	// many rows it changed.
	CancelCreatedTask(ctx context.Context, taskID string, atMs int64) (int64, error)
	// RescheduleTask sets a task's scheduled time and job.
	RescheduleTask(ctx context.Context, taskID string, executeMs, jobID, updatedMs int64) error
	// DeleteTask deletes a task, whatever its status: the caller decides.
	DeleteTask(ctx context.Context, taskID string) error
	// DeleteJob deletes a queue job, whatever its state, as its task
	// ends; a job that is gone is fine.
	DeleteJob(ctx context.Context, jobID int64) error
	// CountTasks counts an instance's tasks created between begin and end
	// (inclusive), only the scheduled ones if scheduled is set.
	CountTasks(ctx context.Context, instanceID string, begin, end int64, scheduled bool) (int, error)
	// CountTasksAtMost counts an instance's tasks created between begin
	// and end (inclusive), scheduled or not, stopping at limit: it reads
	// at most limit index entries.
	CountTasksAtMost(ctx context.Context, instanceID string, begin, end int64, limit int) (int, error)
	// ListTasks returns a page of the tasks CountTasks counts, newest
	// first.
	ListTasks(ctx context.Context, instanceID string, begin, end int64, scheduled bool, limit, offset int) ([]*TaskRow, error)
	// CountTasksByNameStatus returns the number of tasks by name and
	// status.
	CountTasksByNameStatus(ctx context.Context) ([]TaskCount, error)

	// LockProjectUsage keeps the usage of a project from changing under
	// another transaction until this one ends (nothing on a backend with
	// one writer).
	LockProjectUsage(ctx context.Context, projectID string) error
	// ProjectUsage returns a project's usage as dmsd.Usage defines it.
	ProjectUsage(ctx context.Context, projectID string) (dmsd.Usage, error)

	// DeleteExpiredRequests forgets the signatures that expired before
	// nowMs.
	DeleteExpiredRequests(ctx context.Context, nowMs int64) error
	// InsertRequest records a signature and reports false if it is
	// recorded already.
	InsertRequest(ctx context.Context, signature string, expiresMs int64) (bool, error)

	// InsertSecretKey records keyID unless a key id is recorded.
	InsertSecretKey(ctx context.Context, keyID string) error
	// GetSecretKey returns the recorded key id.
	GetSecretKey(ctx context.Context) (string, error)
	// ListInstanceData returns every instance's id and stored record.
	ListInstanceData(ctx context.Context) ([]*InstanceRow, error)
	// ReplaceInstanceData sets an instance's record to data if it is still
	// old, and returns how many rows it changed.
	ReplaceInstanceData(ctx context.Context, id string, old, data []byte) (int64, error)

	// GetRecyclePolicy returns a project's recycle bin policy (enabled,
	// retention days); a project without one is ErrNoRows.
	GetRecyclePolicy(ctx context.Context, projectID string) (bool, int, error)
	// PutRecyclePolicy records a project's recycle bin policy.
	PutRecyclePolicy(ctx context.Context, projectID string, enabled bool, retentionDays int) error
	// InsertReport adds a diagnosis report.
	InsertReport(ctx context.Context, r *ReportRow) error
	// UpdateReport saves a report's status, end, count and findings, and
	// returns how many rows it changed.
	UpdateReport(ctx context.Context, r *ReportRow) (int64, error)
	// GetReport reads a report of an instance of a project.
	GetReport(ctx context.Context, projectID, instanceID, reportID string) (*ReportRow, error)
	// CountReports counts an instance's reports.
	CountReports(ctx context.Context, projectID, instanceID string) (int, error)
	// ListReports returns a page of an instance's reports, newest first.
	ListReports(ctx context.Context, projectID, instanceID string, limit, offset int) ([]*ReportRow, error)
	// DeleteReport deletes a report and returns how many rows it deleted.
	DeleteReport(ctx context.Context, projectID, instanceID, reportID string) (int64, error)
	// InsertConnectTask adds a Smart Connect task; a second task of one
	// name on an instance is a unique violation.
	InsertConnectTask(ctx context.Context, r *ConnectTaskRow) error
	// GetConnectTask reads a task of an instance of a project.
	GetConnectTask(ctx context.Context, projectID, instanceID, taskID string) (*ConnectTaskRow, error)
	// ListConnectTasks returns an instance's tasks, or every task when
	// instanceID is empty, oldest first.
	ListConnectTasks(ctx context.Context, instanceID string) ([]*ConnectTaskRow, error)
	// SetConnectStatus sets a task's status and reason, only if it is
	// RUNNING or ERROR when onlyActive is set, and returns how many rows it
	// changed.
	SetConnectStatus(ctx context.Context, taskID, status, reason string, onlyActive bool) (int64, error)
	// DeleteConnectTask deletes a task and its offsets.
	DeleteConnectTask(ctx context.Context, taskID string) error
	// ListConnectOffsets returns a task's offsets.
	ListConnectOffsets(ctx context.Context, taskID string) ([]dmsd.ConnectOffset, error)
	// UpsertConnectOffset sets the offset of a flow's partition and the
	// run it last copied from it.
	UpsertConnectOffset(ctx context.Context, taskID string, o dmsd.ConnectOffset) error
	// SetConnectInflight sets a flow's count of unacknowledged records.
	SetConnectInflight(ctx context.Context, taskID, flow string, n int64) error
	// MoveConnectInflight adds a flow's unacknowledged records to the
	// task's duplicates and clears them.
	MoveConnectInflight(ctx context.Context, taskID, flow string) error
	// UpdateConnectTask sets a task's name and settings and returns how
	// many rows it changed; a name another task of the instance has is a
	// unique violation.
	UpdateConnectTask(ctx context.Context, taskID, name string, data []byte) (int64, error)
}

// ConnectTaskRow is a Smart Connect task as stored: its settings as JSON
// (dmsd.ConnectTask without the columns) beside its columns.
type ConnectTaskRow struct {
	ID, ProjectID, InstanceID, Name, Status, Reason string
	Data                                            []byte
	Duplicates, CreatedMs                           int64
}

// Queue is the task queue, which the engine owns: the store inserts and
// cancels jobs in its transactions, on the backend's own transaction.
type Queue interface {
	// Insert queues the job of a task to run at at (now when zero) on queue
	// and returns its id.
	Insert(ctx context.Context, tx any, taskID, queue string, at time.Time) (int64, error)
	// Cancel cancels a job; one that is gone or finished is fine.
	Cancel(ctx context.Context, tx any, jobID int64) error
	// Start starts working jobs.
	Start(ctx context.Context) error
	// Stop lets running jobs finish until ctx ends, then cancels them.
	Stop(ctx context.Context) error
	// StopAndCancel stops working jobs, cancelling the running ones.
	StopAndCancel(ctx context.Context) error
	// Running reports whether the queue was started and has not stopped.
	Running() bool
}
