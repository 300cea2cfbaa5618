package sqlite

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCheckpointerKeepsTheWALSmall commits 3,000 pages in 30 commits and
// checks that the WAL never held much more than one of them: the
// checkpointer copied each into the database in the background, and the next
// commit started the WAL over. Left to the commits, the WAL would reach 1,000
// pages (SQLite's default) before the commit that crosses it copies them all,
// holding the write connection meanwhile.
func TestCheckpointerKeepsTheWALSmall(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dmsd.db")
	db, err := Open(ctx, path, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.write.ExecContext(ctx, `CREATE TABLE blobs (b BLOB)`)
	require.NoError(t, err)
	var pageSize int64
	require.NoError(t, db.write.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize))

	blob := make([]byte, 100*pageSize)
	for range 30 {
		before := db.checkpoints.Load()
		_, err := db.write.ExecContext(ctx, `INSERT INTO blobs VALUES (?)`, blob)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return db.checkpoints.Load() > before }, 10*time.Second, time.Millisecond,
			"the checkpointer copies the commit")
	}
	info, err := os.Stat(path + "-wal")
	require.NoError(t, err)
	require.Less(t, info.Size(), 300*pageSize, "the WAL holds about one commit of 100 pages, not 3,000")

	var n int
	require.NoError(t, db.read.QueryRowContext(ctx, `SELECT count(*) FROM blobs`).Scan(&n))
	require.Equal(t, 30, n)
}
