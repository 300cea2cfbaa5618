package secret_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/secret"
)

func TestBox(t *testing.T) {
	t.Parallel()
	box, err := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	require.NoError(t, err)
	other, err := secret.New(bytes.Repeat([]byte{2}, secret.KeySize))
	require.NoError(t, err)
	require.NotEqual(t, box.KeyID(), other.KeyID())

	t.Run("RoundTrip", func(t *testing.T) {
		sealed, err := box.Seal("Admin-Pass1")
		require.NoError(t, err)
		require.True(t, dmsd.IsSealed(sealed))
		require.NotContains(t, sealed, "Admin-Pass1")
		again, err := box.Seal("Admin-Pass1")
		require.NoError(t, err)
		require.NotEqual(t, sealed, again, "every seal has its own nonce")
		plain, err := box.Open(sealed)
		require.NoError(t, err)
		require.Equal(t, "Admin-Pass1", plain)
	})
	t.Run("ClearPassesThrough", func(t *testing.T) {
		plain, err := box.Open("written-by-an-older-dmsd")
		require.NoError(t, err)
		require.Equal(t, "written-by-an-older-dmsd", plain)
	})
	t.Run("OtherKey", func(t *testing.T) {
		sealed, err := other.Seal("x")
		require.NoError(t, err)
		_, err = box.Open(sealed)
		require.ErrorContains(t, err, "sealed with key "+other.KeyID())
	})
	t.Run("Altered", func(t *testing.T) {
		sealed, err := box.Seal("Admin-Pass1")
		require.NoError(t, err)
		last := sealed[len(sealed)-1]
		flipped := sealed[:len(sealed)-1] + string(map[bool]byte{true: 'A', false: 'B'}[last != 'A'])
		_, err = box.Open(flipped)
		require.Error(t, err)
	})
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	box, created, err := secret.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.True(t, created)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	again, created, err := secret.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, box.KeyID(), again.KeyID(), "the same key is loaded back")

	hexKey := filepath.Join(dir, "hex.key")
	require.NoError(t, os.WriteFile(hexKey, []byte(strings.Repeat("0a", 32)+"\n"), 0o600))
	_, err = secret.LoadKeyFile(hexKey)
	require.NoError(t, err)
	short := filepath.Join(dir, "short.key")
	require.NoError(t, os.WriteFile(short, []byte("abcd\n"), 0o600))
	_, err = secret.LoadKeyFile(short)
	require.ErrorContains(t, err, "want 64 hex digits")
	_, err = secret.LoadKeyFile(filepath.Join(dir, "missing.key"))
	require.Error(t, err)
}
