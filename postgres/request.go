package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dmsd/dmsd"
)

// RememberRequest records a request signature until expires, and forgets
// expired ones. It returns EREPLAYED if the signature is already recorded and
// not expired.
func (db *DB) RememberRequest(ctx context.Context, signature string, expires time.Time) (err error) {
	defer func() { err = domainError(err) }()
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM signed_requests WHERE expires_ms < $1`, time.Now().UnixMilli()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO signed_requests (signature, expires_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING`, signature, expires.UnixMilli())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return dmsd.Errorf(dmsd.EREPLAYED, "This signed request was already used. Sign every request anew.")
		}
		return nil
	})
}
