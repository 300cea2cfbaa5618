package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmsd/dmsd"
)

// withMetrics counts requests by the route pattern that served them, never by
// raw path, so that ids do not explode the label space.
func (s *Server) withMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		s.requestCounter(route, sw.status).Inc()
	})
}

// requestCounterKey names one counter of dmsd_http_requests_total.
type requestCounterKey struct {
	route  string
	status int
}

// requestCounter returns the counter of requests to route answered with
// status. The counters are kept by the server once looked up, as the
// vector's own lookup hashes both labels and formats the status on every
// request; routes and statuses are few, so the map stays small.
func (s *Server) requestCounter(route string, status int) prometheus.Counter {
	k := requestCounterKey{route, status}
	if c, ok := s.requestCounters.Load(k); ok {
		return c.(prometheus.Counter)
	}
	c, _ := s.requestCounters.LoadOrStore(k, s.requests.WithLabelValues(route, strconv.Itoa(status)))
	return c.(prometheus.Counter)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// taskCollector reports the task records by name and status, read from the
// store so that the numbers survive restarts and agree across replicas. It
// counts them at most once per maxAge, however many scrapes come: counting
// reads every task record, and scrapers must not starve the API.
type taskCollector struct {
	store  dmsd.TaskStore
	logger *slog.Logger
	desc   *prometheus.Desc
	maxAge time.Duration

	// mu is held while counting, so that scrapes arriving meanwhile wait
	// for that count rather than start their own.
	mu        sync.Mutex
	counts    map[[2]string]int // replaced whole, never changed
	err       error
	countedAt time.Time
}

func newTaskCollector(store dmsd.TaskStore, logger *slog.Logger, maxAge time.Duration) *taskCollector {
	return &taskCollector{store: store, logger: logger, maxAge: maxAge, desc: prometheus.NewDesc(
		"dmsd_tasks", "Task records by task name and status, counted at most once per interval.", []string{"name", "status"}, nil)}
}

func (c *taskCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *taskCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.current()
	if err != nil && counts == nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}

// current returns the task counts, counting them again if the last count is
// older than maxAge. When counting fails it returns the last counts that
// succeeded, if any, with the error; a failed count too is not repeated
// before maxAge.
func (c *taskCollector) current() (map[[2]string]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.countedAt.IsZero() && time.Since(c.countedAt) < c.maxAge {
		return c.counts, c.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.store.CountTasks(ctx)
	c.countedAt = time.Now()
	if err != nil {
		c.logger.Warn("count tasks for metrics", "error", err)
		c.err = err
		return c.counts, err
	}
	c.counts, c.err = counts, nil
	return counts, nil
}
