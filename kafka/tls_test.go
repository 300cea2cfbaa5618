package kafka

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// TestEmbeddedTLS starts a cluster with TLS listeners: dmsd's own check and
// admin connections trust the instance's CA, the certificate names 127.0.0.1
// and localhost, and it is kept across a stop and start and a switch back to
// plaintext.
func TestEmbeddedTLS(t *testing.T) {
	e, dir := newEmbedded(t)
	ctx := testContext(t)
	inst := newInstance(2)
	inst.SSLEnabled = true
	ep, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.NotEmpty(t, ep.CACert)
	require.NoError(t, e.CheckCluster(ctx, inst))
	adm, done, err := e.admin(inst)
	require.NoError(t, err)
	_, err = adm.BrokerMetadata(ctx)
	done()
	require.NoError(t, err)

	certPEM, err := os.ReadFile(filepath.Join(dir, inst.ID, tlsDirName, serverCertPEM))
	require.NoError(t, err)
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.Equal(t, []string{"localhost"}, cert.DNSNames)
	require.True(t, cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)))
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM([]byte(ep.CACert)))
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1"})
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(dir, inst.ID, tlsDirName, serverKeyPEM))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// Plaintext, then TLS again with the same CA.
	require.NoError(t, e.StopCluster(ctx, inst.ID))
	inst.SSLEnabled = false
	ep2, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.Empty(t, ep2.CACert)
	require.NoError(t, e.CheckCluster(ctx, inst))
	require.NoError(t, e.StopCluster(ctx, inst.ID))
	inst.SSLEnabled = true
	ep3, err := e.StartCluster(ctx, inst)
	require.NoError(t, err)
	require.Equal(t, ep.CACert, ep3.CACert)
	require.NoError(t, e.CheckCluster(ctx, inst))

	// A plaintext client does not get through.
	_, plain := newClient(t, dmsd.Endpoint{Host: ep3.Host, Ports: ep3.Ports})
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = plain.BrokerMetadata(short)
	require.Error(t, err)
}
