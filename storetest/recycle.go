package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// exerciseRecycle checks the projects' recycle bin policies, and that an
// instance's recycle bin times and advertised addresses are kept.
func exerciseRecycle(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	t.Run("RecyclePolicyPerProject", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		rs, ok := b.store.(dmsd.RecycleStore)
		require.True(t, ok, "the store keeps recycle bin policies")
		one, two := dmsd.NewID(), dmsd.NewID()
		p, err := rs.RecyclePolicy(b.ctx, one)
		require.NoError(t, err)
		require.Equal(t, dmsd.RecyclePolicy{RetentionDays: dmsd.DefaultRetentionDays}, p, "off until set")

		require.NoError(t, rs.SetRecyclePolicy(b.ctx, one, dmsd.RecyclePolicy{Enabled: true, RetentionDays: 5}))
		require.NoError(t, rs.SetRecyclePolicy(b.ctx, two, dmsd.RecyclePolicy{Enabled: true, RetentionDays: 1}))
		require.NoError(t, rs.SetRecyclePolicy(b.ctx, one, dmsd.RecyclePolicy{Enabled: false, RetentionDays: 7}))
		p, err = rs.RecyclePolicy(b.ctx, one)
		require.NoError(t, err)
		require.Equal(t, dmsd.RecyclePolicy{Enabled: false, RetentionDays: 7}, p, "the last one set")
		p, err = rs.RecyclePolicy(b.ctx, two)
		require.NoError(t, err)
		require.Equal(t, dmsd.RecyclePolicy{Enabled: true, RetentionDays: 1}, p, "each project its own")
	})
	t.Run("RecycledInstanceKeepsItsTimes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.inst.Status = dmsd.InstanceRecycled
		b.inst.RecycledAt = dmsd.Now()
		b.inst.RecycleUntil = b.inst.RecycledAt.Add(72 * time.Hour)
		b.inst.AdvertisedIPs = map[string]string{"127.0.0.1": "10.0.0.1"}
		require.NoError(t, b.store.UpdateInstance(b.ctx, b.inst))
		got, err := b.store.FindInstance(b.ctx, b.inst.ProjectID, b.inst.ID)
		require.NoError(t, err)
		require.True(t, got.Recycled())
		require.True(t, b.inst.RecycledAt.Equal(got.RecycledAt))
		require.True(t, b.inst.RecycleUntil.Equal(got.RecycleUntil))
		require.Equal(t, b.inst.AdvertisedIPs, got.AdvertisedIPs)
	})
}
