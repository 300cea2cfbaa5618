package dmsd_test

import (
	"context"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestParseAllowList(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", " , ", "kafka.example.com", "kafka.example.com:9092", "Kafka-1.Example.com:9092-9094",
		"10.0.0.5", "10.0.0.5:9092", "10.0.0.0/8", "10.0.0.0/8:9092-9099", "fd00::1", "fd00::/8", "[fd00::1]:9092", "[fd00::/8]:9092-9093",
		"10.0.0.0/8, kafka.example.com:9092"} {
		_, err := dmsd.ParseAllowList(ok)
		require.NoError(t, err, ok)
	}
	for _, bad := range []string{"kafka:0", "kafka:65536", "kafka:9094-9092", "kafka:x", "[fd00::1", "[fd00::1]9092", "10.0.0.0/33",
		"under_score.example.com", "-bad.example.com", "fe80::1%eth0", "a b", "kafka:9092:1"} {
		_, err := dmsd.ParseAllowList(bad)
		require.Error(t, err, bad)
	}
}

// resolver answers each look-up from a list, one answer after the other.
type resolver struct {
	answers [][]netip.Addr
	n       atomic.Int32
}

func (r *resolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	i := min(int(r.n.Add(1))-1, len(r.answers)-1)
	return r.answers[i], nil
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func TestAddressPolicyCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	allow, err := dmsd.ParseAllowList("10.0.0.0/8:9092-9094, 127.0.0.1, kafka.example.com:9092, [fd00::/8]:9092")
	require.NoError(t, err)
	own := func(context.Context) (map[int]bool, error) { return map[int]bool{4000: true}, nil }
	p := &dmsd.AddressPolicy{Allow: allow, OwnPorts: own, Resolver: &resolver{answers: [][]netip.Addr{addrs("10.1.2.3", "10.9.9.9")}}}

	got, err := p.Check(ctx, "10.1.2.3:9093")
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("10.1.2.3:9093")}, got)
	got, err = p.Check(ctx, "brokers.example.net:9092")
	require.NoError(t, err, "a name whose every address is allowed")
	require.Len(t, got, 2)
	_, err = p.Check(ctx, "[fd00::5]:9092")
	require.NoError(t, err)
	_, err = p.Check(ctx, "127.0.0.1:5000")
	require.NoError(t, err)

	for _, refused := range []string{
		"10.1.2.3:9095",           // port outside the range
		"192.0.2.1:9092",          // network not listed
		"127.0.0.1:4000",          // dmsd's own
		"[::ffff:127.0.0.1]:4000", // the same, IPv4-mapped
		"10.1.2.3",                // no port
		"10.1.2.3:0",
		"[fe80::1%eth0]:9092",
		"bad_name:9092",
	} {
		_, err := p.Check(ctx, refused)
		require.Equal(t, dmsd.EADDRREFUSED, dmsd.ErrorCode(err), refused)
	}

	// A name resolving to one address outside the list is refused whole.
	p.Resolver = &resolver{answers: [][]netip.Addr{addrs("10.1.2.3", "192.0.2.1")}}
	_, err = p.Check(ctx, "mixed.example.net:9092")
	require.Equal(t, dmsd.EADDRREFUSED, dmsd.ErrorCode(err))

	// An allowed name is still refused where it resolves to dmsd's own
	// listener: the check resolves at each call (DNS rebinding).
	p.Resolver = &resolver{answers: [][]netip.Addr{addrs("203.0.113.7"), addrs("127.0.0.1")}}
	p.OwnPorts = func(context.Context) (map[int]bool, error) { return map[int]bool{9092: true}, nil }
	got, err = p.Check(ctx, "kafka.example.com:9092")
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("203.0.113.7:9092")}, got, "the addresses to dial, not the name")
	_, err = p.Check(ctx, "KAFKA.example.com.:9092")
	require.Equal(t, dmsd.EADDRREFUSED, dmsd.ErrorCode(err), "rebound to dmsd's own broker")

	// The empty list, and a nil policy, allow nothing.
	empty, err := dmsd.ParseAllowList("")
	require.NoError(t, err)
	_, err = (&dmsd.AddressPolicy{Allow: empty}).Check(ctx, "10.1.2.3:9092")
	require.Equal(t, dmsd.EADDRREFUSED, dmsd.ErrorCode(err))
	_, err = (*dmsd.AddressPolicy)(nil).Check(ctx, "10.1.2.3:9092")
	require.Equal(t, dmsd.EADDRREFUSED, dmsd.ErrorCode(err))
}

func TestQuotaCheck(t *testing.T) {
	t.Parallel()
	q := dmsd.Quota{MaxInstances: 2, MaxBrokers: 4}
	require.NoError(t, q.Check(dmsd.Usage{Instances: 2, Brokers: 4}))
	require.Equal(t, dmsd.EINSTANCEQUOTA, dmsd.ErrorCode(q.Check(dmsd.Usage{Instances: 3, Brokers: 3})))
	require.Equal(t, dmsd.EBROKERQUOTA, dmsd.ErrorCode(q.Check(dmsd.Usage{Instances: 2, Brokers: 5})))
	require.NoError(t, dmsd.Quota{}.Check(dmsd.Usage{Instances: 1000, Brokers: 1000}), "no limit")
}
