package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestSwitchProtocol(t *testing.T) {
	t.Parallel()
	saslSSL := &dmsd.Instance{AccessUser: "admin-user", SSLEnabled: true}
	saslPlain := &dmsd.Instance{AccessUser: "admin-user"}
	plain := &dmsd.Instance{}
	tlsOnly := &dmsd.Instance{SSLEnabled: true} // switched by an earlier version
	for name, tc := range map[string]struct {
		inst     *dmsd.Instance
		protocol string
		enable   bool
		tls      bool
		code     string
	}{
		"to SASL_SSL":                 {saslPlain, dmsd.ProtocolPrivateSASLSSL, true, true, ""},
		"to SASL_PLAINTEXT":           {saslSSL, dmsd.ProtocolPrivateSASLPlaintext, true, false, ""},
		"SASL_SSL again":              {saslSSL, dmsd.ProtocolPrivateSASLSSL, true, true, ""},
		"plaintext again":             {plain, dmsd.ProtocolPrivatePlain, true, false, ""},
		"TLS-only back to plaintext":  {tlsOnly, dmsd.ProtocolPrivatePlain, true, false, ""},
		"SASL off":                    {saslSSL, dmsd.ProtocolPrivatePlain, true, false, dmsd.EINVALID},
		"SASL on":                     {plain, dmsd.ProtocolPrivateSASLSSL, true, false, dmsd.EINVALID},
		"the only protocol off":       {saslSSL, dmsd.ProtocolPrivateSASLSSL, false, false, dmsd.EINVALID},
		"a protocol not offered, off": {saslSSL, dmsd.ProtocolPrivatePlain, false, false, dmsd.EINVALID},
		"unknown":                     {plain, "private_ssl_enable", true, false, dmsd.EINVALID},
	} {
		tls, err := tc.inst.SwitchProtocol(tc.protocol, tc.enable)
		require.Equal(t, tc.code, dmsd.ErrorCode(err), "%s: %v", name, err)
		require.Equal(t, tc.tls, tls, name)
	}
}
