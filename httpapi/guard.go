package httpapi

import (
	"context"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// What unauthenticated callers may make the server hold. A request's body
// must be read before its signature can be checked (the signature covers
// the body's hash), so the bodies being read at once are bounded together,
// whoever sends them; past the bound a request waits a little, then is
// refused.
const (
	maxPendingBodyBytes = 8 << 20
	bodyBudgetWait      = 5 * time.Second
	// maxTrackedSources bounds the addresses whose authentication failures
	// are remembered (about 150 bytes each).
	maxTrackedSources = 10000
)

// byteBudget is a count of bytes that callers take and give back, waiting
// while too few are left.
type byteBudget struct {
	mu      sync.Mutex
	free    int64
	waiters int
	// freed is closed, and replaced, when bytes are given back while
	// someone waits.
	freed chan struct{}
}

func newByteBudget(n int64) *byteBudget {
	return &byteBudget{free: n, freed: make(chan struct{})}
}

// acquire takes n bytes, waiting until they are free or ctx is done. It
// reports whether it took them.
func (b *byteBudget) acquire(ctx context.Context, n int64) bool {
	b.mu.Lock()
	for b.free < n {
		freed := b.freed
		b.waiters++
		b.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			b.mu.Lock()
			b.waiters--
			b.mu.Unlock()
			return false
		}
		b.mu.Lock()
		b.waiters--
	}
	b.free -= n
	b.mu.Unlock()
	return true
}

// release gives back n bytes that acquire took.
func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	if b.waiters > 0 {
		close(b.freed)
		b.freed = make(chan struct{})
	}
}

// sourceOf returns the address a request comes from, as the failure limiter
// counts it: the client's IP, or for IPv6 its /64, which one client usually
// holds whole. The address of the connection, not a header, since a header
// is the caller's to choose.
func sourceOf(r *http.Request) netip.Prefix {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Prefix{}
	}
	addr := ap.Addr().Unmap()
	bits := addr.BitLen()
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// failureLimiter slows down the sources of repeated authentication
// failures: each source may fail burst times at once and rate times per
// second after that; a source past its budget is refused before its request
// is looked at. It remembers at most maxTrackedSources sources; when that
// many failed recently, the failures of any other share one budget. A nil
// *failureLimiter limits nothing.
type failureLimiter struct {
	rate  rate.Limit
	burst int

	mu       sync.Mutex
	sources  map[netip.Prefix]*rate.Limiter
	overflow *rate.Limiter
	swept    time.Time
}

// newFailureLimiter returns a limiter of perMinute failures a minute, in
// bursts of as many, or nil when perMinute is not positive.
func newFailureLimiter(perMinute int) *failureLimiter {
	if perMinute <= 0 {
		return nil
	}
	l := rate.Limit(float64(perMinute) / 60)
	return &failureLimiter{rate: l, burst: perMinute, sources: map[netip.Prefix]*rate.Limiter{}, overflow: rate.NewLimiter(l, perMinute)}
}

// exhausted reports whether source has no failure left to spend at now.
func (f *failureLimiter) exhausted(source netip.Prefix, now time.Time) bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.sources[source]
	if !ok {
		if len(f.sources) < maxTrackedSources {
			return false
		}
		l = f.overflow
	}
	return l.TokensAt(now) < 1
}

// retryAfter returns, in whole seconds for a Retry-After header, how long an
// exhausted source waits for its next failure to be allowed.
func (f *failureLimiter) retryAfter() string {
	return strconv.Itoa(int(math.Ceil(1 / float64(f.rate))))
}

// record counts a failed authentication of source at now.
func (f *failureLimiter) record(source netip.Prefix, now time.Time) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.sources[source]
	if !ok {
		if len(f.sources) >= maxTrackedSources && now.Sub(f.swept) > time.Second {
			// A source whose budget is whole again is as good as new.
			f.swept = now
			for s, sl := range f.sources {
				if sl.TokensAt(now) >= float64(f.burst) {
					delete(f.sources, s)
				}
			}
		}
		if len(f.sources) < maxTrackedSources {
			l = rate.NewLimiter(f.rate, f.burst)
			f.sources[source] = l
		} else {
			l = f.overflow
		}
	}
	l.AllowN(now, 1)
}

// LimitListener returns a listener that accepts at most n connections of ln
// at once: past n it accepts the next only when one closes, which leaves the
// waiting ones to the kernel's backlog, where they cost the process nothing.
func LimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Accept waits for a free slot, then for a connection. It returns
// net.ErrClosed once the listener is closed.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
}

// Close closes the listener, and ends an Accept waiting for a slot.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	release func()
}

// Close closes the connection and frees its slot.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// CloseWrite half-closes a TCP connection, which the HTTP server does before
// closing one whose request it did not read whole, so that the client reads
// the answer rather than a reset.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
