package postgres

import (
	"context"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

const scheduledWhere = ` FROM tasks WHERE instance_id = $1 AND execute_ms <> 0 AND created_ms BETWEEN $2 AND $3`

func lockClause(lock bool) string {
	if lock {
		return " FOR UPDATE"
	}
	return ""
}

func (e *executor) GetInstance(ctx context.Context, projectID, instanceID string, lock bool) (*store.InstanceRow, error) {
	return store.ScanInstance(e.q.QueryRow(ctx, `SELECT `+store.InstanceColumns+` FROM instances WHERE id = $1 AND project_id = $2`+lockClause(lock), instanceID, projectID))
}

func (e *executor) ListInstances(ctx context.Context, projectID string) ([]*store.InstanceRow, error) {
	if projectID == "" {
		rows, err := e.q.Query(ctx, `SELECT `+store.InstanceColumns+` FROM instances ORDER BY created_ms, id`)
		return collect(rows, err, store.ScanInstance)
	}
	rows, err := e.q.Query(ctx, `SELECT `+store.InstanceColumns+` FROM instances WHERE project_id = $1 ORDER BY created_ms DESC, id`, projectID)
	return collect(rows, err, store.ScanInstance)
}

func (e *executor) InsertInstance(ctx context.Context, r *store.InstanceRow) error {
	_, err := e.q.Exec(ctx, `INSERT INTO instances (id, project_id, status, data, created_ms) VALUES ($1, $2, $3, $4, $5)`,
		r.ID, r.ProjectID, r.Status, r.Data, r.CreatedMs)
	return err
}

func (e *executor) UpdateInstance(ctx context.Context, id, status string, data []byte) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE instances SET data = $1, status = $2 WHERE id = $3`, data, status, id))
}

func (e *executor) DeleteInstance(ctx context.Context, id string) error {
	_, err := e.q.Exec(ctx, `DELETE FROM instances WHERE id = $1`, id)
	return err
}

func (e *executor) AddTaskCount(ctx context.Context, instanceID string, delta int) error {
	_, err := e.q.Exec(ctx, `UPDATE instances SET task_count = task_count + $1 WHERE id = $2`, delta, instanceID)
	return err
}

func (e *executor) GetTaskCount(ctx context.Context, projectID, instanceID string) (int, error) {
	var n int
	return n, e.q.QueryRow(ctx, `SELECT task_count FROM instances WHERE id = $1 AND project_id = $2`, instanceID, projectID).Scan(&n)
}

func (e *executor) InsertTask(ctx context.Context, r *store.TaskRow) error {
	// The count in the same statement: one round trip less per submission.
	_, err := e.q.Exec(ctx, `WITH counted AS (UPDATE instances SET task_count = task_count + 1 WHERE id = $3)
INSERT INTO tasks (`+store.TaskColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		r.ID, r.ProjectID, r.InstanceID, r.Name, r.UserID, r.UserName, r.Params, r.Status, r.Reason, r.Steps, r.CreatedMs, r.UpdatedMs, r.ExecuteMs, r.JobID)
	return err
}

func (e *executor) GetTask(ctx context.Context, projectID, instanceID, taskID string, lock bool) (*store.TaskRow, error) {
	return store.ScanTask(e.q.QueryRow(ctx, `SELECT `+store.TaskColumns+` FROM tasks WHERE id = $1 AND instance_id = $2 AND project_id = $3`+lockClause(lock), taskID, instanceID, projectID))
}

func (e *executor) GetTaskVersion(ctx context.Context, projectID, instanceID, taskID string) (status string, updatedMs int64, err error) {
	err = e.q.QueryRow(ctx, `SELECT status, updated_ms FROM tasks WHERE id = $1 AND instance_id = $2 AND project_id = $3`,
		taskID, instanceID, projectID).Scan(&status, &updatedMs)
	return status, updatedMs, err
}

func (e *executor) GetTaskByID(ctx context.Context, taskID string) (*store.TaskRow, error) {
	return store.ScanTask(e.q.QueryRow(ctx, `SELECT `+store.TaskColumns+` FROM tasks WHERE id = $1`, taskID))
}

func (e *executor) UpdateTask(ctx context.Context, taskID, status, reason string, steps []byte, updatedMs int64) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE tasks SET status = $1, reason = $2, steps = $3, updated_ms = $4 WHERE id = $5`,
		status, reason, steps, updatedMs, taskID))
}

func (e *executor) StartTask(ctx context.Context, taskID string, jobID, atMs int64) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE tasks SET status = $1, updated_ms = $2 WHERE id = $3 AND status = $4 AND ($5::bigint = 0 OR job_id IN (0, $5))`,
		dmsd.TaskExecuting, atMs, taskID, dmsd.TaskCreated, jobID))
}

func (e *executor) CancelCreatedTask(ctx context.Context, taskID string, atMs int64) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE tasks SET status = $1, updated_ms = $2 WHERE id = $3 AND status = $4`,
		dmsd.TaskCancelled, atMs, taskID, dmsd.TaskCreated))
}

func (e *executor) RescheduleTask(ctx context.Context, taskID string, executeMs, jobID, updatedMs int64) error {
	_, err := e.q.Exec(ctx, `UPDATE tasks SET execute_ms = $1, job_id = $2, updated_ms = $3 WHERE id = $4`, executeMs, jobID, updatedMs, taskID)
	return err
}

func (e *executor) DeleteTask(ctx context.Context, taskID string) error {
	_, err := e.q.Exec(ctx, `DELETE FROM tasks WHERE id = $1`, taskID)
	return err
}

