package store

import (
	"context"
	"time"

	"github.com/dmsd/dmsd"
)

// RememberRequest records a request signature until expires, and forgets
// expired ones. It returns EREPLAYED if the signature is already recorded and
// not expired.
func (s *Store) RememberRequest(ctx context.Context, signature string, expires time.Time) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		if err := tx.DeleteExpiredRequests(ctx, time.Now().UnixMilli()); err != nil {
			return err
		}
		inserted, err := tx.InsertRequest(ctx, signature, expires.UnixMilli())
		if err != nil {
			return err
		}
		if !inserted {
			return dmsd.Errorf(dmsd.EREPLAYED, "This signed request was already used. Sign every request anew.")
		}
		return nil
	})
}
