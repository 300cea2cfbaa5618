package sqlite

import (
	"context"
	"database/sql"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

const (
	findInstanceQuery = `SELECT id, project_id, status, data, created_ms FROM instances WHERE id = ? AND project_id = ?`
	findTaskQuery     = `SELECT ` + taskColumns + ` FROM tasks t CROSS JOIN instances i ON i.seq = t.instance_seq WHERE t.id = ? AND i.id = ? AND i.project_id = ?`
	taskCountQuery    = `SELECT task_count FROM instances WHERE id = ? AND project_id = ?`
	taskPageQuery     = `SELECT ` + taskColumns + ` FROM instances i CROSS JOIN tasks t ON t.instance_seq = i.seq WHERE i.id = ? AND t.created_ms BETWEEN ? AND ? ORDER BY t.created_ms DESC, t.seq DESC LIMIT ? OFFSET ?`
	scheduledWhere    = ` FROM tasks WHERE instance_seq = ` + instanceSeqOfID + ` AND execute_ms <> 0 AND created_ms BETWEEN ? AND ?`
)

func (e *executor) GetInstance(ctx context.Context, projectID, instanceID string, _ bool) (*store.InstanceRow, error) {
	// One writer holds the database for the whole transaction: no row lock
	// is needed.
	return store.ScanInstance(e.q.QueryRowContext(ctx, findInstanceQuery, instanceID, projectID))
}

func (e *executor) ListInstances(ctx context.Context, projectID string) ([]*store.InstanceRow, error) {
	const q = `SELECT id, project_id, status, data, created_ms FROM instances`
	if projectID == "" {
		rows, err := e.q.QueryContext(ctx, q+` ORDER BY created_ms, id`)
		return collect(rows, err, store.ScanInstance)
	}
	rows, err := e.q.QueryContext(ctx, q+` WHERE project_id = ? ORDER BY created_ms DESC, id`, projectID)
	return collect(rows, err, store.ScanInstance)
}

func (e *executor) InsertInstance(ctx context.Context, r *store.InstanceRow) error {
	// Each instance is numbered after the highest (instances_seq finds it);
	// the number of a deleted one may be given again, as its tasks went
	// with it.
	_, err := e.q.ExecContext(ctx, `INSERT INTO instances (id, project_id, status, data, created_ms, seq) VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM instances))`,
		r.ID, r.ProjectID, r.Status, r.Data, r.CreatedMs)
	return err
}

func (e *executor) UpdateInstance(ctx context.Context, id, status string, data []byte) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE instances SET data = ?, status = ? WHERE id = ?`, data, status, id))
}

func (e *executor) DeleteInstance(ctx context.Context, id string) error {
	_, err := e.q.ExecContext(ctx, `DELETE FROM instances WHERE id = ?`, id)
	return err
}

func (e *executor) AddTaskCount(ctx context.Context, instanceID string, delta int) error {
	_, err := e.q.ExecContext(ctx, `UPDATE instances SET task_count = task_count + ? WHERE id = ?`, delta, instanceID)
	return err
}

func (e *executor) GetTaskCount(ctx context.Context, projectID, instanceID string) (int, error) {
	var n int
	return n, e.q.QueryRowContext(ctx, taskCountQuery, instanceID, projectID).Scan(&n)
}

func (e *executor) InsertTask(ctx context.Context, r *store.TaskRow) error {
	// A task of an instance that is not the project's has no instance seq:
	// the NOT NULL constraint refuses it.
	_, err := e.q.ExecContext(ctx, `INSERT INTO tasks (id, instance_seq, name, user_id, user_name, params, status, reason, steps, created_ms, updated_ms, execute_ms, job_id)
		VALUES (?, `+instanceSeq+`, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		packID(r.ID), r.InstanceID, r.ProjectID, r.Name, packID(r.UserID), r.UserName, r.Params, r.Status, r.Reason, r.Steps, r.CreatedMs, r.UpdatedMs, r.ExecuteMs, r.JobID)
	if err != nil {
		return err
	}
	// Two statements, in the caller's transaction: on SQLite a statement
	// is a call, not a round trip.
	return e.AddTaskCount(ctx, r.InstanceID, 1)
}

