package postgres

import (
	"context"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

// Smart Connect tasks.

func (e *executor) InsertConnectTask(ctx context.Context, r *store.ConnectTaskRow) error {
	_, err := e.q.Exec(ctx, `INSERT INTO connect_tasks (id, project_id, instance_id, name, data, status, reason, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		r.ID, r.ProjectID, r.InstanceID, r.Name, string(r.Data), r.Status, r.Reason, r.CreatedMs)
	return err
}

func (e *executor) GetConnectTask(ctx context.Context, projectID, instanceID, taskID string) (*store.ConnectTaskRow, error) {
	return store.ScanConnectTask(e.q.QueryRow(ctx, `SELECT `+store.ConnectTaskColumns+` FROM connect_tasks WHERE id = $1 AND instance_id = $2 AND project_id = $3`, taskID, instanceID, projectID))
}

func (e *executor) ListConnectTasks(ctx context.Context, instanceID string) ([]*store.ConnectTaskRow, error) {
	const q = `SELECT ` + store.ConnectTaskColumns + ` FROM connect_tasks`
	if instanceID == "" {
		rows, err := e.q.Query(ctx, q+` ORDER BY created_ms, id`)
		return collect(rows, err, store.ScanConnectTask)
	}
	rows, err := e.q.Query(ctx, q+` WHERE instance_id = $1 ORDER BY created_ms, id`, instanceID)
	return collect(rows, err, store.ScanConnectTask)
}

func (e *executor) SetConnectStatus(ctx context.Context, taskID, status, reason string, onlyActive bool) (int64, error) {
	const q = `UPDATE connect_tasks SET status = $1, reason = $2 WHERE id = $3`
	if onlyActive {
		return rowsAffected(e.q.Exec(ctx, q+` AND status IN ('RUNNING', 'ERROR')`, status, reason, taskID))
	}
	return rowsAffected(e.q.Exec(ctx, q, status, reason, taskID))
}

func (e *executor) DeleteConnectTask(ctx context.Context, taskID string) error {
	if _, err := e.q.Exec(ctx, `DELETE FROM connect_offsets WHERE task_id = $1`, taskID); err != nil {
		return err
	}
	if _, err := e.q.Exec(ctx, `DELETE FROM connect_batches WHERE task_id = $1`, taskID); err != nil {
		return err
	}
	_, err := e.q.Exec(ctx, `DELETE FROM connect_tasks WHERE id = $1`, taskID)
	return err
}

func (e *executor) ListConnectOffsets(ctx context.Context, taskID string) ([]dmsd.ConnectOffset, error) {
	rows, err := e.q.Query(ctx, `SELECT `+store.ConnectOffsetColumns+` FROM connect_offsets WHERE task_id = $1 ORDER BY flow, topic, partition_id`, taskID)
	return collect(rows, err, store.ScanConnectOffset)
}

func (e *executor) UpsertConnectOffset(ctx context.Context, taskID string, o dmsd.ConnectOffset) error {
	_, err := e.q.Exec(ctx, `INSERT INTO connect_offsets (task_id, `+store.ConnectOffsetColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (task_id, flow, topic, partition_id) DO UPDATE SET next_offset = excluded.next_offset, run_source = excluded.run_source, run_target = excluded.run_target, run_count = excluded.run_count`,
		taskID, o.Flow, o.Topic, int64(o.Partition), o.Next, o.Copied.Source, o.Copied.Target, o.Copied.Count)
	return err
}

func (e *executor) SetConnectInflight(ctx context.Context, taskID, flow string, n int64) error {
	_, err := e.q.Exec(ctx, `INSERT INTO connect_batches (task_id, flow, inflight) VALUES ($1, $2, $3) ON CONFLICT (task_id, flow) DO UPDATE SET inflight = excluded.inflight`, taskID, flow, n)
	return err
}

func (e *executor) MoveConnectInflight(ctx context.Context, taskID, flow string) error {
	if _, err := e.q.Exec(ctx, `UPDATE connect_tasks SET duplicates = duplicates + COALESCE((SELECT inflight FROM connect_batches WHERE task_id = $1 AND flow = $2), 0) WHERE id = $3`, taskID, flow, taskID); err != nil {
		return err
	}
	_, err := e.q.Exec(ctx, `UPDATE connect_batches SET inflight = 0 WHERE task_id = $1 AND flow = $2`, taskID, flow)
	return err
}
