package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// countingStore counts the task records as a store would, counting the
// calls; every other method is left to the nil Store and must not be called.
type countingStore struct {
	dmsd.Store
	calls   atomic.Int32
	release chan struct{} // CountTasks waits for it
}

func (s *countingStore) CountTasks(ctx context.Context) (map[[2]string]int, error) {
	s.calls.Add(1)
	<-s.release
	return map[[2]string]int{{"createInstance", "SUCCESS"}: 3}, nil
}

// Parallel scrapes share one count of the task records, and a later scrape
// within the interval counts nothing.
func TestMetrics_ParallelScrapesCountOnce(t *testing.T) {
	t.Parallel()
	store := &countingStore{release: make(chan struct{})}
	s := NewServer(Config{Store: store, Logger: slog.New(slog.DiscardHandler), TaskCountsMaxAge: time.Minute})
	srv := httptest.NewServer(s.MetricsHandler())
	t.Cleanup(srv.Close)

	scrape := func() string {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return string(body)
	}
	var wg sync.WaitGroup
	bodies := make([]string, 16)
	for i := range bodies {
		wg.Go(func() { bodies[i] = scrape() })
	}
	require.Eventually(t, func() bool { return store.calls.Load() == 1 }, 10*time.Second, time.Millisecond)
	close(store.release)
	wg.Wait()
	for _, body := range bodies {
		require.Contains(t, body, `dmsd_tasks{name="createInstance",status="SUCCESS"} 3`)
	}
	scrape()
	require.Equal(t, int32(1), store.calls.Load(), "16 parallel scrapes and one more cost one count")
}

// The failure limiter refuses a source past its budget, and remembers a
// bounded number of sources whatever the number that fail.
func TestFailureLimiter_Bounded(t *testing.T) {
	t.Parallel()
	f := newFailureLimiter(3)
	now := time.Now()
	a := netip.MustParsePrefix("192.0.2.1/32")
	for range 3 {
		require.False(t, f.exhausted(a, now))
		f.record(a, now)
	}
	require.True(t, f.exhausted(a, now))
	require.Equal(t, "20", f.retryAfter(), "3 a minute: one every 20 s")
	require.False(t, f.exhausted(a, now.Add(time.Minute)), "the budget refills")

	for i := range 3 * maxTrackedSources {
		p, _ := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).Prefix(32)
		f.record(p, now)
	}
	require.LessOrEqual(t, len(f.sources), maxTrackedSources)
	require.Nil(t, newFailureLimiter(0), "0 limits nothing")
	require.False(t, (*failureLimiter)(nil).exhausted(a, now))
}

// IPv6 clients are counted by their /64, IPv4 ones by their address.
func TestSourceOf(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"192.0.2.7:1234":             "192.0.2.7/32",
		"[::ffff:192.0.2.7]:1234":    "192.0.2.7/32",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:443":      "2001:db8:1:3::/64",
		"[fe80::1%eth0]:80":          "fe80::/64",
		"not an address":             "invalid Prefix",
	} {
		require.Equal(t, want, sourceOf(&http.Request{RemoteAddr: addr}).String(), addr)
	}
}

// The listener holds at most n connections: the next is accepted when one
// closes.
func TestLimitListener(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := LimitListener(inner, 2)
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	for range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
	}
	first, second := <-accepted, <-accepted
	select {
	case <-accepted:
		t.Fatal("a third connection was accepted while two were open")
	case <-time.After(200 * time.Millisecond):
	}
	first.Close()
	third := <-accepted
	require.NotNil(t, third)
	second.Close()
	third.Close()
	require.NoError(t, ln.Close())
	for range accepted {
	}
}

// The byte budget lets through what fits and makes the rest wait until
// bytes are given back, or until the wait ends.
func TestByteBudget(t *testing.T) {
	t.Parallel()
	b := newByteBudget(10)
	ctx := context.Background()
	require.True(t, b.acquire(ctx, 6))
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	require.False(t, b.acquire(short, 6), "4 bytes left")
	got := make(chan bool)
	go func() { got <- b.acquire(ctx, 6) }()
	b.release(6)
	require.True(t, <-got)
	require.True(t, b.acquire(ctx, 4))
}