func (e *executor) GetTask(ctx context.Context, projectID, instanceID, taskID string, _ bool) (*store.TaskRow, error) {
	return scanTask(e.q.QueryRowContext(ctx, findTaskQuery, packID(taskID), instanceID, projectID))
}

func (e *executor) GetTaskVersion(ctx context.Context, projectID, instanceID, taskID string) (status string, updatedMs int64, err error) {
	err = e.q.QueryRowContext(ctx, `SELECT status, updated_ms FROM tasks WHERE id = ? AND instance_seq = `+instanceSeq,
		packID(taskID), instanceID, projectID).Scan(&status, &updatedMs)
	return status, updatedMs, err
}

func (e *executor) GetTaskByID(ctx context.Context, taskID string) (*store.TaskRow, error) {
	return scanTask(e.q.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks t CROSS JOIN instances i ON i.seq = t.instance_seq WHERE t.id = ?`, packID(taskID)))
}

func (e *executor) UpdateTask(ctx context.Context, taskID, status, reason string, steps []byte, updatedMs int64) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE tasks SET status = ?, reason = ?, steps = ?, updated_ms = ? WHERE id = ?`,
		status, reason, steps, updatedMs, packID(taskID)))
}

func (e *executor) StartTask(ctx context.Context, taskID string, jobID, atMs int64) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE tasks SET status = ?, updated_ms = ? WHERE id = ? AND status = ? AND (? = 0 OR job_id IN (0, ?))`,
		dmsd.TaskExecuting, atMs, packID(taskID), dmsd.TaskCreated, jobID, jobID))
}

func (e *executor) CancelCreatedTask(ctx context.Context, taskID string, atMs int64) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE tasks SET status = ?, updated_ms = ? WHERE id = ? AND status = ?`,
		dmsd.TaskCancelled, atMs, packID(taskID), dmsd.TaskCreated))
}

func (e *executor) RescheduleTask(ctx context.Context, taskID string, executeMs, jobID, updatedMs int64) error {
	_, err := e.q.ExecContext(ctx, `UPDATE tasks SET execute_ms = ?, job_id = ?, updated_ms = ? WHERE id = ?`, executeMs, jobID, updatedMs, packID(taskID))
	return err
}

func (e *executor) DeleteTask(ctx context.Context, taskID string) error {
	_, err := e.q.ExecContext(ctx, `DELETE FROM tasks WHERE id = ?`, packID(taskID))
	return err
}

func (e *executor) CountTasks(ctx context.Context, instanceID string, begin, end int64, scheduled bool) (int, error) {
	q := `SELECT count(*) FROM tasks WHERE instance_seq = ` + instanceSeqOfID + ` AND created_ms BETWEEN ? AND ?`
	if scheduled {
		q = `SELECT count(*)` + scheduledWhere
	}
	var n int
	return n, e.q.QueryRowContext(ctx, q, instanceID, begin, end).Scan(&n)
}

