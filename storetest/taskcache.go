package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// ExerciseFinishedTaskReads checks that a finished task, once read, is read
// again as it is stored: changed through one store, read through the other,
// with the change; deleted, or its instance deleted, through one, not found
// through the other. writer and reader may be one store, or two replicas of
// one database.
func ExerciseFinishedTaskReads(t *testing.T, newPair func(t *testing.T) (writer, reader dmsd.Store)) {
	t.Run("FinishedTaskReadAsStored", func(t *testing.T) {
		t.Parallel()
		w, r := newPair(t)
		b := setup(t, func(*testing.T) dmsd.Store { return w })
		task := b.task
		finish(t, b, task, dmsd.TaskSuccess)
		find := func(s dmsd.Store) (*dmsd.Task, error) {
			return s.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, task.ID)
		}
		for range 3 { // Read more than once, so that any copy kept is served.
			for _, s := range []dmsd.Store{r, w} {
				got, err := find(s)
				require.NoError(t, err)
				require.Equal(t, dmsd.TaskSuccess, got.Status)
				require.Empty(t, got.Reason)
			}
		}

		// What a caller does to the task it got is not what the next
		// caller gets.
		got, err := find(r)
		require.NoError(t, err)
		got.Reason, got.Status = "scribbled", dmsd.TaskFailed
		got, err = find(r)
		require.NoError(t, err)
		require.Equal(t, dmsd.TaskSuccess, got.Status)
		require.Empty(t, got.Reason)

		// A change written through the writer is read through the reader.
		task.Status, task.Reason = dmsd.TaskFailed, "changed after it finished"
		task.UpdatedAt = task.UpdatedAt.Add(time.Millisecond)
		require.NoError(t, w.UpdateTask(b.ctx, task, ""))
		for _, s := range []dmsd.Store{r, w} {
			got, err := find(s)
			require.NoError(t, err)
			require.Equal(t, dmsd.TaskFailed, got.Status)
			require.Equal(t, "changed after it finished", got.Reason)
			require.True(t, task.UpdatedAt.Equal(got.UpdatedAt))
		}

		// A deleted task is not found, through either store.
		require.NoError(t, w.DeleteTask(b.ctx, b.inst.ProjectID, b.inst.ID, task.ID))
		for _, s := range []dmsd.Store{r, w} {
			_, err := find(s)
			requireCode(t, err, dmsd.ETASKNOTFOUND)
		}

		// Nor is the task of a deleted instance.
		next := NewTask(b.inst, "restartInstance")
		require.NoError(t, w.SubmitTask(b.ctx, &dmsd.Submission{Task: next}))
		finish(t, b, next, dmsd.TaskSuccess)
		for _, s := range []dmsd.Store{r, w, r} {
			_, err := s.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, next.ID)
			require.NoError(t, err)
		}
		require.NoError(t, w.DeleteInstance(b.ctx, b.inst.ID))
		for _, s := range []dmsd.Store{r, w} {
			_, err := s.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, next.ID)
			requireCode(t, err, dmsd.EINSTANCENOTFOUND)
		}
	})
}
