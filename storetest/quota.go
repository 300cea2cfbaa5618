package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// exerciseQuota checks the quota of sub.Quota: counted with the submission,
// in its transaction, external clusters counting no broker and an unfinished
// extension counting at its new size.
func exerciseQuota(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	ctx := context.Background()
	create := func(store dmsd.Store, inst *dmsd.Instance, q dmsd.Quota) error {
		return store.SubmitTask(ctx, &dmsd.Submission{Task: NewTask(inst, "createInstance"), NewInstance: inst, Quota: &q})
	}
	instance := func(project string, brokers int) *dmsd.Instance {
		inst := NewInstance(project)
		inst.BrokerNum = brokers
		return inst
	}

	t.Run("QuotaCountsWhatTheProjectHolds", func(t *testing.T) {
		t.Parallel()
		store, project := newStore(t), dmsd.NewID()
		q := dmsd.Quota{MaxInstances: 3, MaxBrokers: 4}
		first := instance(project, 3)
		require.NoError(t, create(store, first, q))
		require.Equal(t, dmsd.EBROKERQUOTA, dmsd.ErrorCode(create(store, instance(project, 2), q)))
		external := instance(project, 40)
		external.External = &dmsd.ExternalCluster{BootstrapServers: []string{"10.0.0.1:9092"}}
		require.NoError(t, create(store, external, q), "an external cluster runs no broker of dmsd's")
		require.NoError(t, create(store, instance(dmsd.NewID(), 4), q), "another project has its own quota")

		// An unfinished extension of the first instance to 4 brokers
		// counts at 4: one broker more is past the quota.
		tasks, _, err := store.ListTasks(ctx, dmsd.TaskFilter{ProjectID: project, InstanceID: first.ID, Limit: 1})
		require.NoError(t, err)
		tasks[0].Status, tasks[0].UpdatedAt = dmsd.TaskSuccess, tasks[0].UpdatedAt.Add(time.Millisecond)
		require.NoError(t, store.UpdateTask(ctx, tasks[0], dmsd.InstanceRunning))
		extend := NewTask(first, "extendInstance")
		extend.Params = `{"oper_type":"horizontal","old_storage_space":300,"new_storage_space":400,"old_broker_num":3,"new_broker_num":4}`
		require.NoError(t, store.SubmitTask(ctx, &dmsd.Submission{Task: extend, Quota: &q}))
		require.Equal(t, dmsd.EBROKERQUOTA, dmsd.ErrorCode(create(store, instance(project, 1), q)))
		fifth := NewTask(first, "extendInstance")
		fifth.Params = `{"new_broker_num":5}`
		extend.Status = dmsd.TaskFailed
		require.NoError(t, store.UpdateTask(ctx, extend, dmsd.InstanceRunning))
		require.Equal(t, dmsd.EBROKERQUOTA, dmsd.ErrorCode(store.SubmitTask(ctx, &dmsd.Submission{Task: fifth, Quota: &q})))
		require.NoError(t, create(store, instance(project, 1), q), "a failed extension counts no more")
		require.Equal(t, dmsd.EINSTANCEQUOTA, dmsd.ErrorCode(create(store, instance(project, 0), q)))
	})

	t.Run("ConcurrentCreatesTakeTheLastSlotOnce", func(t *testing.T) {
		t.Parallel()
		store, project := newStore(t), dmsd.NewID()
		q := dmsd.Quota{MaxInstances: 2}
		require.NoError(t, create(store, instance(project, 1), q))
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = create(store, instance(project, 1), q)
			}()
		}
		wg.Wait()
		accepted := 0
		for _, err := range errs {
			if err == nil {
				accepted++
			} else {
				require.Equal(t, dmsd.EINSTANCEQUOTA, dmsd.ErrorCode(err), err.Error())
			}
		}
		require.Equal(t, 1, accepted)
		instances, err := store.ListInstances(ctx, project)
		require.NoError(t, err)
		require.Len(t, instances, 2)
	})
}
