package kafka

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// dialTimeout bounds one connection attempt to an external cluster's broker,
// so that an address that never answers fails fast.
const dialTimeout = 3 * time.Second

// guardedDialer is the only way dmsd's clients of external clusters
// connect: every dial, to a bootstrap server or to a broker the cluster's
// metadata advertises, is checked against the address policy at that
// moment, and goes to the addresses that passed the check rather than to a
// name resolved again (DNS rebinding). It checks again once connected, so a
// cluster that dmsd started while the dial was under way is not reached
// either.
type guardedDialer struct {
	policy *dmsd.AddressPolicy
	logger *slog.Logger
}

func (g guardedDialer) dial(ctx context.Context, network, host string) (net.Conn, error) {
	addrs, err := g.policy.Check(ctx, host)
	if err != nil {
		g.logger.Debug("external cluster dial refused", "address", host, "error", err)
		return nil, err
	}
	d := net.Dialer{Timeout: dialTimeout}
	var errs []error
	for _, ap := range addrs {
		conn, err := d.DialContext(ctx, network, ap.String())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := g.policy.CheckNotOwn(ctx, ap); err != nil {
			conn.Close()
			g.logger.Warn("external cluster dial refused after connecting: the address became one of dmsd's own", "address", host, "error", err)
			return nil, err
		}
		return conn, nil
	}
	err = errors.Join(errs...)
	g.logger.Debug("external cluster dial failed", "address", host, "error", err)
	return nil, err
}

// guardOpts returns the client options that make every connection of a
// client of an external cluster go through the policy, with short timeouts
// so that a cluster that does not answer fails a call within seconds.
func (x *External) guardOpts() []kgo.Opt {
	return []kgo.Opt{
		kgo.Dialer(guardedDialer{policy: x.policy, logger: x.logger}.dial),
		kgo.RequestTimeoutOverhead(4 * time.Second),
		kgo.RetryTimeout(10 * time.Second),
	}
}

// ListeningPorts returns the ports that the brokers of the running embedded
// clusters listen on. It waits for a start under way to finish, so that a
// port that a cluster is binding is in the answer once the start returns.
func (e *Embedded) ListeningPorts() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ports []int
	for _, r := range e.clusters {
		ports = append(ports, r.endpoint.Ports...)
	}
	slices.Sort(ports)
	return ports
}
