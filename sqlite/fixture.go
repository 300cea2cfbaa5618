package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/dmsd/dmsd"
)

// This file builds the databases that the task list is measured on (the
// sqlite benchmarks and dmsd bench), and measures what finished task records
// cost on disk. It is not used while serving.

// FixtureTaskSpacing is the time between two consecutive tasks of an
// instance of a TaskFixture, except that tasks come in pairs created in the
// same millisecond, so that the seq tie-break of the newest-first order is
// exercised: an instance of n tasks spans n/2 × FixtureTaskSpacing, about 5.8
// days for 100,000.
const FixtureTaskSpacing = 10 * time.Second

// TaskFixture is a database holding instances that each have the same number
// of finished restartInstance tasks, created at the same times. Task i
// (0-based) of an instance is its (i+1)-th newest, created at CreatedAt(i);
// IDs are the task ids of Instances[0], in that order.
type TaskFixture struct {
	DB        *DB
	Instances []*dmsd.Instance
	IDs       []string
	// PerInstance is the number of tasks of each instance.
	PerInstance int
	Newest      time.Time
}

// CreatedAt returns the creation time of task i of every instance.
func (f *TaskFixture) CreatedAt(i int) time.Time {
	return f.Newest.Add(-time.Duration(i/2) * FixtureTaskSpacing)
}

// Filter returns the first page (offset 0, limit 10) of the first instance's
// tasks.
func (f *TaskFixture) Filter() dmsd.TaskFilter {
	return dmsd.TaskFilter{ProjectID: f.Instances[0].ProjectID, InstanceID: f.Instances[0].ID, Limit: 10}
}

// Window returns Filter with a begin_time/end_time window covering every
// task of the instance, which makes the list count the matching rows.
func (f *TaskFixture) Window() dmsd.TaskFilter {
	filter := f.Filter()
	filter.Begin, filter.End = f.CreatedAt(f.PerInstance-1), f.Newest
	return filter
}