func (e *executor) CountTasks(ctx context.Context, instanceID string, begin, end int64, scheduled bool) (int, error) {
	q := `SELECT count(*) FROM tasks WHERE instance_id = $1 AND created_ms BETWEEN $2 AND $3`
	if scheduled {
		q = `SELECT count(*)` + scheduledWhere
	}
	var n int
	return n, e.q.QueryRow(ctx, q, instanceID, begin, end).Scan(&n)
}

func (e *executor) CountTasksAtMost(ctx context.Context, instanceID string, begin, end int64, limit int) (int, error) {
	var n int
	return n, e.q.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM tasks WHERE instance_id = $1 AND created_ms BETWEEN $2 AND $3 LIMIT $4) t`,
		instanceID, begin, end, limit).Scan(&n)
}

func (e *executor) ListTasks(ctx context.Context, instanceID string, begin, end int64, scheduled bool, limit, offset int) ([]*store.TaskRow, error) {
	where := ` FROM tasks WHERE instance_id = $1 AND created_ms BETWEEN $2 AND $3`
	if scheduled {
		where = scheduledWhere
	}
	rows, err := e.q.Query(ctx, `SELECT `+store.TaskColumns+where+` ORDER BY created_ms DESC, seq DESC LIMIT $4 OFFSET $5`, instanceID, begin, end, limit, offset)
	return collect(rows, err, store.ScanTask)
}

func (e *executor) CountTasksByNameStatus(ctx context.Context) ([]store.TaskCount, error) {
	rows, err := e.q.Query(ctx, `SELECT name, status, count(*) FROM tasks GROUP BY name, status`)
	return collect(rows, err, store.ScanTaskCount)
}

// LockProjectUsage takes a transaction-scoped advisory lock of the project:
// concurrent submissions of one project, on any replica, count one after the
// other, each seeing what the previous one committed. The two-key lock space
// does not overlap the one-key locks of migrations and replicas.
func (e *executor) LockProjectUsage(ctx context.Context, projectID string) error {
	_, err := e.q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('dmsd:quota'), hashtext(current_schema() || ':' || $1))`, projectID)
	return err
}

// usageQuery counts a project's instances and the brokers of its embedded
// ones, an instance with an unfinished extendInstance task counting with the
// brokers it is being extended to (dmsd.Usage).
const usageQuery = `SELECT count(*), coalesce(sum(CASE WHEN i.data->'External' IS NULL OR i.data->'External' = 'null'::jsonb THEN
    GREATEST(coalesce((i.data->>'BrokerNum')::int, 0), coalesce((SELECT max((t.params::jsonb->>'new_broker_num')::int)
        FROM tasks t WHERE t.instance_id = i.id AND t.name = 'extendInstance' AND t.status IN ($1, $2)), 0))
    ELSE 0 END), 0)
FROM instances i WHERE i.project_id = $3`

func (e *executor) ProjectUsage(ctx context.Context, projectID string) (dmsd.Usage, error) {
	var u dmsd.Usage
	return u, e.q.QueryRow(ctx, usageQuery, dmsd.TaskCreated, dmsd.TaskExecuting, projectID).Scan(&u.Instances, &u.Brokers)
}

func (e *executor) DeleteExpiredRequests(ctx context.Context, nowMs int64) error {
	_, err := e.q.Exec(ctx, `DELETE FROM signed_requests WHERE expires_ms < $1`, nowMs)
	return err
}

func (e *executor) InsertRequest(ctx context.Context, signature string, expiresMs int64) (bool, error) {
	n, err := rowsAffected(e.q.Exec(ctx, `INSERT INTO signed_requests (signature, expires_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING`, signature, expiresMs))
	return n == 1, err
}

func (e *executor) InsertSecretKey(ctx context.Context, keyID string) error {
	_, err := e.q.Exec(ctx, `INSERT INTO secret_key (singleton, key_id) VALUES (1, $1) ON CONFLICT DO NOTHING`, keyID)
	return err
}

func (e *executor) GetSecretKey(ctx context.Context) (string, error) {
	var id string
	return id, e.q.QueryRow(ctx, `SELECT key_id FROM secret_key`).Scan(&id)
}

func (e *executor) ListInstanceData(ctx context.Context) ([]*store.InstanceRow, error) {
	rows, err := e.q.Query(ctx, `SELECT id, data FROM instances`)
	return collect(rows, err, store.ScanInstanceData)
}

func (e *executor) ReplaceInstanceData(ctx context.Context, id string, old, data []byte) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE instances SET data = $1 WHERE id = $2 AND data = $3`, data, id, old))
}

func (e *executor) GetRecyclePolicy(ctx context.Context, projectID string) (bool, int, error) {
	var enabled bool
	var days int
	err := e.q.QueryRow(ctx, `SELECT enabled, retention_days FROM recycle_policies WHERE project_id = $1`, projectID).Scan(&enabled, &days)
	return enabled, days, err
}

func (e *executor) PutRecyclePolicy(ctx context.Context, projectID string, enabled bool, retentionDays int) error {
	_, err := e.q.Exec(ctx, `INSERT INTO recycle_policies (project_id, enabled, retention_days) VALUES ($1, $2, $3)
		ON CONFLICT (project_id) DO UPDATE SET enabled = EXCLUDED.enabled, retention_days = EXCLUDED.retention_days`, projectID, enabled, retentionDays)
	return err
}