func (e *executor) CountTasksAtMost(ctx context.Context, instanceID string, begin, end int64, limit int) (int, error) {
	var n int
	return n, e.q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM tasks WHERE instance_seq = `+instanceSeqOfID+` AND created_ms BETWEEN ? AND ? LIMIT ?)`,
		instanceID, begin, end, limit).Scan(&n)
}

func (e *executor) ListTasks(ctx context.Context, instanceID string, begin, end int64, scheduled bool, limit, offset int) ([]*store.TaskRow, error) {
	var rows *sql.Rows
	var err error
	if scheduled {
		rows, err = e.q.QueryContext(ctx, scheduledPageQuery, instanceID, begin, end, limit, offset)
	} else {
		rows, err = e.q.QueryContext(ctx, taskPageQuery, instanceID, begin, end, limit, offset)
	}
	return collect(rows, err, scanTask)
}

func (e *executor) CountTasksByNameStatus(ctx context.Context) ([]store.TaskCount, error) {
	rows, err := e.q.QueryContext(ctx, `SELECT name, status, count(*) FROM tasks GROUP BY name, status`)
	return collect(rows, err, store.ScanTaskCount)
}

// LockProjectUsage does nothing: SQLite takes one writer at a time, so no
// other submission can change the usage between the count and the commit.
func (e *executor) LockProjectUsage(context.Context, string) error { return nil }

// usageQuery counts a project's instances and the brokers of its embedded
// ones, an instance with an unfinished extendInstance task counting with the
// brokers it is being extended to (dmsd.Usage). The data column holds JSON
// text that the driver may have stored as a blob, hence the casts.
const usageQuery = `SELECT count(*), coalesce(sum(CASE WHEN json_extract(CAST(i.data AS TEXT), '$.External') IS NULL THEN
    max(coalesce(json_extract(CAST(i.data AS TEXT), '$.BrokerNum'), 0), coalesce((SELECT max(CAST(json_extract(t.params, '$.new_broker_num') AS INTEGER))
        FROM tasks t WHERE t.instance_seq = i.seq AND t.name = 'extendInstance' AND t.status IN (?, ?)), 0))
    ELSE 0 END), 0)
FROM instances i WHERE i.project_id = ?`

func (e *executor) ProjectUsage(ctx context.Context, projectID string) (dmsd.Usage, error) {
	var u dmsd.Usage
	return u, e.q.QueryRowContext(ctx, usageQuery, dmsd.TaskCreated, dmsd.TaskExecuting, projectID).Scan(&u.Instances, &u.Brokers)
}

func (e *executor) DeleteExpiredRequests(ctx context.Context, nowMs int64) error {
	_, err := e.q.ExecContext(ctx, `DELETE FROM signed_requests WHERE expires_ms < ?`, nowMs)
	return err
}

func (e *executor) InsertRequest(ctx context.Context, signature string, expiresMs int64) (bool, error) {
	n, err := rowsAffected(e.q.ExecContext(ctx, `INSERT INTO signed_requests (signature, expires_ms) VALUES (?, ?) ON CONFLICT DO NOTHING`, signature, expiresMs))
	return n == 1, err
}

func (e *executor) InsertSecretKey(ctx context.Context, keyID string) error {
	_, err := e.q.ExecContext(ctx, `INSERT INTO secret_key (singleton, key_id) VALUES (1, ?) ON CONFLICT DO NOTHING`, keyID)
	return err
}

func (e *executor) GetSecretKey(ctx context.Context) (string, error) {
	var id string
	return id, e.q.QueryRowContext(ctx, `SELECT key_id FROM secret_key`).Scan(&id)
}

func (e *executor) ListInstanceData(ctx context.Context) ([]*store.InstanceRow, error) {
	rows, err := e.q.QueryContext(ctx, `SELECT id, data FROM instances`)
	return collect(rows, err, store.ScanInstanceData)
}

func (e *executor) ReplaceInstanceData(ctx context.Context, id string, old, data []byte) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE instances SET data = ? WHERE id = ? AND data = ?`, data, id, old))
}

func (e *executor) GetRecyclePolicy(ctx context.Context, projectID string) (bool, int, error) {
	var enabled bool
	var days int
	err := e.q.QueryRowContext(ctx, `SELECT enabled, retention_days FROM recycle_policies WHERE project_id = ?`, projectID).Scan(&enabled, &days)
	return enabled, days, err
}

func (e *executor) PutRecyclePolicy(ctx context.Context, projectID string, enabled bool, retentionDays int) error {
	_, err := e.q.ExecContext(ctx, `INSERT INTO recycle_policies (project_id, enabled, retention_days) VALUES (?, ?, ?)
		ON CONFLICT (project_id) DO UPDATE SET enabled = excluded.enabled, retention_days = excluded.retention_days`, projectID, enabled, retentionDays)
	return err
}
