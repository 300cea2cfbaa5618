package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/dmsd/dmsd"
)

// Ensure DB implements the store.
var _ dmsd.Store = (*DB)(nil)

// FindInstance returns an instance of a project. It returns EINSTANCENOTFOUND
// if the instance does not exist in that project.
func (db *DB) FindInstance(ctx context.Context, projectID, instanceID string) (*dmsd.Instance, error) {
	return db.opened(instanceOrNotFound(scanInstance(db.findInstanceStmt.QueryRowContext(ctx, instanceID, projectID))))
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

const findInstanceQuery = `SELECT data, status FROM instances WHERE id = ? AND project_id = ?`

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func findInstance(ctx context.Context, q querier, projectID, instanceID string) (*dmsd.Instance, error) {
	return instanceOrNotFound(scanInstance(q.QueryRowContext(ctx, findInstanceQuery, instanceID, projectID)))
}

func instanceOrNotFound(inst *dmsd.Instance, err error) (*dmsd.Instance, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	}
	return inst, err
}

// ListInstances returns a project's instances, newest first.
func (db *DB) ListInstances(ctx context.Context, projectID string) ([]*dmsd.Instance, error) {
	return db.listInstances(ctx, `SELECT data, status FROM instances WHERE project_id = ? ORDER BY created_ms DESC, id`, projectID)
}

// ListAllInstances returns every instance of every project, oldest first.
func (db *DB) ListAllInstances(ctx context.Context) ([]*dmsd.Instance, error) {
	return db.listInstances(ctx, `SELECT data, status FROM instances ORDER BY created_ms, id`)
}

func (db *DB) listInstances(ctx context.Context, query string, args ...any) ([]*dmsd.Instance, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
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
func (db *DB) UpdateInstance(ctx context.Context, inst *dmsd.Instance) error {
	data, err := dmsd.EncodeInstance(inst, db.secrets)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, `UPDATE instances SET data = ?, status = ? WHERE id = ?`, data, inst.Status, inst.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	}
	return nil
}

// DeleteInstance deletes an instance and its task records. Deleting an
// instance that does not exist is not an error.
func (db *DB) DeleteInstance(ctx context.Context, instanceID string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM instances WHERE id = ?`, instanceID)
	return err
}

func insertInstance(ctx context.Context, tx *sql.Tx, inst *dmsd.Instance, box dmsd.SecretBox) error {
	data, err := dmsd.EncodeInstance(inst, box)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO instances (id, project_id, status, data, created_ms) VALUES (?, ?, ?, ?, ?)`,
		inst.ID, inst.ProjectID, inst.Status, data, inst.CreatedAt.UnixMilli())
	return err
}

type scanner interface{ Scan(dest ...any) error }

// scanInstance returns the instance in its stored form: secrets sealed.

func scanInstance(s scanner) (*dmsd.Instance, error) {
	var data []byte
	var status string
	if err := s.Scan(&data, &status); err != nil {
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

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
