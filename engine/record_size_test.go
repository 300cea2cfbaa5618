package engine_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/dmsd/dmsd"
)

// The finished records of a creation, a retention policy change and a
// restart take few bytes on SQLite: the payload of their rows and index
// entries (dbstat), per record. With the steps stored as objects of absolute
// times it was 513 bytes.
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
	require.NoError(t, db.QueryRow(`SELECT sum(payload) FROM dbstat WHERE name IN ('tasks', 'sqlite_autoindex_tasks_1', 'tasks_instance_created')`).Scan(&payload))
	t.Logf("bytes per finished task record (rows and index entries): %d", payload/records)
	require.LessOrEqual(t, payload/records, 450)
}
