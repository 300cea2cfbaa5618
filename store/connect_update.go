package store

import (
	"context"

	"github.com/dmsd/dmsd"
)

// UpdateConnectTask saves a task's name and settings, its peer's password
// sealed as CreateConnectTask seals it. It returns EINVALID if the instance
// has another task of that name, and ECONNECTTASKNOTFOUND if the task is
// gone.
func (s *Store) UpdateConnectTask(ctx context.Context, t *dmsd.ConnectTask) (err error) {
	defer s.out(&err)
	data, err := s.connectData(t)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		n, err := tx.UpdateConnectTask(ctx, t.ID, t.Name, data)
		if s.isUnique(err) {
			return errConnectTaskNameTaken(t.Name)
		}
		if err == nil && n == 0 {
			return errConnectTaskNotFound()
		}
		return err
	})
}
