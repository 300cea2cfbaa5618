package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/dmsd/dmsd"
)

// RememberRequest records a request signature until expires, and forgets
// expired ones. It returns EREPLAYED if the signature is already recorded and
// not expired.
func (db *DB) RememberRequest(ctx context.Context, signature string, expires time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM signed_requests WHERE expires_ms < ?`, time.Now().UnixMilli()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO signed_requests (signature, expires_ms) VALUES (?, ?)`, signature, expires.UnixMilli())
		if isUniqueViolation(err) {
			return errReplayed()
		}
		return err
	})
}

func errReplayed() error {
	return dmsd.Errorf(dmsd.EREPLAYED, "This signed request was already used. Sign every request anew.")
}
