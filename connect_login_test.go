package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestConnectPeerValidateLogin(t *testing.T) {
	t.Parallel()
	servers := []string{"127.0.0.1:9092"}
	for _, tc := range []struct {
		name     string
		p        dmsd.ConnectPeer
		code     string
		protocol string // SecurityProtocol afterwards
		mech     string // SASLMechanism afterwards
	}{
		{"PlaintextByDefault", dmsd.ConnectPeer{BootstrapServers: servers}, "", dmsd.PeerPlaintext, ""},
		{"LoginIsSASLPlaintext", dmsd.ConnectPeer{BootstrapServers: servers, UserName: "u", Password: "p"}, "", dmsd.SASLPlaintext, dmsd.MechanismPlain},
		{"Scram256", dmsd.ConnectPeer{BootstrapServers: servers, SecurityProtocol: dmsd.SASLPlaintext, UserName: "u", Password: "p", SASLMechanism: "SCRAM-SHA-256"}, "", dmsd.SASLPlaintext, "SCRAM-SHA-256"},
		{"NoPassword", dmsd.ConnectPeer{BootstrapServers: servers, UserName: "u"}, dmsd.EINVALID, "", ""},
		{"MechanismOnly", dmsd.ConnectPeer{BootstrapServers: servers, SASLMechanism: "PLAIN"}, dmsd.EINVALID, "", ""},
		{"UnknownMechanism", dmsd.ConnectPeer{BootstrapServers: servers, UserName: "u", Password: "p", SASLMechanism: "GSSAPI"}, dmsd.EINVALID, "", ""},
		{"UnknownProtocol", dmsd.ConnectPeer{BootstrapServers: servers, SecurityProtocol: "SSL"}, dmsd.EINVALID, "", ""},
		{"LoginOnPlaintext", dmsd.ConnectPeer{BootstrapServers: servers, SecurityProtocol: dmsd.PeerPlaintext, UserName: "u", Password: "p"}, dmsd.EINVALID, "", ""},
		{"SASLWithoutLogin", dmsd.ConnectPeer{BootstrapServers: servers, SecurityProtocol: dmsd.SASLPlaintext}, dmsd.EINVALID, "", ""},
		{"SASLSSLExternal", dmsd.ConnectPeer{BootstrapServers: servers, SecurityProtocol: dmsd.SASLSSL, UserName: "u", Password: "p"}, dmsd.ECONNECTPEER, "", ""},
		{"InstanceLeftToLoginFor", dmsd.ConnectPeer{InstanceID: "x", SecurityProtocol: dmsd.SASLSSL, UserName: "u", Password: "p"}, "", dmsd.SASLSSL, dmsd.MechanismPlain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.p
			err := p.ValidateLogin()
			require.Equal(t, tc.code, dmsd.ErrorCode(err), "%v", err)
			if tc.code == "" {
				require.Equal(t, tc.protocol, p.SecurityProtocol)
				require.Equal(t, tc.mech, p.SASLMechanism)
			}
		})
	}
}

func TestConnectPeerLoginFor(t *testing.T) {
	t.Parallel()
	sasl := &dmsd.Instance{AccessUser: "admin", SASLMechanisms: []string{dmsd.MechanismScramSHA512}, SSLEnabled: true}
	plain := &dmsd.Instance{}
	for _, tc := range []struct {
		name     string
		inst     *dmsd.Instance
		p        dmsd.ConnectPeer
		code     string
		protocol string
	}{
		{"AccessUser", sasl, dmsd.ConnectPeer{}, "", dmsd.SASLSSL},
		{"OwnUser", sasl, dmsd.ConnectPeer{UserName: "u", Password: "p", SASLMechanism: dmsd.MechanismScramSHA512}, "", dmsd.SASLSSL},
		{"MechanismNotEnabled", sasl, dmsd.ConnectPeer{UserName: "u", Password: "p", SASLMechanism: dmsd.MechanismPlain}, dmsd.ECONNECTPEER, ""},
		{"ProtocolMismatch", sasl, dmsd.ConnectPeer{SecurityProtocol: dmsd.SASLPlaintext}, dmsd.ECONNECTPEER, ""},
		{"Plaintext", plain, dmsd.ConnectPeer{}, "", dmsd.PeerPlaintext},
		{"LoginWithoutSASL", plain, dmsd.ConnectPeer{UserName: "u", Password: "p", SASLMechanism: dmsd.MechanismPlain}, dmsd.ECONNECTPEER, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.p
			err := p.LoginFor(tc.inst)
			require.Equal(t, tc.code, dmsd.ErrorCode(err), "%v", err)
			if tc.code == "" {
				require.Equal(t, tc.protocol, p.SecurityProtocol)
			}
		})
	}
}
