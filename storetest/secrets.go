package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// secretKeeper is what a store offers to keep its secrets sealed with one
// key.
type secretKeeper interface {
	CheckSecretKey(ctx context.Context, keyID string) (string, error)
	SealSecrets(ctx context.Context) (int, error)
}

// exerciseSecrets checks the record of the key that seals a store's secrets,
// for stores that keep one.
func exerciseSecrets(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	t.Run("SecretKeyIsRecordedOnce", func(t *testing.T) {
		t.Parallel()
		keeper, ok := newStore(t).(secretKeeper)
		if !ok {
			t.Skip("the store keeps no secret key")
		}
		ctx := context.Background()
		recorded, err := keeper.CheckSecretKey(ctx, "first")
		require.NoError(t, err)
		require.Equal(t, "first", recorded)
		recorded, err = keeper.CheckSecretKey(ctx, "second")
		require.NoError(t, err)
		require.Equal(t, "first", recorded, "the key recorded first stays")
		n, err := keeper.SealSecrets(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "without a secret box nothing is sealed")
	})
}
