package sqlite

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/storetest"
)

type recordingWorker struct {
	river.WorkerDefaults[dmsd.TaskJob]
	worked chan string
}

func (w *recordingWorker) Work(_ context.Context, job *river.Job[dmsd.TaskJob]) error {
	w.worked <- job.Args.TaskID
	return nil
}

// A process that dies while a task runs leaves its job marked running; the
// next start must work it again rather than leave the task EXECUTING forever.
func TestStartQueueResumesJobsOfADeadProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dmsd.db")
	start := func() (*DB, *recordingWorker) {
		db, err := Open(ctx, path, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		w := &recordingWorker{worked: make(chan string, 10)}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		q, err := engine.NewQueue(db.RiverDriver(), engine.QueueConfig{Workers: workers, PollInterval: PollInterval})
		require.NoError(t, err)
		require.NoError(t, db.StartQueue(ctx, "", q))
		return db, w
	}

	db, w := start()
	inst := storetest.NewInstance(dmsd.NewID())
	task := storetest.NewTask(inst, "createInstance")
	require.NoError(t, db.SubmitTask(ctx, &dmsd.Submission{Task: task, NewInstance: inst}))
	require.Equal(t, task.ID, <-w.worked)
	require.NoError(t, db.StopQueue(ctx))
	// What a process killed inside Work leaves behind.
	_, err := db.write.ExecContext(ctx, `UPDATE river_job SET state = 'running', finalized_at = NULL`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	db, w = start()
	defer db.Close()
	defer db.StopQueue(ctx)
	require.Equal(t, task.ID, <-w.worked)
}
