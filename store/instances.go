package store

import (
	"context"
	"errors"

	"github.com/dmsd/dmsd"
)

// FindInstance returns an instance of a project. It returns EINSTANCENOTFOUND
// if the instance does not exist in that project.
func (s *Store) FindInstance(ctx context.Context, projectID, instanceID string) (_ *dmsd.Instance, err error) {
	defer s.out(&err)
	return s.opened(s.findInstance(ctx, s.d.GetExecutor(), projectID, instanceID, false))
}

// ListInstances returns a project's instances, newest first.
func (s *Store) ListInstances(ctx context.Context, projectID string) (_ []*dmsd.Instance, err error) {
	defer s.out(&err)
	return s.listInstances(ctx, projectID)
}

// ListAllInstances returns every instance of every project, oldest first.
func (s *Store) ListAllInstances(ctx context.Context) (_ []*dmsd.Instance, err error) {
	defer s.out(&err)
	return s.listInstances(ctx, "")
}

func (s *Store) listInstances(ctx context.Context, projectID string) ([]*dmsd.Instance, error) {
	rows, err := s.d.GetExecutor().ListInstances(ctx, projectID)
	if err != nil {
		return nil, err
	}
	var out []*dmsd.Instance
	for _, r := range rows {
		inst, err := s.opened(decodeInstance(r))
		if err != nil {
			return nil, err
		}
		out = append(out, inst)
	}
	return out, nil
}

// UpdateInstance saves every field of inst. It returns EINSTANCENOTFOUND if
// the instance does not exist.
func (s *Store) UpdateInstance(ctx context.Context, inst *dmsd.Instance) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		n, err := s.updateInstance(ctx, tx, inst)
		if err == nil && n == 0 {
			return errInstanceNotFound()
		}
		return err
	})
}

// ModifyInstance calls change with the instance, read with its row locked and
// its secrets opened, and saves what change left, in one transaction. It
// returns EINSTANCENOTFOUND, change's error (saving nothing; nil for
// dmsd.ErrUnchanged), and the database's errors.
func (s *Store) ModifyInstance(ctx context.Context, projectID, instanceID string, change func(*dmsd.Instance) error) (err error) {
	defer s.out(&err)
	err = s.inTx(ctx, func(tx ExecutorTx) error {
		inst, err := s.opened(s.findInstance(ctx, tx, projectID, instanceID, true))
		if err != nil {
			return err
		}
		if err := change(inst); err != nil {
			return err
		}
		_, err = s.updateInstance(ctx, tx, inst)
		return err
	})
	if errors.Is(err, dmsd.ErrUnchanged) {
		return nil
	}
	return err
}

// DeleteInstance deletes an instance and its task records. Deleting an
// instance that does not exist is not an error.
func (s *Store) DeleteInstance(ctx context.Context, instanceID string) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error { return tx.DeleteInstance(ctx, instanceID) })
}

// findInstance reads an instance in its stored form (secrets sealed),
// locking its row if lock is set.
func (s *Store) findInstance(ctx context.Context, ex Executor, projectID, instanceID string, lock bool) (*dmsd.Instance, error) {
	r, err := ex.GetInstance(ctx, projectID, instanceID, lock)
	if s.isNoRows(err) {
		return nil, errInstanceNotFound()
	} else if err != nil {
		return nil, err
	}
	s.know(r.ID, r.Status, r.Data)
	return decodeInstance(r)
}

// opened returns inst with its secrets opened, for a caller outside the
// store.
func (s *Store) opened(inst *dmsd.Instance, err error) (*dmsd.Instance, error) {
	if err != nil {
		return nil, err
	}
	if err := dmsd.OpenSecrets(inst, s.secrets); err != nil {
		return nil, err
	}
	return inst, nil
}

func (s *Store) insertInstance(ctx context.Context, tx ExecutorTx, inst *dmsd.Instance) error {
	data, err := encodeInstance(inst, s.secrets)
	if err != nil {
		return err
	}
	if err := tx.InsertInstance(ctx, &InstanceRow{ID: inst.ID, ProjectID: inst.ProjectID, Status: string(inst.Status), Data: data, CreatedMs: inst.CreatedAt.UnixMilli()}); err != nil {
		return err
	}
	s.know(inst.ID, string(inst.Status), data)
	return nil
}

// updateInstance saves inst, sealing the secrets it holds in the clear, and
// returns how many rows changed.
func (s *Store) updateInstance(ctx context.Context, tx ExecutorTx, inst *dmsd.Instance) (int64, error) {
	data, err := encodeInstance(inst, s.secrets)
	if err != nil {
		return 0, err
	}
	n, err := tx.UpdateInstance(ctx, inst.ID, string(inst.Status), data)
	if err == nil && n == 1 {
		s.know(inst.ID, string(inst.Status), data)
	}
	return n, err
}
