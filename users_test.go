package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		user, password string
		ok             bool
	}{
		{"reader1", "Read-Pass1", true},
		{"reader1", "readpass1A", true}, // lower, digit, upper
		{"reader1", "read pass1", true}, // space is a special character
		{"reader1", "Read-Pas", true},
		{"reader1", "Read-Pass1" + "0123456789012345678901", true},   // 32                               // 8 characters
		{"reader1", "Read-Pa", false},                                // 7
		{"reader1", "Read-Pass1" + "01234567890123456789012", false}, // 33
		{"reader1", "readpass12", false},                             // two types
		{"reader1", "-Read-Pass1", false},                            // starts with a hyphen
		{"reader1", "Read-Pass1é", false},                            // not an allowed character
		{"Reader-1", "Reader-1", false},                              // the user name
		{"Reader-1", "1-redaeR", false},                              // the user name backwards
		{"", "Read-Pass1", true},
	} {
		err := dmsd.ValidatePassword(tc.user, tc.password)
		if tc.ok {
			require.NoError(t, err, tc.password)
		} else {
			require.Equal(t, dmsd.EINVALIDPASSWORD, dmsd.ErrorCode(err), tc.password)
		}
	}
}

func TestValidateUserName(t *testing.T) {
	t.Parallel()
	require.NoError(t, dmsd.ValidateUserName("reader_1-a"))
	for _, bad := range []string{"", "abc", "1reader", "-reader", "read.er", string(make([]byte, 65))} {
		require.Equal(t, dmsd.EINVALIDUSERNAME, dmsd.ErrorCode(dmsd.ValidateUserName(bad)), bad)
	}
}

func TestValidateSASL(t *testing.T) {
	t.Parallel()
	inst := &dmsd.Instance{}
	require.NoError(t, inst.ValidateSASL())
	require.False(t, inst.SASLEnabled())

	inst = &dmsd.Instance{AccessUser: "admin-user", AccessPassword: "Admin-Pass1"}
	require.NoError(t, inst.ValidateSASL())
	require.True(t, inst.SASLEnabled())
	require.Equal(t, []string{dmsd.MechanismPlain}, inst.SASLMechanisms, "PLAIN is the default")

	for _, inst := range []*dmsd.Instance{
		{AccessPassword: "Admin-Pass1"},
		{SASLMechanisms: []string{dmsd.MechanismPlain}},
		{AccessUser: "admin-user", AccessPassword: "Admin-Pass1", SASLMechanisms: []string{"SCRAM-SHA-256"}},
		{AccessUser: "admin-user", AccessPassword: "Admin-Pass1", SASLMechanisms: []string{dmsd.MechanismPlain, dmsd.MechanismPlain}},
	} {
		require.Equal(t, dmsd.EINVALID, dmsd.ErrorCode(inst.ValidateSASL()))
	}
	require.Equal(t, dmsd.EINVALIDUSERNAME, dmsd.ErrorCode((&dmsd.Instance{AccessUser: "ab", AccessPassword: "Admin-Pass1"}).ValidateSASL()))
	require.Equal(t, dmsd.EINVALIDPASSWORD, dmsd.ErrorCode((&dmsd.Instance{AccessUser: "admin-user"}).ValidateSASL()))
}
