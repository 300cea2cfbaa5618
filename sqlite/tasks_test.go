package sqlite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// Every id reads back as the text it was stored as: the ids of 32 lowercase
// hexadecimal digits as 16 bytes, any other as its text.
func TestPackedIDsRoundTrip(t *testing.T) {
	t.Parallel()
	hexID := dmsd.NewID()
	for _, id := range []string{hexID, "u", "", strings.ToUpper(hexID), hexID[:31], hexID + "0", hexID[:31] + "g", "\u00e9" + hexID[2:], dmsd.NewUUID()} {
		stored := packID(id)
		if b, ok := stored.([]byte); ok {
			require.Equal(t, hexID, id)
			require.Len(t, b, 16)
		} else {
			require.Equal(t, id, stored)
		}
		var got packedID
		require.NoError(t, got.Scan(stored))
		require.Equal(t, id, string(got))
	}
	var p packedID
	require.Error(t, p.Scan([]byte("short")))
	require.Error(t, p.Scan(int64(1)))
}
