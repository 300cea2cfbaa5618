package sqlite

import (
	"context"
	"database/sql"

	"github.com/dmsd/dmsd"
)

// CheckSecretKey records keyID as the id of the key that seals the
// database's secrets if none is recorded yet, and returns the recorded one:
// the caller refuses to run with another.
func (db *DB) CheckSecretKey(ctx context.Context, keyID string) (string, error) {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO secret_key (singleton, key_id) VALUES (1, ?) ON CONFLICT DO NOTHING`, keyID); err != nil {
		return "", err
	}
	var recorded string
	err := db.write.QueryRowContext(ctx, `SELECT key_id FROM secret_key`).Scan(&recorded)
	return recorded, err
}

// SealSecrets seals the secrets that an older dmsd stored in the clear, and
// returns how many instances it rewrote. Each row is rewritten only if it is
// unchanged since it was read, so a concurrent update is never lost. It
// returns an error if the database fails.
func (db *DB) SealSecrets(ctx context.Context) (int, error) {
	if db.secrets == nil {
		return 0, nil
	}
	// Freed cell space is zeroed rather than left holding the old rows.
	if _, err := db.write.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return 0, err
	}
	defer db.write.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`)
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, data FROM instances`)
		if err != nil {
			return err
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
				return err
			}
			data, ok, err := dmsd.ResealInstance(r.old, db.secrets)
			if err != nil {
				rows.Close()
				return err
			}
			if ok {
				r.data = data
				changed = append(changed, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range changed {
			res, err := tx.ExecContext(ctx, `UPDATE instances SET data = ? WHERE id = ? AND data = ?`, r.data, r.id, r.old)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 1 {
				n++
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		return n, err
	}
	// The clear secrets live on in the WAL's old frames until a checkpoint
	// copies the pages and the log is emptied.
	_, err = db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return n, err
}
