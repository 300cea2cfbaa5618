package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// exerciseRequests checks the log of signed requests.
func exerciseRequests(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	t.Run("RememberRequestRefusesReplays", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		sig := dmsd.NewID()
		require.NoError(t, b.store.RememberRequest(b.ctx, sig, time.Now().Add(time.Minute)))
		requireCode(t, b.store.RememberRequest(b.ctx, sig, time.Now().Add(time.Minute)), dmsd.EREPLAYED)
		require.NoError(t, b.store.RememberRequest(b.ctx, dmsd.NewID(), time.Now().Add(time.Minute)))

		expired := dmsd.NewID()
		require.NoError(t, b.store.RememberRequest(b.ctx, expired, time.Now().Add(-time.Second)))
		require.NoError(t, b.store.RememberRequest(b.ctx, expired, time.Now().Add(time.Minute)), "an expired signature is forgotten")
	})
}
