package store

import "context"

// CheckSecretKey records keyID as the id of the key that seals the
// database's secrets if none is recorded yet, and returns the recorded one:
// the caller refuses to run with another, as every replica must share the
// key.
func (s *Store) CheckSecretKey(ctx context.Context, keyID string) (recorded string, err error) {
	defer s.out(&err)
	err = s.inTx(ctx, func(tx ExecutorTx) error {
		if err := tx.InsertSecretKey(ctx, keyID); err != nil {
			return err
		}
		recorded, err = tx.GetSecretKey(ctx)
		return err
	})
	return recorded, err
}

// SealSecrets seals the secrets that an older dmsd stored in the clear, and
// returns how many instances it rewrote. Each row is rewritten only if it is
// unchanged since it was read, so a concurrent update is never lost. It
// returns an error if the database fails.
func (s *Store) SealSecrets(ctx context.Context) (n int, err error) {
	defer s.out(&err)
	if s.secrets == nil {
		return 0, nil
	}
	err = s.inTx(ctx, func(tx ExecutorTx) error {
		rows, err := tx.ListInstanceData(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			data, ok, err := resealInstance(r.Data, s.secrets)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			k, err := tx.ReplaceInstanceData(ctx, r.ID, r.Data, data)
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	return n, err
}
