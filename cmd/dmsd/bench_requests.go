package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/httpapi"
)

// The measurement of request rates that dmsd bench and the request
// benchmarks (bench_test.go) share.

// benchClients is how many clients send requests at once in the request
// measurements.
const benchClients = 16

// newBenchHTTPClient returns an HTTP client that keeps enough idle
// connections for every measuring client, so that all of them keep theirs
// alive.
func newBenchHTTPClient() *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        4 * benchClients,
		MaxIdleConnsPerHost: 4 * benchClients,
		IdleConnTimeout:     time.Minute,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// benchLoad is one kind of request the measurements send. newRequest is
// called once per request when perRequest is set, and otherwise once per
// client goroutine, whose request is then sent again and again (a request
// signed ahead, which the server accepts for 15 minutes and verifies every
// time all the same).
type benchLoad struct {
	name       string
	newRequest func() (*http.Request, error)
	perRequest bool
}

// client returns a function that returns the request to send next, for one
// client goroutine.
func (l benchLoad) client() func() (*http.Request, error) {
	if l.perRequest {
		return l.newRequest
	}
	r, err := l.newRequest()
	return func() (*http.Request, error) { return r, err }
}

// sendDiscard sends r with hc and discards a 200 answer, reading it whole so
// that the connection is reused; it returns an error describing any other
// outcome. r has no body, so it may be sent again once this returns.
func sendDiscard(hc *http.Client, r *http.Request) error {
	resp, err := hc.Do(r)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d", r.Method, r.URL.Path, resp.StatusCode)
	}
	return nil
}

// measureRate sends requests of load with benchClients concurrent clients
// through hc, n of them if n > 0, or for d otherwise, and returns the rate
// at which they were answered, in requests per second, with the first
// error.
func measureRate(hc *http.Client, load benchLoad, n int, d time.Duration) (float64, error) {
	var (
		left     atomic.Int64
		sent     atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	left.Store(int64(n))
	start := time.Now()
	if n <= 0 {
		t := time.AfterFunc(d, func() { stop.Store(true) })
		defer t.Stop()
	}
	for range benchClients {
		wg.Go(func() {
			next := load.client()
			for !stop.Load() && (n <= 0 || left.Add(-1) >= 0) {
				r, err := next()
				if err == nil {
					err = sendDiscard(hc, r)
				}
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("%s: %w", load.name, err) })
					stop.Store(true)
					return
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if sent.Load() == 0 && firstErr == nil {
		firstErr = fmt.Errorf("%s: no request answered", load.name)
	}
	return float64(sent.Load()) / elapsed, firstErr
}

// bareServer is the baseline of the task show: a minimal net/http server
// that verifies the request's signature as dmsd does and answers the body
// dmsd answers, from a map.
type bareServer struct {
	URL string
	srv *http.Server
	ln  net.Listener
}

// startBareServer starts a bareServer on 127.0.0.1 that accepts the
// signatures of creds and answers body at path. It returns the error of
// net.Listen.
func startBareServer(creds []dmsd.Credential, path string, body []byte) (*bareServer, error) {
	bodies := map[string][]byte{path: body}
	byKey := map[string]dmsd.Credential{}
	for _, c := range creds {
		byKey[c.AccessKey] = c
	}
	lookup := func(ak string) (dmsd.Credential, bool) { c, ok := byKey[ak]; return c, ok }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := httpapi.VerifySignature(r, lookup, time.Now()); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			body, ok := bodies[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}),
	}
	go srv.Serve(ln)
	return &bareServer{URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// Close stops the server and closes its connections.
func (s *bareServer) Close() error {
	err := s.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// roundRatios returns num[i]/den[i] for each round i, measured side by side.
func roundRatios(num, den []float64) []float64 {
	rs := make([]float64, 0, len(num))
	for i := range num {
		if den[i] > 0 {
			rs = append(rs, num[i]/den[i])
		}
	}
	return rs
}

func benchMedian(xs []float64) float64 { return benchPercentile(xs, 0.5) }

// benchPercentile returns the p-quantile of xs (0 < p <= 1) by the nearest-rank
// method, interpolating between the two middle values for the median of an
// even count.
func benchPercentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if p == 0.5 && len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	rank := int(p*float64(len(s))+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}
