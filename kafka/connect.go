package kafka

import (
	"fmt"
	"net"
	"strconv"

	"github.com/dmsd/dmsd"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ClientOpts returns the franz-go options that connect to inst's cluster as
// dmsd's own clients do: the brokers on 127.0.0.1 with the instance's TLS
// and access user for an embedded cluster, and the bootstrap servers through
// the address policy with the configured login for an external one. It
// returns an error if the instance has no brokers recorded yet or its CA
// certificate cannot be read.
func (c *Clusters) ClientOpts(inst *dmsd.Instance) ([]kgo.Opt, error) {
	if x := inst.External; x != nil {
		opts := append(c.External.guardOpts(), externalSASL(x)...)
		return append(opts, kgo.SeedBrokers(x.BootstrapServers...)), nil
	}
	if len(inst.Ports) == 0 {
		return nil, fmt.Errorf("connect to %s: no brokers recorded", inst.ID)
	}
	seeds := make([]string, len(inst.Ports))
	for i, p := range inst.Ports {
		seeds[i] = net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
	}
	tlsOpts, err := clientTLS(inst.SSLCACert)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", inst.ID, err)
	}
	return append(append(clientSASL(inst), tlsOpts...), kgo.SeedBrokers(seeds...)), nil
}

// PeerOpts returns the options that connect to a cluster named only by its
// bootstrap servers, without a login, every connection going through the
// address policy of external clusters (the allow-list; never dmsd's own
// listeners).
func (c *Clusters) PeerOpts(servers []string) []kgo.Opt {
	return append(c.External.guardOpts(), kgo.SeedBrokers(servers...))
}
