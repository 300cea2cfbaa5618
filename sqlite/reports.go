package sqlite

import (
	"context"

	"github.com/dmsd/dmsd/store"
)

func (e *executor) InsertReport(ctx context.Context, r *store.ReportRow) error {
	_, err := e.q.ExecContext(ctx, `INSERT INTO diagnosis_reports (id, project_id, instance_id, group_name, topic_name, status, begin_ms, end_ms, accumulated, dimensions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ProjectID, r.InstanceID, r.Group, r.Topic, r.Status, r.BeginMs, r.EndMs, r.Accumulated, string(r.Dimensions))
	return err
}

func (e *executor) UpdateReport(ctx context.Context, r *store.ReportRow) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `UPDATE diagnosis_reports SET status = ?, end_ms = ?, accumulated = ?, dimensions = ? WHERE id = ?`,
		r.Status, r.EndMs, r.Accumulated, string(r.Dimensions), r.ID))
}

func (e *executor) GetReport(ctx context.Context, projectID, instanceID, reportID string) (*store.ReportRow, error) {
	return store.ScanReport(e.q.QueryRowContext(ctx, `SELECT `+store.ReportColumns+` FROM diagnosis_reports WHERE id = ? AND instance_id = ? AND project_id = ?`, reportID, instanceID, projectID))
}

func (e *executor) CountReports(ctx context.Context, projectID, instanceID string) (int, error) {
	var n int
	return n, e.q.QueryRowContext(ctx, `SELECT count(*) FROM diagnosis_reports WHERE instance_id = ? AND project_id = ?`, instanceID, projectID).Scan(&n)
}

func (e *executor) ListReports(ctx context.Context, projectID, instanceID string, limit, offset int) ([]*store.ReportRow, error) {
	rows, err := e.q.QueryContext(ctx, `SELECT `+store.ReportColumns+` FROM diagnosis_reports WHERE instance_id = ? AND project_id = ? ORDER BY begin_ms DESC, seq DESC LIMIT ? OFFSET ?`,
		instanceID, projectID, limit, offset)
	return collect(rows, err, store.ScanReport)
}

func (e *executor) DeleteReport(ctx context.Context, projectID, instanceID, reportID string) (int64, error) {
	return rowsAffected(e.q.ExecContext(ctx, `DELETE FROM diagnosis_reports WHERE id = ? AND instance_id = ? AND project_id = ?`, reportID, instanceID, projectID))
}
