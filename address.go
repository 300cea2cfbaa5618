package dmsd

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AllowList is where the operator lets external instances point. Each entry
// is a host name, an IP address or a CIDR network, optionally followed by
// :PORT or :LOW-HIGH (IPv6 addresses and networks in brackets when a port
// follows: [fd00::/8]:9092); an entry without a port allows every port. The
// empty list allows nothing. A host name entry allows that name as it is
// written in a bootstrap server or advertised by the cluster, whatever it
// resolves to; an address or network entry allows every name that resolves
// only to addresses inside it.
type AllowList struct {
	entries []allowEntry
}

type allowEntry struct {
	host   string // lower-case host name; empty for an address or network
	prefix netip.Prefix
	lo, hi uint16
}

var hostNamePattern = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$`)

// ParseAllowList returns the allow-list of a comma-separated list of entries
// (see AllowList). It returns an error naming the first malformed entry.
func ParseAllowList(s string) (*AllowList, error) {
	a := &AllowList{}
	for _, raw := range strings.Split(s, ",") {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		entry, err := parseAllowEntry(e)
		if err != nil {
			return nil, fmt.Errorf("allow-list entry %q: %w", e, err)
		}
		a.entries = append(a.entries, entry)
	}
	return a, nil
}

func parseAllowEntry(e string) (allowEntry, error) {
	entry := allowEntry{lo: 1, hi: 65535}
	hostPart, portPart := e, ""
	switch {
	case strings.HasPrefix(e, "["):
		end := strings.Index(e, "]")
		if end < 0 {
			return entry, fmt.Errorf("missing ]")
		}
		hostPart, portPart = e[1:end], e[end+1:]
		if portPart != "" {
			var ok bool
			if portPart, ok = strings.CutPrefix(portPart, ":"); !ok || portPart == "" {
				return entry, fmt.Errorf("want [ADDRESS]:PORT")
			}
		}
	case strings.Count(e, ":") == 1:
		hostPart, portPart, _ = strings.Cut(e, ":")
	}
	if portPart != "" {
		lo, hi, isRange := strings.Cut(portPart, "-")
		if !isRange {
			hi = lo
		}
		l, err1 := parsePort(lo)
		h, err2 := parsePort(hi)
		if err1 != nil || err2 != nil || l > h {
			return entry, fmt.Errorf("want a port 1-65535 or a range LOW-HIGH")
		}
		entry.lo, entry.hi = l, h
	}
	if p, err := netip.ParsePrefix(hostPart); err == nil {
		entry.prefix = p.Masked()
		if entry.prefix.Addr().Is4In6() {
			entry.prefix = netip.PrefixFrom(entry.prefix.Addr().Unmap(), entry.prefix.Bits()-96)
		}
		return entry, nil
	}
	if ip, err := netip.ParseAddr(hostPart); err == nil && ip.Zone() == "" {
		ip = ip.Unmap()
		entry.prefix = netip.PrefixFrom(ip, ip.BitLen())
		return entry, nil
	}
	if hostNamePattern.MatchString(hostPart) && len(hostPart) <= 253 {
		entry.host = strings.TrimSuffix(strings.ToLower(hostPart), ".")
		return entry, nil
	}
	return entry, fmt.Errorf("want a host name, an IP address or a CIDR network")
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return uint16(n), nil
}

// Empty reports whether the list allows nothing.
func (a *AllowList) Empty() bool { return a == nil || len(a.entries) == 0 }

// allows reports whether an entry allows host (as written, lower-case) at
// address ip and port.
func (a *AllowList) allows(host string, ip netip.Addr, port uint16) bool {
	if a == nil {
		return false
	}
	for _, e := range a.entries {
		if port < e.lo || port > e.hi {
			continue
		}
		if e.host != "" && e.host == host || e.host == "" && e.prefix.Contains(ip) {
			return true
		}
	}
	return false
}

// Resolver looks host names up; *net.Resolver is one.
type Resolver interface {
	// LookupNetIP returns the addresses of host on network ("ip", "ip4"
	// or "ip6"), as net.Resolver.LookupNetIP does.
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// AddressPolicy decides which addresses dmsd may connect to on behalf of an
// external instance: those the operator's allow-list allows, except dmsd's
// own listeners (the API and every embedded cluster's brokers), which are
// never adopted whatever the list says.
type AddressPolicy struct {
	Allow *AllowList
	// OwnPorts returns the ports that dmsd's own listeners hold or will
	// hold on this host: the API's and those of every embedded cluster. An
	// error refuses every address of this host.
	OwnPorts func(ctx context.Context) (map[int]bool, error)
	// Resolver looks up host names; nil is net.DefaultResolver.
	Resolver Resolver
}

// resolveTimeout bounds the look-up of a bootstrap server's host name.
const resolveTimeout = 3 * time.Second

// ErrAddressRefused returns the EADDRREFUSED error for hostport. It says
// nothing about why, so that it reveals nothing about what listens there.
func ErrAddressRefused(hostport string) error {
	return Errorf(EADDRREFUSED, "The address %q is not one that this service may connect to for an external Kafka cluster; the operator's allow-list (--external-allow) decides where external clusters may be.", hostport)
}

// Check returns the addresses that hostport (HOST:PORT) resolves to if this
// service may connect to every one of them, for a client to dial those and
// nothing else, so that a host name that resolves differently later (DNS
// rebinding) cannot lead it elsewhere. It returns EADDRREFUSED if hostport is
// malformed or does not resolve, if the allow-list does not allow one of its
// addresses, or if one of them is a listener of dmsd's own.
func (p *AddressPolicy) Check(ctx context.Context, hostport string) ([]netip.AddrPort, error) {
	refused := ErrAddressRefused(hostport)
	if p == nil || p.Allow.Empty() {
		return nil, refused
	}
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, refused
	}
	port, err := parsePort(portText)
	if err != nil {
		return nil, refused
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return nil, refused
		}
		addrs = []netip.Addr{ip}
	} else {
		if !hostNamePattern.MatchString(host) {
			return nil, refused
		}
		r := p.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		lctx, cancel := context.WithTimeout(ctx, resolveTimeout)
		defer cancel()
		if addrs, err = r.LookupNetIP(lctx, "ip", host); err != nil || len(addrs) == 0 {
			return nil, &Error{Code: EADDRREFUSED, Message: refused.(*Error).Message, Err: err}
		}
	}
	out := make([]netip.AddrPort, 0, len(addrs))
	for _, ip := range addrs {
		ip = ip.Unmap()
		if !p.Allow.allows(name, ip, port) {
			return nil, refused
		}
		ap := netip.AddrPortFrom(ip, port)
		if err := p.CheckNotOwn(ctx, ap); err != nil {
			return nil, err
		}
		out = append(out, ap)
	}
	return out, nil
}

// CheckNotOwn returns EADDRREFUSED if ap is, or may be, one of dmsd's own
// listeners: a port of OwnPorts on any address of this host (loopback, the
// unspecified address, which reaches this host, or an address of one of its
// interfaces), and nil otherwise.
func (p *AddressPolicy) CheckNotOwn(ctx context.Context, ap netip.AddrPort) error {
	if !IsThisHost(ap.Addr()) {
		return nil
	}
	if p.OwnPorts == nil {
		return nil
	}
	own, err := p.OwnPorts(ctx)
	if err != nil {
		return &Error{Code: EADDRREFUSED, Message: ErrAddressRefused(ap.String()).(*Error).Message, Err: err}
	}
	if own[int(ap.Port())] {
		return ErrAddressRefused(ap.String())
	}
	return nil
}

// IsThisHost reports whether a connection to ip reaches this host: a
// loopback address, an unspecified one (0.0.0.0 and :: connect to the local
// host), or an address of one of its network interfaces.
func IsThisHost(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return true // Unknown: assume the worst.
	}
	for _, a := range ifaddrs {
		if n, ok := a.(*net.IPNet); ok {
			if local, ok := netip.AddrFromSlice(n.IP); ok && local.Unmap() == ip {
				return true
			}
		}
	}
	return false
}

// UnreachableMessage is the one reason given when an external cluster cannot
// be used, whatever the cause (refused connection, timeout, a port that does
// not speak Kafka, an address refused at dial time ...), so that a task's
// outcome does not tell what listens at an address.
const UnreachableMessage = "The external Kafka cluster could not be reached, or did not answer as a Kafka cluster."

// ErrUnreachable returns the EUNREACHABLE error that stands for any failure
// to reach an external cluster; cause is kept for the logs only.
func ErrUnreachable(cause error) error {
	return &Error{Code: EUNREACHABLE, Message: UnreachableMessage, Err: cause}
}
