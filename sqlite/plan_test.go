package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

// recordingQuerier passes statements to q and records them with their
// arguments.
type recordingQuerier struct {
	q     querier
	stmts []recordedStmt
}

type recordedStmt struct {
	query string
	args  []any
}

func (r *recordingQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r.stmts = append(r.stmts, recordedStmt{query, args})
	return r.q.ExecContext(ctx, query, args...)
}

func (r *recordingQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	r.stmts = append(r.stmts, recordedStmt{query, args})
	return r.q.QueryRowContext(ctx, query, args...)
}

func (r *recordingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r.stmts = append(r.stmts, recordedStmt{query, args})
	return r.q.QueryContext(ctx, query, args...)
}

// Every query of a task record finds its rows through an index: the lookups
// by task id, the list of an instance's tasks newest first (without sorting)
// and its window filters, the counts, the one-unfinished check. Only the
// metrics' count by name and status reads the whole table, as it counts all.
func TestTaskQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, err := BuildTaskFixture(ctx, filepath.Join(t.TempDir(), "dmsd.db"), 3, 200)
	require.NoError(t, err)
	defer f.DB.Close()
	tx, err := f.DB.write.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	rec := &recordingQuerier{q: tx}
	// On the write connection, so that every statement goes through q.
	e := &executor{db: f.DB, q: rec, tx: tx}

	inst := f.Instances[1]
	id := f.IDs[0]
	task, err := e.GetTaskByID(ctx, id)
	require.NoError(t, err)
	_, err = e.GetTask(ctx, inst.ProjectID, f.Instances[0].ID, id, false)
	require.NoError(t, err)
	_, _, err = e.GetTaskVersion(ctx, task.ProjectID, task.InstanceID, id)
	require.NoError(t, err)
	_, _, err = e.GetInstanceUnfinished(ctx, inst.ProjectID, inst.ID, false)
	require.NoError(t, err)
	for _, scheduled := range []bool{false, true} {
		_, err = e.CountTasks(ctx, inst.ID, 0, f.Newest.UnixMilli(), scheduled)
		require.NoError(t, err)
		_, err = e.ListTasks(ctx, inst.ID, 0, f.Newest.UnixMilli(), scheduled, 10, 20)
		require.NoError(t, err)
	}
	_, err = e.CountTasksAtMost(ctx, inst.ID, 0, f.Newest.UnixMilli(), 50)
	require.NoError(t, err)
	_, err = e.ProjectUsage(ctx, inst.ProjectID)
	require.NoError(t, err)
	newTask := &store.TaskRow{ID: dmsd.NewID(), ProjectID: inst.ProjectID, InstanceID: inst.ID, Name: "restartInstance", UserID: inst.UserID,
		Params: "{}", Status: string(dmsd.TaskCreated), Steps: []byte(`[]`), CreatedMs: 1, UpdatedMs: 1}
	require.NoError(t, e.InsertTask(ctx, newTask))
	_, err = e.StartTask(ctx, newTask.ID, 0, 2)
	require.NoError(t, err)
	_, err = e.UpdateTask(ctx, newTask.ID, string(dmsd.TaskSuccess), "", []byte(`[]`), 3)
	require.NoError(t, err)
	_, err = e.CancelCreatedTask(ctx, newTask.ID, 4)
	require.NoError(t, err)
	_, err = e.EndCreatedTask(ctx, newTask.ID, 0, string(dmsd.TaskSuccess), "", []byte(`[]`), 5)
	require.NoError(t, err)
	// The swap of a task's end, refused here (the task is not CREATED): one
	// statement.
	ended, err := e.EndTaskRun(ctx, &store.TaskRunRow{TaskID: newTask.ID, Status: string(dmsd.TaskSuccess), Steps: []byte(`[]`), UpdatedMs: 6,
		InstanceID: inst.ID, OldStatus: string(dmsd.InstanceRunning), Old: []byte(`{}`), NewStatus: string(dmsd.InstanceRunning), Data: []byte(`{}`)})
	require.NoError(t, err)
	require.False(t, ended)
	require.NoError(t, e.RescheduleTask(ctx, newTask.ID, 6, 7, 8))
	require.NoError(t, e.DeleteTask(ctx, newTask.ID))
	// InsertTask is two statements: the task and its instance's count.
	require.Len(t, rec.stmts, 19)

	for _, s := range rec.stmts {
		rows, err := tx.QueryContext(ctx, `EXPLAIN QUERY PLAN `+s.query, s.args...)
		require.NoError(t, err, s.query)
		var plan []string
		for rows.Next() {
			var id, parent, notUsed int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &notUsed, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		for _, line := range plan {
			require.NotContains(t, line, "TEMP B-TREE", "%s\n%s", s.query, strings.Join(plan, "\n"))
			if strings.HasPrefix(line, "SCAN ") {
				require.Contains(t, line, "subquery", "%s\n%s", s.query, strings.Join(plan, "\n"))
			}
		}
		if strings.Contains(s.query, "instances i WHERE i.project_id") { // ProjectUsage
			require.Contains(t, strings.Join(plan, "\n"), "tasks_instance_created")
		}
		t.Logf("%s\n\t%s", s.query, strings.Join(plan, "\n\t"))
	}
}
