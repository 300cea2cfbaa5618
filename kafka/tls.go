package kafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The certificate files of an instance, in the "tls" directory of its data
// directory (kfake ignores it; DestroyCluster removes it with the rest).
const (
	tlsDirName    = "tls"
	caCertFile    = "ca.pem"
	serverCertPEM = "server.pem"
	serverKeyPEM  = "server-key.pem"
)

// certValidity is how long generated certificates are valid.
const certValidity = 10 * 365 * 24 * time.Hour

// serverTLS returns the brokers' TLS certificate of an instance and the PEM
// of its CA, generating both (ECDSA P-256, SANs 127.0.0.1 and localhost) into
// the instance's data directory on first use and loading them afterwards, so
// that the CA clients downloaded stays valid across restarts and switches.
func (e *Embedded) serverTLS(id string) (tls.Certificate, []byte, error) {
	dir := filepath.Join(e.instanceDir(id), tlsDirName)
	caPEM, errCA := os.ReadFile(filepath.Join(dir, caCertFile))
	certPEM, errCert := os.ReadFile(filepath.Join(dir, serverCertPEM))
	keyPEM, errKey := os.ReadFile(filepath.Join(dir, serverKeyPEM))
	if errCA == nil && errCert == nil && errKey == nil {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return tls.Certificate{}, nil, fmt.Errorf("load certificate of %s: %w", id, err)
		}
		return cert, caPEM, nil
	}
	for _, err := range []error{errCA, errCert, errKey} {
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return tls.Certificate{}, nil, fmt.Errorf("load certificate of %s: %w", id, err)
		}
	}
	// Some file is missing: a first use, or a generation cut short. Generate
	// everything anew; the CA is written last, so a CA file on disk always
	// comes with the server files it signed.
	caPEM, certPEM, keyPEM, err := generateCerts(id)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate certificate of %s: %w", id, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, nil, err
	}
	_ = os.Remove(filepath.Join(dir, caCertFile))
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{serverKeyPEM, keyPEM, 0o600}, {serverCertPEM, certPEM, 0o644}, {caCertFile, caPEM, 0o644}} {
		tmp := filepath.Join(dir, f.name+".dmsd-tmp")
		if err := os.WriteFile(tmp, f.data, f.mode); err != nil {
			return tls.Certificate{}, nil, err
		}
		if err := os.Rename(tmp, filepath.Join(dir, f.name)); err != nil {
			return tls.Certificate{}, nil, err
		}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return cert, caPEM, nil
}

// generateCerts returns a new CA certificate and a broker certificate it
// signed, for 127.0.0.1 and localhost, with the broker's private key, all
// PEM-encoded.
func generateCerts(id string) (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now().Add(-time.Hour)
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"dmsd"}, CommonName: "dmsd CA " + id},
		NotBefore:             now,
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"dmsd"}, CommonName: "localhost"},
		NotBefore:    now,
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(err)
	}
	return n
}

// clientTLS returns the client option that trusts the CA of a cluster that
// listens with TLS (caPEM set), and nothing for a plaintext cluster.
func clientTLS(caPEM string) ([]kgo.Opt, error) {
	if caPEM == "" {
		return nil, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return nil, errors.New("the cluster's CA certificate cannot be parsed")
	}
	return []kgo.Opt{kgo.DialTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})}, nil
}