// BuildTaskFixture creates a database at path with instances RUNNING
// instances of one project and perInstance finished tasks on each, oldest
// first across the instances as they would have been recorded, in one
// transaction through the write connection, and sets each instance's
// task_count as SubmitTask keeps it. The caller closes f.DB. It returns the
// error of Open or of an insert.
func BuildTaskFixture(ctx context.Context, path string, instances, perInstance int) (*TaskFixture, error) {
	db, err := Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	newest := time.Now().UTC().Truncate(time.Millisecond)
	f := &TaskFixture{DB: db, IDs: make([]string, perInstance), PerInstance: perInstance, Newest: newest}
	projectID, userID := dmsd.NewID(), dmsd.NewID()
	for i := range instances {
		f.Instances = append(f.Instances, &dmsd.Instance{
			ID: dmsd.NewUUID(), ProjectID: projectID, Name: fmt.Sprintf("many-tasks-%d", i), Engine: "kafka", EngineVersion: "3.x",
			BrokerNum: 3, StorageSpace: 300, StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "c6.2u4g.cluster",
			VpcID: "vpc-1", SubnetID: "subnet-1", SecurityGroupID: "sg-1", AvailableZones: []string{"az-1"},
			RetentionPolicy: "time_base", Status: dmsd.InstanceRunning, UserID: userID, UserName: "alice",
			Ports: []int{9092, 9093, 9094}, CreatedAt: newest.Add(-time.Duration(perInstance/2+1) * FixtureTaskSpacing),
		})
	}
	for i := range f.IDs {
		f.IDs[i] = dmsd.NewID()
	}
	params := make([]string, len(f.Instances))
	for j, inst := range f.Instances {
		params[j] = fmt.Sprintf(`{"instance_id":%q}`, inst.ID)
	}
	// A page cache that holds the whole transaction, so that SQLite does not
	// spill pages to the WAL midway; put back to the default afterwards.
	if _, err := db.write.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
		db.Close()
		return nil, err
	}
	err = inFixtureTx(ctx, db, func(tx *sql.Tx) error {
		for j, inst := range f.Instances {
			data, err := json.Marshal(inst)
			if err != nil {
				return err
			}
			// Instance j is number j+1, as InsertInstance numbers them.
			if _, err := tx.ExecContext(ctx, `INSERT INTO instances (id, project_id, status, data, created_ms, seq) VALUES (?, ?, ?, ?, ?, ?)`,
				inst.ID, inst.ProjectID, inst.Status, data, inst.CreatedAt.UnixMilli(), j+1); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO tasks (id, instance_seq, name, user_id, user_name, params, status, reason, steps, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := perInstance - 1; i >= 0; i-- {
			created := f.CreatedAt(i)
			steps, err := json.Marshal([]dmsd.Step{
				{Name: "STOP_BROKERS", Status: dmsd.StepSuccess, StartedAt: created.Add(5 * time.Millisecond), EndedAt: created.Add(10 * time.Millisecond)},
				{Name: "START_BROKERS", Status: dmsd.StepSuccess, StartedAt: created.Add(10 * time.Millisecond), EndedAt: created.Add(30 * time.Millisecond)},
				{Name: "CHECK_CLUSTER", Status: dmsd.StepSuccess, StartedAt: created.Add(30 * time.Millisecond), EndedAt: created.Add(35 * time.Millisecond)},
			})
			if err != nil {
				return err
			}
			for j, inst := range f.Instances {
				id := f.IDs[i]
				if j > 0 {
					id = dmsd.NewID()
				}
				_, err = stmt.ExecContext(ctx, packID(id), j+1, "restartInstance", packID(inst.UserID), inst.UserName,
					params[j], dmsd.TaskSuccess, "", steps, created.UnixMilli(), created.Add(35*time.Millisecond).UnixMilli())
				if err != nil {
					return err
				}
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE instances SET task_count = ?`, perInstance)
		return err
	})
	if err == nil {
		_, err = db.write.ExecContext(ctx, `PRAGMA cache_size = -2000`)
	}
	if err == nil {
		// Everything into the database file, as a long-running dmsd's
		// checkpoints leave it, and no large WAL file left behind.
		_, err = db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	// No ANALYZE: dmsd never runs it, so the planner works without
	// statistics here as it does in production.
	if err != nil {
		db.Close()
		return nil, err
	}
	return f, nil
}

// inFixtureTx runs fn in a transaction on db's write connection.
func inFixtureTx(ctx context.Context, db *DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// TimeListPair lists the first page of small's and of large's first
// instance, one after the other, windowed (Window) or not (Filter), and
// returns how long each took, in nanoseconds. The two are measured side by
// side, so that their ratio is that of one moment of the machine. It returns
// the error of ListTasks.
func TimeListPair(ctx context.Context, small, large *TaskFixture, windowed bool) (smallNs, largeNs float64, err error) {
	for i, f := range []*TaskFixture{small, large} {
		filter := f.Filter()
		if windowed {
			filter = f.Window()
		}
		start := time.Now()
		if _, _, err := f.DB.ListTasks(ctx, filter); err != nil {
			return 0, 0, err
		}
		ns := float64(time.Since(start).Nanoseconds())
		if i == 0 {
			smallNs = ns
		} else {
			largeNs = ns
		}
	}
	return smallNs, largeNs, nil
}

// TaskRecordBytes returns the number of task records and the bytes of
// payload their rows and the entries of every index of tasks take in the
// database file (dbstat), as a measure of what a record costs. It returns
// the error of the query.
func (db *DB) TaskRecordBytes(ctx context.Context) (records, payload int, err error) {
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM tasks`).Scan(&records); err != nil {
		return 0, 0, err
	}
	err = db.read.QueryRowContext(ctx, `SELECT coalesce(sum(payload), 0) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'tasks')`).Scan(&payload)
	return records, payload, err
}
