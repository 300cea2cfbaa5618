package engine_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/dmsd/dmsd"
)

// The finished records of a creation, a retention policy change and a
// restart take few bytes on SQLite: the payload of their rows and the entries
// of every index of tasks (dbstat), per record, is at most issue 14's 300.
// With the steps stored as objects of absolute times it was 513 bytes; with
// the instance's text id, the project id and the task and user ids as text
// in the row (migrations 001-008), 421.
func TestFinishedTaskRecordBytes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunning(t)
	policy := "produce_reject"
	change, err := b.engine.UpdateInstance(b.ctx, b.actor, inst.ID, &dmsd.InstanceUpdate{RetentionPolicy: &policy})
	require.NoError(t, err)
	b.waitTask(t, inst, change.ID, dmsd.TaskSuccess)
	restart, err := b.engine.RestartInstance(b.ctx, b.actor, inst.ID)
	require.NoError(t, err)
	done := b.waitTask(t, inst, restart.ID, dmsd.TaskSuccess)
	require.Len(t, done.Steps, 3)

	db, err := sql.Open("sqlite", b.path)
	require.NoError(t, err)
	defer db.Close()
	var records, payload int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM tasks`).Scan(&records))
	require.Equal(t, 3, records)
	require.NoError(t, db.QueryRow(`SELECT sum(payload) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'tasks')`).Scan(&payload))
	t.Logf("bytes per finished task record (rows and index entries): %d", payload/records)
	require.LessOrEqual(t, payload/records, 300)
}
