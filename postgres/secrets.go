package postgres

import (
	"context"

	"github.com/dmsd/dmsd"
)

// CheckSecretKey records keyID as the id of the key that seals the
// database's secrets if none is recorded yet, and returns the recorded one:
// the caller refuses to run with another, as every replica must share the
// key.
func (db *DB) CheckSecretKey(ctx context.Context, keyID string) (_ string, err error) {
	defer func() { err = domainError(err) }()
	if _, err := db.pool.Exec(ctx, `INSERT INTO secret_key (singleton, key_id) VALUES (1, $1) ON CONFLICT DO NOTHING`, keyID); err != nil {
		return "", err
	}
	var recorded string
	err = db.pool.QueryRow(ctx, `SELECT key_id FROM secret_key`).Scan(&recorded)
	return recorded, err
}

// SealSecrets seals the secrets that an older dmsd stored in the clear, and
// returns how many instances it rewrote. Each row is rewritten only if it is
// unchanged since it was read, so an update by another replica meanwhile is
// never lost. It returns an error if the database fails.
func (db *DB) SealSecrets(ctx context.Context) (_ int, err error) {
	defer func() { err = domainError(err) }()
	if db.secrets == nil {
		return 0, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, data FROM instances`)
	if err != nil {
		return 0, err
	}
	type row struct {
		id        string
		old, data []byte
	}
	var changed []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.old); err != nil {
			rows.Close()
			return 0, err
		}
		data, ok, err := dmsd.ResealInstance(r.old, db.secrets)
		if err != nil {
			rows.Close()
			return 0, err
		}
		if ok {
			r.data = data
			changed = append(changed, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range changed {
		tag, err := db.pool.Exec(ctx, `UPDATE instances SET data = $1 WHERE id = $2 AND data = $3`, r.data, r.id, r.old)
		if err != nil {
			return n, err
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}
