package store

import (
	"context"

	"github.com/dmsd/dmsd"
)

// ProjectUsage returns what the project holds, counted as the quota check of
// a submission counts it (without its lock: a reading, not a reservation).
func (s *Store) ProjectUsage(ctx context.Context, projectID string) (_ dmsd.Usage, err error) {
	defer s.out(&err)
	return s.d.GetExecutor().ProjectUsage(ctx, projectID)
}
