package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dmsd/dmsd"
)

var _ dmsd.DiagnosisStore = (*Store)(nil)

func errReportNotFound() error {
	return dmsd.Errorf(dmsd.EREPORTNOTFOUND, "The diagnosis report does not exist.")
}

// InsertReport adds a report. It returns EINSTANCENOTFOUND if its instance
// does not exist.
func (s *Store) InsertReport(ctx context.Context, r *dmsd.DiagnosisReport) (err error) {
	defer s.out(&err)
	row, err := reportRow(r)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		if _, err := s.findInstance(ctx, tx, r.ProjectID, r.InstanceID, false); err != nil {
			return err
		}
		return tx.InsertReport(ctx, row)
	})
}

// UpdateReport saves a report's status, end, count and findings. It returns
// EREPORTNOTFOUND if the report is gone.
func (s *Store) UpdateReport(ctx context.Context, r *dmsd.DiagnosisReport) (err error) {
	defer s.out(&err)
	row, err := reportRow(r)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		n, err := tx.UpdateReport(ctx, row)
		if err == nil && n == 0 {
			return errReportNotFound()
		}
		return err
	})
}

// FindReport returns a report of an instance of a project. It returns
// EINSTANCENOTFOUND or EREPORTNOTFOUND if either does not exist there.
func (s *Store) FindReport(ctx context.Context, projectID, instanceID, reportID string) (_ *dmsd.DiagnosisReport, err error) {
	defer s.out(&err)
	ex := s.d.GetExecutor()
	r, err := ex.GetReport(ctx, projectID, instanceID, reportID)
	if s.isNoRows(err) {
		if _, err := s.findInstance(ctx, ex, projectID, instanceID, false); err != nil {
			return nil, err
		}
		return nil, errReportNotFound()
	} else if err != nil {
		return nil, err
	}
	return decodeReport(r)
}

// ListReports returns a page of an instance's reports, newest first, and how
// many it has. It returns EINSTANCENOTFOUND if the instance does not exist in
// the project.
func (s *Store) ListReports(ctx context.Context, projectID, instanceID string, limit, offset int) (_ []*dmsd.DiagnosisReport, _ int, err error) {
	defer s.out(&err)
	tx, err := s.d.BeginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := s.findInstance(ctx, tx, projectID, instanceID, false); err != nil {
		return nil, 0, err
	}
	count, err := tx.CountReports(ctx, projectID, instanceID)
	if err != nil {
		return nil, 0, err
	}
	rows, err := tx.ListReports(ctx, projectID, instanceID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*dmsd.DiagnosisReport, 0, len(rows))
	for _, r := range rows {
		rep, err := decodeReport(r)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, rep)
	}
	return out, count, nil
}

// DeleteReport deletes a report and reports whether it existed. It returns
// EINSTANCENOTFOUND if the instance does not exist in the project.
func (s *Store) DeleteReport(ctx context.Context, projectID, instanceID, reportID string) (_ bool, err error) {
	defer s.out(&err)
	var n int64
	err = s.inTx(ctx, func(tx ExecutorTx) error {
		if _, err := s.findInstance(ctx, tx, projectID, instanceID, false); err != nil {
			return err
		}
		n, err = tx.DeleteReport(ctx, projectID, instanceID, reportID)
		return err
	})
	return n > 0, err
}

func reportRow(r *dmsd.DiagnosisReport) (*ReportRow, error) {
	dims, err := json.Marshal(r.Dimensions)
	if err != nil {
		return nil, err
	}
	row := &ReportRow{ID: r.ID, ProjectID: r.ProjectID, InstanceID: r.InstanceID, Group: r.Group, Topic: r.Topic,
		Status: r.Status, BeginMs: r.BeginTime.UnixMilli(), Accumulated: r.AccumulatedPartitions, Dimensions: dims}
	if !r.EndTime.IsZero() {
		row.EndMs = r.EndTime.UnixMilli()
	}
	return row, nil
}

func decodeReport(r *ReportRow) (*dmsd.DiagnosisReport, error) {
	rep := &dmsd.DiagnosisReport{ID: r.ID, ProjectID: r.ProjectID, InstanceID: r.InstanceID, Group: r.Group, Topic: r.Topic,
		Status: r.Status, BeginTime: time.UnixMilli(r.BeginMs).UTC(), AccumulatedPartitions: r.Accumulated}
	if r.EndMs != 0 {
		rep.EndTime = time.UnixMilli(r.EndMs).UTC()
	}
	if len(r.Dimensions) > 0 {
		if err := json.Unmarshal(r.Dimensions, &rep.Dimensions); err != nil {
			return nil, err
		}
	}
	return rep, nil
}
