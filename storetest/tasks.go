package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// exerciseTasks checks task records: submission and its guards, one
// unfinished task per instance, deletion of finished tasks only, and pages.
func exerciseTasks(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	t.Run("SubmitRecordsInstanceAndTask", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		inst, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Equal(t, b.inst, inst)
		task, err := b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID)
		require.NoError(t, err)
		require.Equal(t, b.task, task)
		byID, err := b.store.FindTaskByID(b.ctx, b.task.ID)
		require.NoError(t, err)
		require.Equal(t, b.task, byID)
	})

	t.Run("OtherProjectSeesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		other := dmsd.NewID()
		_, err := b.store.FindInstance(b.ctx, other, b.inst.ID)
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)
		_, err = b.store.FindTask(b.ctx, other, b.inst.ID, b.task.ID)
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)
		_, _, err = b.store.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: other, InstanceID: b.inst.ID, Limit: 10})
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)
		finish(t, b, b.task, dmsd.TaskSuccess)
		requireCode(t, b.store.DeleteTask(b.ctx, other, b.inst.ID, b.task.ID), dmsd.EINSTANCENOTFOUND)
		foreign := NewTask(b.inst, "restartInstance")
		foreign.ProjectID = other
		requireCode(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: foreign}), dmsd.EINSTANCENOTFOUND)
		instances, err := b.store.ListInstances(b.ctx, other)
		require.NoError(t, err)
		require.Empty(t, instances)
		_, err = b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID)
		require.NoError(t, err, "nothing the other project did changed the task")
	})

	t.Run("OneUnfinishedTaskPerInstance", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		second := NewTask(b.inst, "restartInstance")
		requireCode(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: second}), dmsd.ETASKRUNNING)
		_, err := b.store.FindTaskByID(b.ctx, second.ID)
		requireCode(t, err, dmsd.ETASKNOTFOUND)

		b.task.Status = dmsd.TaskExecuting
		require.NoError(t, b.store.UpdateTask(b.ctx, b.task, ""))
		requireCode(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: second}), dmsd.ETASKRUNNING)

		finish(t, b, b.task, dmsd.TaskFailed)
		require.NoError(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: second}))
	})

	t.Run("ConcurrentSubmitsAcceptOne", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		finish(t, b, b.task, dmsd.TaskSuccess)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: NewTask(b.inst, "restartInstance")})
			})
		}
		wg.Wait()
		accepted := 0
		for _, err := range errs {
			if err == nil {
				accepted++
			} else {
				requireCode(t, err, dmsd.ETASKRUNNING)
			}
		}
		require.Equal(t, 1, accepted)
		_, count, err := b.store.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: b.inst.ProjectID, InstanceID: b.inst.ID, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, 2, count)
	})

	t.Run("SubmitChecksAndMovesInstanceStatus", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		finish(t, b, b.task, dmsd.TaskSuccess)
		restart := NewTask(b.inst, "restartInstance")
		requireCode(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: restart, AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceError}}), dmsd.EINSTANCESTATUS)
		require.NoError(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: restart, AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning}, InstanceStatus: dmsd.InstanceRestarting}))
		inst, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.Equal(t, dmsd.InstanceRestarting, inst.Status)
	})

	t.Run("DeleteOnlyFinishedTasks", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		requireCode(t, b.store.DeleteTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID), dmsd.ETASKRUNNING)
		b.task.Status = dmsd.TaskExecuting
		require.NoError(t, b.store.UpdateTask(b.ctx, b.task, ""))
		requireCode(t, b.store.DeleteTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID), dmsd.ETASKRUNNING)
		task, err := b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID)
		require.NoError(t, err)
		require.Equal(t, dmsd.TaskExecuting, task.Status, "a refused delete changes nothing")

		for _, status := range []dmsd.TaskStatus{dmsd.TaskSuccess, dmsd.TaskFailed, dmsd.TaskCancelled} {
			finish(t, b, b.task, status)
			require.NoError(t, b.store.DeleteTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID))
			_, err := b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID)
			requireCode(t, err, dmsd.ETASKNOTFOUND)
			requireCode(t, b.store.DeleteTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID), dmsd.ETASKNOTFOUND)
			tasks, count, err := b.store.ListTasks(b.ctx, dmsd.TaskFilter{ProjectID: b.inst.ProjectID, InstanceID: b.inst.ID, Limit: 10})
			require.NoError(t, err)
			require.Zero(t, count)
			require.Empty(t, tasks)

			b.task = NewTask(b.inst, "restartInstance")
			require.NoError(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: b.task}))
		}
	})

	t.Run("DeleteRacingFinishNeverLosesOrResurrects", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.task.Status = dmsd.TaskExecuting
		require.NoError(t, b.store.UpdateTask(b.ctx, b.task, ""))

		const deleters = 6
		errs := make([]error, deleters)
		var wg sync.WaitGroup
		for i := range deleters {
			wg.Go(func() {
				// Each deleter retries while the task is still running, as a
				// user clicking Delete would.
				for {
					errs[i] = b.store.DeleteTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID)
					if dmsd.ErrorCode(errs[i]) != dmsd.ETASKRUNNING {
						return
					}
				}
			})
		}
		finished := *b.task
		finished.Status = dmsd.TaskSuccess
		require.NoError(t, b.store.UpdateTask(b.ctx, &finished, dmsd.InstanceRunning))
		wg.Wait()

		deleted := 0
		for _, err := range errs {
			if err == nil {
				deleted++
			} else {
				requireCode(t, err, dmsd.ETASKNOTFOUND)
			}
		}
		require.Equal(t, 1, deleted, "exactly one delete wins")
		_, err := b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID)
		requireCode(t, err, dmsd.ETASKNOTFOUND)
		requireCode(t, b.store.UpdateTask(b.ctx, &finished, ""), dmsd.ETASKNOTFOUND)
		_, err = b.store.FindTask(b.ctx, b.inst.ProjectID, b.inst.ID, b.task.ID)
		requireCode(t, err, dmsd.ETASKNOTFOUND)
	})

	t.Run("ListNewestFirstWithPagesAndTimes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		base := b.task.CreatedAt
		want := []*dmsd.Task{b.task}
		prev := b.task
		for i := 1; i < 7; i++ {
			finish(t, b, prev, dmsd.TaskSuccess)
			next := NewTask(b.inst, "restartInstance")
			// Two tasks share each second, to check inclusive bounds.
			next.CreatedAt = base.Add(time.Duration(i/2) * time.Second)
			next.UpdatedAt = next.CreatedAt
			require.NoError(t, b.store.SubmitTask(b.ctx, &dmsd.Submission{Task: next}))
			want = append([]*dmsd.Task{next}, want...)
			prev = next
		}
		list := func(f dmsd.TaskFilter) ([]string, int) {
			f.ProjectID, f.InstanceID = b.inst.ProjectID, b.inst.ID
			tasks, count, err := b.store.ListTasks(b.ctx, f)
			require.NoError(t, err)
			ids := []string{}
			for _, task := range tasks {
				ids = append(ids, task.ID)
			}
			return ids, count
		}
		idsOf := func(tasks []*dmsd.Task) []string {
			ids := []string{}
			for _, task := range tasks {
				ids = append(ids, task.ID)
			}
			return ids
		}
		ids, count := list(dmsd.TaskFilter{Limit: 100})
		require.Equal(t, 7, count)
		require.Equal(t, idsOf(want), ids)

		ids, count = list(dmsd.TaskFilter{Offset: 2, Limit: 3})
		require.Equal(t, 7, count)
		require.Equal(t, idsOf(want[2:5]), ids)

		ids, count = list(dmsd.TaskFilter{Offset: 7, Limit: 3})
		require.Equal(t, 7, count)
		require.Empty(t, ids)

		// Tasks 2 and 3 share base+1s; both bounds are inclusive.
		second := base.Add(time.Second).Truncate(time.Second)
		ids, count = list(dmsd.TaskFilter{Begin: second, End: second.Add(time.Second - time.Millisecond), Limit: 100})
		var inSecond []*dmsd.Task
		for _, task := range want {
			if !task.CreatedAt.Before(second) && task.CreatedAt.Before(second.Add(time.Second)) {
				inSecond = append(inSecond, task)
			}
		}
		require.Equal(t, len(inSecond), count)
		require.Equal(t, idsOf(inSecond), ids)

		// Every window, open or not, narrow or wide, empty or reversed,
		// counts what it matches, whichever side of it the store counts.
		var edges []time.Time
		for _, task := range want {
			edges = append(edges, task.CreatedAt.Add(-time.Millisecond), task.CreatedAt, task.CreatedAt.Add(time.Millisecond))
		}
		edges = append(edges, time.Time{})
		for _, begin := range edges {
			for _, end := range edges {
				var match []*dmsd.Task
				for _, task := range want {
					if (begin.IsZero() || !task.CreatedAt.Before(begin)) && (end.IsZero() || !task.CreatedAt.After(end)) {
						match = append(match, task)
					}
				}
				ids, count := list(dmsd.TaskFilter{Begin: begin, End: end, Limit: 100})
				require.Equal(t, len(match), count, "begin %v end %v", begin, end)
				require.Equal(t, idsOf(match), ids, "begin %v end %v", begin, end)
			}
		}
	})
}
