package store

import (
	"context"

	"github.com/dmsd/dmsd"
)

var _ dmsd.RecycleStore = (*Store)(nil)

// RecyclePolicy returns the project's recycle bin policy, disabled with
// dmsd.DefaultRetentionDays when it never set one. It returns the driver's
// errors (EUNAVAILABLE).
func (s *Store) RecyclePolicy(ctx context.Context, projectID string) (p dmsd.RecyclePolicy, err error) {
	defer s.out(&err)
	enabled, days, err := s.d.GetExecutor().GetRecyclePolicy(ctx, projectID)
	if s.isNoRows(err) {
		return dmsd.RecyclePolicy{RetentionDays: dmsd.DefaultRetentionDays}, nil
	} else if err != nil {
		return p, err
	}
	return dmsd.RecyclePolicy{Enabled: enabled, RetentionDays: days}, nil
}

// SetRecyclePolicy records the project's recycle bin policy. It returns the
// driver's errors (EUNAVAILABLE).
func (s *Store) SetRecyclePolicy(ctx context.Context, projectID string, p dmsd.RecyclePolicy) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		return tx.PutRecyclePolicy(ctx, projectID, p.Enabled, p.RetentionDays)
	})
}
