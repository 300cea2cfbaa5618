package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/store"
)

// openAtVersion creates a database at path with dmsd's first n migrations
// only, as a dmsd of that version left it, and returns a connection to it
// with the pragmas Open sets.
func openAtVersion(t *testing.T, path string, n int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	names, err := fs.Glob(migrations, "migrations/*.sql")
	require.NoError(t, err)
	sort.Strings(names)
	require.Greater(t, len(names), n)
	for _, name := range names[:n] {
		body, err := migrations.ReadFile(name)
		require.NoError(t, err)
		_, err = db.Exec(string(body))
		require.NoError(t, err, name)
	}
	_, err = db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, n))
	require.NoError(t, err)
	return db
}

// A database of migrations 001–008 upgrades in place: every task reads back
// as it was stored, with the same text ids, in the same order and counts;
// the tasks still go with their instance, and new tasks and instances are
// numbered after the old ones.
func TestUpgradeKeepsTaskRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dmsd.db")
	old := openAtVersion(t, path, 8)

	projects := []string{dmsd.NewID(), dmsd.NewID()}
	var instances []*store.InstanceRow
	for i := range 3 {
		instances = append(instances, &store.InstanceRow{ID: dmsd.NewUUID(), ProjectID: projects[i%2], Status: string(dmsd.InstanceRunning),
			Data: []byte(`{}`), CreatedMs: 1_700_000_000_000 + int64(i)})
	}
	for _, r := range instances {
		_, err := old.Exec(`INSERT INTO instances (id, project_id, status, data, created_ms) VALUES (?, ?, ?, ?, ?)`,
			r.ID, r.ProjectID, r.Status, r.Data, r.CreatedMs)
		require.NoError(t, err)
	}
	// Ids of every form: the ids dmsd makes, and others an older record or
	// a credential file may hold, which are kept as text.
	userIDs := []string{dmsd.NewID(), "u", strings.ToUpper(dmsd.NewID()), dmsd.NewID()[:31] + "g", "0123456789abcdef0123456789abcdef0"}
	taskIDs := []string{"legacy-task", strings.ToUpper(dmsd.NewID())}
	statuses := []dmsd.TaskStatus{dmsd.TaskSuccess, dmsd.TaskFailed, dmsd.TaskCancelled, dmsd.TaskSuccess}
	var want []*store.TaskRow
	for i := range 40 {
		inst := instances[i%len(instances)]
		id := dmsd.NewID()
		if i < len(taskIDs) {
			id = taskIDs[i]
		}
		r := &store.TaskRow{
			ID: id, ProjectID: inst.ProjectID, InstanceID: inst.ID, Name: "restartInstance",
			UserID: userIDs[i%len(userIDs)], UserName: fmt.Sprintf("user-%d", i), Params: fmt.Sprintf(`{"instance_id":%q}`, inst.ID),
			Status: string(statuses[i%len(statuses)]), Reason: fmt.Sprintf("reason %d", i%3),
			Steps: []byte(`[["STOP_BROKERS","S",4,1],["START_BROKERS","S",5,0]]`),
			// Pairs created in one millisecond, so that seq breaks ties.
			CreatedMs: 1_700_000_100_000 + int64(i/2)*1000, UpdatedMs: 1_700_000_100_500 + int64(i/2)*1000,
		}
		if i%7 == 3 {
			r.Reason = ""
		}
		if i%len(instances) == 0 && i >= 30 {
			// Of the first instance's newest tasks one runs, the others are
			// scheduled and wait.
			r.Status = string(dmsd.TaskCreated)
			if i == 36 {
				r.Status = string(dmsd.TaskExecuting)
			} else {
				r.ExecuteMs, r.JobID = r.CreatedMs+3_600_000, int64(i)
			}
		}
		want = append(want, r)
	}
	// The insert of a version 008 dmsd.
	for _, r := range want {
		_, err := old.Exec(`INSERT INTO tasks (`+store.TaskColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.ProjectID, r.InstanceID, r.Name, r.UserID, r.UserName, r.Params, r.Status, r.Reason, r.Steps, r.CreatedMs, r.UpdatedMs, r.ExecuteMs, r.JobID)
		require.NoError(t, err)
	}
	// The newest record deleted: its seq is not given again.
	_, err := old.Exec(`DELETE FROM tasks WHERE id = ?`, want[len(want)-1].ID)
	require.NoError(t, err)
	want = want[:len(want)-1]
	// As SubmitTask and DeleteTask keep it.
	_, err = old.Exec(`UPDATE instances SET task_count = (SELECT count(*) FROM tasks WHERE instance_id = instances.id)`)
	require.NoError(t, err)
	var maxSeq int64
	require.NoError(t, old.QueryRow(`SELECT seq FROM sqlite_sequence WHERE name = 'tasks'`).Scan(&maxSeq))
	require.EqualValues(t, 40, maxSeq)
	// What a version 008 dmsd listed: newest first, seq breaking ties.
	wantOrder := map[string][]string{}
	for _, inst := range instances {
		rows, err := old.Query(`SELECT id FROM tasks WHERE instance_id = ? ORDER BY created_ms DESC, seq DESC`, inst.ID)
		require.NoError(t, err)
		for rows.Next() {
			var id string
			require.NoError(t, rows.Scan(&id))
			wantOrder[inst.ID] = append(wantOrder[inst.ID], id)
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	require.NoError(t, old.Close())

	db, err := Open(ctx, path, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer db.Close()
	var version int
	require.NoError(t, db.read.QueryRow(`PRAGMA user_version`).Scan(&version))
	names, err := fs.Glob(migrations, "migrations/*.sql")
	require.NoError(t, err)
	require.Equal(t, len(names), version, "every migration applied")

	e := driver{db}.GetExecutor()
	for _, r := range want {
		got, err := e.GetTask(ctx, r.ProjectID, r.InstanceID, r.ID, false)
		require.NoError(t, err, r.ID)
		require.Equal(t, r, got)
		got, err = e.GetTaskByID(ctx, r.ID)
		require.NoError(t, err, r.ID)
		require.Equal(t, r, got)
		status, updated, err := e.GetTaskVersion(ctx, r.ProjectID, r.InstanceID, r.ID)
		require.NoError(t, err, r.ID)
		require.Equal(t, r.Status, status)
		require.Equal(t, r.UpdatedMs, updated)
		// Not through another instance or project.
		other := instances[0]
		if other.ID == r.InstanceID {
			other = instances[1]
		}
		_, err = e.GetTask(ctx, other.ProjectID, other.ID, r.ID, false)
		require.ErrorIs(t, domainError(err), store.ErrNoRows)
		_, err = e.GetTask(ctx, projects[0]+projects[1], r.InstanceID, r.ID, false)
		require.ErrorIs(t, domainError(err), store.ErrNoRows)
	}
	for _, inst := range instances {
		rows, err := e.ListTasks(ctx, inst.ID, 0, 1<<62, false, 100, 0)
		require.NoError(t, err)
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ID)
			require.Equal(t, r, want[slices.IndexFunc(want, func(w *store.TaskRow) bool { return w.ID == r.ID })])
		}
		require.Equal(t, wantOrder[inst.ID], ids, "instance %s", inst.ID)
		n, err := e.CountTasks(ctx, inst.ID, 0, 1<<62, false)
		require.NoError(t, err)
		require.Len(t, ids, n)
	}
	scheduled, err := e.ListTasks(ctx, instances[0].ID, 0, 1<<62, true, 100, 0)
	require.NoError(t, err)
	require.Len(t, scheduled, 2)
	for _, r := range scheduled {
		require.Equal(t, string(dmsd.TaskCreated), r.Status)
		require.NotZero(t, r.ExecuteMs)
	}
	_, unfinished, err := e.GetInstanceUnfinished(ctx, instances[0].ProjectID, instances[0].ID, false)
	require.NoError(t, err)
	require.Equal(t, 1, unfinished, "the executing task")

	// Through the store, as the API reads it.
	first := instances[0]
	tasks, count, err := db.ListTasks(ctx, dmsd.TaskFilter{ProjectID: first.ProjectID, InstanceID: first.ID, Limit: 5})
	require.NoError(t, err)
	require.Equal(t, len(wantOrder[first.ID]), count)
	require.Len(t, tasks, 5)
	for i, task := range tasks {
		require.Equal(t, wantOrder[first.ID][i], task.ID)
		require.Equal(t, first.ID, task.InstanceID)
		require.Equal(t, first.ProjectID, task.ProjectID)
	}

	// A new instance and its task come after the old ones.
	tx, err := driver{db}.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	inst := &store.InstanceRow{ID: dmsd.NewUUID(), ProjectID: projects[0], Status: string(dmsd.InstanceRunning), Data: []byte(`{}`), CreatedMs: 1}
	require.NoError(t, tx.InsertInstance(ctx, inst))
	task := &store.TaskRow{ID: dmsd.NewID(), ProjectID: inst.ProjectID, InstanceID: inst.ID, Name: "restartInstance", UserID: dmsd.NewID(),
		Params: "{}", Status: string(dmsd.TaskSuccess), Steps: []byte(`[]`), CreatedMs: 2, UpdatedMs: 3}
	require.NoError(t, tx.InsertTask(ctx, task))
	require.NoError(t, tx.Commit(ctx))
	var instSeq, taskSeq int64
	require.NoError(t, db.read.QueryRow(`SELECT i.seq, t.seq FROM tasks t JOIN instances i ON i.seq = t.instance_seq WHERE t.id = ?`, packID(task.ID)).Scan(&instSeq, &taskSeq))
	require.EqualValues(t, len(instances)+1, instSeq)
	require.Equal(t, maxSeq+1, taskSeq)
	got, err := e.GetTask(ctx, task.ProjectID, task.InstanceID, task.ID, false)
	require.NoError(t, err)
	require.Equal(t, task, got)

	// A task of an instance of another project is refused.
	tx, err = driver{db}.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	stray := *task
	stray.ID, stray.ProjectID = dmsd.NewID(), projects[1]
	require.Error(t, tx.InsertTask(ctx, &stray))
	require.NoError(t, tx.Rollback(ctx))

	// An instance's tasks go with it.
	tx, err = driver{db}.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	require.NoError(t, tx.DeleteInstance(ctx, first.ID))
	require.NoError(t, tx.Commit(ctx))
	var left int
	require.NoError(t, db.read.QueryRow(`SELECT count(*) FROM tasks`).Scan(&left))
	require.Equal(t, len(want)+1-len(wantOrder[first.ID]), left)
}
