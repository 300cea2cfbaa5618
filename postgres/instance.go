package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dmsd/dmsd"
)

// Ensure DB implements the store.
var _ dmsd.Store = (*DB)(nil)

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const findInstanceQuery = `SELECT data, status FROM instances WHERE id = $1 AND project_id = $2`

// FindInstance returns an instance of a project. It returns EINSTANCENOTFOUND
// if the instance does not exist in that project.
func (db *DB) FindInstance(ctx context.Context, projectID, instanceID string) (_ *dmsd.Instance, err error) {
	defer func() { err = domainError(err) }()
	return db.opened(findInstance(ctx, db.pool, projectID, instanceID, ""))
}

// opened returns inst with its secrets opened, for a caller outside the
// store.
func (db *DB) opened(inst *dmsd.Instance, err error) (*dmsd.Instance, error) {
	if err != nil {
		return nil, err
	}
	if err := dmsd.OpenSecrets(inst, db.secrets); err != nil {
		return nil, err
	}
	return inst, nil
}

// findInstance reads an instance in its stored form (secrets sealed); lock,
// when set, is appended to the query (FOR UPDATE).
func findInstance(ctx context.Context, q querier, projectID, instanceID, lock string) (*dmsd.Instance, error) {
	inst, err := scanInstance(q.QueryRow(ctx, findInstanceQuery+lock, instanceID, projectID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	}
	return inst, err
}

// ListInstances returns a project's instances, newest first.
func (db *DB) ListInstances(ctx context.Context, projectID string) (_ []*dmsd.Instance, err error) {
	defer func() { err = domainError(err) }()
	return db.listInstances(ctx, `SELECT data, status FROM instances WHERE project_id = $1 ORDER BY created_ms DESC, id`, projectID)
}

// ListAllInstances returns every instance of every project, oldest first.
func (db *DB) ListAllInstances(ctx context.Context) (_ []*dmsd.Instance, err error) {
	defer func() { err = domainError(err) }()
	return db.listInstances(ctx, `SELECT data, status FROM instances ORDER BY created_ms, id`)
}

func (db *DB) listInstances(ctx context.Context, query string, args ...any) ([]*dmsd.Instance, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*dmsd.Instance
	for rows.Next() {
		inst, err := db.opened(scanInstance(rows))
		if err != nil {
			return nil, err
		}
		out = append(out, inst)
	}
	return out, rows.Err()
}

// UpdateInstance saves every field of inst. It returns EINSTANCENOTFOUND if
// the instance does not exist.
func (db *DB) UpdateInstance(ctx context.Context, inst *dmsd.Instance) (err error) {
	defer func() { err = domainError(err) }()
	n, err := updateInstance(ctx, db.pool, inst, db.secrets)
	if err == nil && n == 0 {
		return dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	}
	return err
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// updateInstance saves inst, sealing the secrets it holds in the clear.
func updateInstance(ctx context.Context, e execer, inst *dmsd.Instance, box dmsd.SecretBox) (int64, error) {
	data, err := dmsd.EncodeInstance(inst, box)
	if err != nil {
		return 0, err
	}
	tag, err := e.Exec(ctx, `UPDATE instances SET data = $1, status = $2 WHERE id = $3`, data, inst.Status, inst.ID)
	return tag.RowsAffected(), err
}

// DeleteInstance deletes an instance and its task records. Deleting an
// instance that does not exist is not an error.
func (db *DB) DeleteInstance(ctx context.Context, instanceID string) (err error) {
	defer func() { err = domainError(err) }()
	_, err = db.pool.Exec(ctx, `DELETE FROM instances WHERE id = $1`, instanceID)
	return err
}

func insertInstance(ctx context.Context, tx pgx.Tx, inst *dmsd.Instance, box dmsd.SecretBox) error {
	data, err := dmsd.EncodeInstance(inst, box)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO instances (id, project_id, status, data, created_ms) VALUES ($1, $2, $3, $4, $5)`,
		inst.ID, inst.ProjectID, inst.Status, data, inst.CreatedAt.UnixMilli())
	return err
}

func scanInstance(row pgx.Row) (*dmsd.Instance, error) {
	var data []byte
	var status string
	if err := row.Scan(&data, &status); err != nil {
		return nil, err
	}
	var inst dmsd.Instance
	if err := json.Unmarshal(data, &inst); err != nil {
		return nil, err
	}
	inst.Status = dmsd.InstanceStatus(status)
	inst.CreatedAt = inst.CreatedAt.UTC()
	return &inst, nil
}
