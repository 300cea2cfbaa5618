package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestProductValidateBrokerNum(t *testing.T) {
	t.Parallel()
	cluster, ok := dmsd.ProductByID("c6.2u4g.cluster")
	require.True(t, ok)
	single, ok := dmsd.ProductByID("c6.2u4g.single")
	require.True(t, ok)
	for _, tc := range []struct {
		name    string
		p       dmsd.Product
		brokers int
		code    string
	}{
		{"OK", cluster, 30, ""},
		{"ClusterPastMax", cluster, 31, dmsd.EINVALID},
		{"None", cluster, 0, dmsd.EINVALID},
		{"SingleOK", single, 1, ""},
		{"SingleTwo", single, 2, dmsd.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.p.ValidateBrokerNum(tc.brokers)
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tc.code, dmsd.ErrorCode(err))
		})
	}
}

func TestConfigFeaturesAreUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, f := range dmsd.ConfigFeatures {
		require.False(t, seen[f.ID], f.ID)
		require.NotEmpty(t, f.Description)
		seen[f.ID] = true
	}
}
