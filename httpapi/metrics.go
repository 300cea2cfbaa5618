package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
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
		s.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
	})
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
// store at each scrape so that the numbers survive restarts and agree across
// replicas.
type taskCollector struct {
	store  dmsd.TaskStore
	logger *slog.Logger
	desc   *prometheus.Desc
}

func newTaskCollector(store dmsd.TaskStore, logger *slog.Logger) *taskCollector {
	return &taskCollector{store: store, logger: logger, desc: prometheus.NewDesc(
		"dmsd_tasks", "Task records by task name and status.", []string{"name", "status"}, nil)}
}

func (c *taskCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *taskCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.store.CountTasks(ctx)
	if err != nil {
		c.logger.Warn("count tasks for metrics", "error", err)
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}
