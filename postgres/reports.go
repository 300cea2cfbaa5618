package postgres

import (
	"context"

	"github.com/dmsd/dmsd/store"
)

func (e *executor) InsertReport(ctx context.Context, r *store.ReportRow) error {
	_, err := e.q.Exec(ctx, `INSERT INTO diagnosis_reports (id, project_id, instance_id, group_name, topic_name, status, begin_ms, end_ms, accumulated, dimensions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.ID, r.ProjectID, r.InstanceID, r.Group, r.Topic, r.Status, r.BeginMs, r.EndMs, r.Accumulated, string(r.Dimensions))
	return err
}

func (e *executor) UpdateReport(ctx context.Context, r *store.ReportRow) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `UPDATE diagnosis_reports SET status = $1, end_ms = $2, accumulated = $3, dimensions = $4 WHERE id = $5`,
		r.Status, r.EndMs, r.Accumulated, string(r.Dimensions), r.ID))
}

func (e *executor) GetReport(ctx context.Context, projectID, instanceID, reportID string) (*store.ReportRow, error) {
	return store.ScanReport(e.q.QueryRow(ctx, `SELECT `+store.ReportColumns+` FROM diagnosis_reports WHERE id = $1 AND instance_id = $2 AND project_id = $3`, reportID, instanceID, projectID))
}

func (e *executor) CountReports(ctx context.Context, projectID, instanceID string) (int, error) {
	var n int
	return n, e.q.QueryRow(ctx, `SELECT count(*) FROM diagnosis_reports WHERE instance_id = $1 AND project_id = $2`, instanceID, projectID).Scan(&n)
}

func (e *executor) ListReports(ctx context.Context, projectID, instanceID string, limit, offset int) ([]*store.ReportRow, error) {
	rows, err := e.q.Query(ctx, `SELECT `+store.ReportColumns+` FROM diagnosis_reports WHERE instance_id = $1 AND project_id = $2 ORDER BY begin_ms DESC, seq DESC LIMIT $3 OFFSET $4`,
		instanceID, projectID, limit, offset)
	return collect(rows, err, store.ScanReport)
}

func (e *executor) DeleteReport(ctx context.Context, projectID, instanceID, reportID string) (int64, error) {
	return rowsAffected(e.q.Exec(ctx, `DELETE FROM diagnosis_reports WHERE id = $1 AND instance_id = $2 AND project_id = $3`, reportID, instanceID, projectID))
}
