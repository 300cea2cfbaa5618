// Package httpapi serves dmsd's HTTP API: the v2 management API of DMS for
// Kafka, signed with SDK-HMAC-SHA256 as the official SDK signs it, plus
// /livez, /readyz and /healthz; its metrics are served apart (MetricsHandler).
package httpapi

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dmsd/dmsd"
)

// maxBodyBytes bounds a request body; no API call needs more.
const maxBodyBytes = 1 << 20

// maxHeaderBytes bounds a request's URI and headers together, answered with a
// DMS error; the http.Server's own, larger MaxHeaderBytes protects memory
// beyond it.
const maxHeaderBytes = 16 << 10

// Config is what a Server serves.
type Config struct {
	Store     dmsd.Store
	Instances dmsd.InstanceService
	Topics    dmsd.TopicService
	Users     dmsd.UserService
	Reassign  dmsd.ReassignService
	Brokers   dmsd.BrokerService
	// Inspect answers what lives in a cluster (topic details, disk usage,
	// coordinators) and adds partitions.
	Inspect dmsd.InspectService
	Groups  dmsd.GroupService
	// Lifecycle serves the recycle bin, password, upgrade and cross-VPC
	// operations.
	Lifecycle dmsd.LifecycleService
	Messages  dmsd.MessageService
	// Diagnosis runs message backlog diagnoses, whose reports Reports
	// keeps; Logs collects rebalance logs.
	Diagnosis dmsd.DiagnosisService
	Reports   dmsd.DiagnosisStore
	Logs      dmsd.LogService
	Quotas    dmsd.QuotaService
	Tags      dmsd.TagService
	// Connectors and ConnectTasks serve Smart Connect.
	Connectors   dmsd.ConnectorService
	ConnectTasks dmsd.ConnectTaskService
	// Credentials are the access keys that may sign requests.
	Credentials []dmsd.Credential
	Logger      *slog.Logger
	// Registry receives the HTTP metrics; MetricsHandler serves it.
	Registry *prometheus.Registry
	// TaskCountsMaxAge is how old the task gauges may be before a scrape
	// counts the task records again; 0 means 10 s.
	TaskCountsMaxAge time.Duration
	// Ready returns nil when the server can serve the API (its database
	// answers, its task queue runs), for /readyz; nil means always ready.
	Ready func(ctx context.Context) error
	// AuthFailureLimit is how many failed authentications one client
	// address may have a minute (in bursts of as many) before its requests
	// are refused unchecked; 0 means 30, a negative number no limit.
	AuthFailureLimit int
	// Now returns the current time; nil means time.Now. Tests move it to
	// check the signature's clock skew.
	Now func() time.Time
	// Console, when set, serves the web console under /console/.
	Console http.Handler
	// RateLimit is the sustained requests per second allowed to one access
	// key, and RateBurst how many may come at once; 0 means 200 and 400.
	RateLimit float64
	RateBurst int
}

// Server is the HTTP handler of the whole API.
type Server struct {
	store       dmsd.Store
	instances   dmsd.InstanceService
	topics      dmsd.TopicService
	users       dmsd.UserService
	reassign    dmsd.ReassignService
	brokers     dmsd.BrokerService
	inspect     dmsd.InspectService
	groups      dmsd.GroupService
	lifecycle   dmsd.LifecycleService
	messages    dmsd.MessageService
	diagnosis   dmsd.DiagnosisService
	reports     dmsd.DiagnosisStore
	logs        dmsd.LogService
	quotas      dmsd.QuotaService
	tags        dmsd.TagService
	credentials map[string]dmsd.Credential
	logger      *slog.Logger
	now         func() time.Time
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	console     http.Handler
	// connectors and connectTasks serve Smart Connect.
	connectors   dmsd.ConnectorService
	connectTasks dmsd.ConnectTaskService

	rateLimit  rate.Limit
	rateBurst  int
	limitersMu sync.Mutex
	limiters   map[string]*rate.Limiter

	// requestCounters holds requests' counters by requestCounterKey.
	requestCounters sync.Map

	// mux serves every route whose second path segment is a project id
	// (and /healthz, /metrics, the console); globalMux the /v2 routes whose
	// second segment is something else: an engine ({engine}, kafka) or a
	// word (available-zones). Go's ServeMux cannot hold both families, as
	// /v2/{project_id}/... and /v2/{engine}/{project_id}/... overlap
	// without either being more specific; route picks the family.
	mux       *http.ServeMux
	globalMux *http.ServeMux
	handler   http.Handler
	// probe, set only by tests, serves every API route in place of its
	// authentication and handler, to show where a request lands.
	probe http.Handler
	// apiRoutes are the API routes in the order routes registered them,
	// for the OpenAPI document.
	apiRoutes []apiRoute

	failures      *failureLimiter
	pendingBodies *byteBudget
	ready         func(ctx context.Context) error
}

// NewServer returns a Server for cfg. It panics if cfg.Registry already holds
// the server's metrics.
func NewServer(cfg Config) *Server { return newServer(cfg, nil) }

// newServer returns a Server for cfg whose API routes are all served by
// probe when it is not nil.
func newServer(cfg Config, probe http.Handler) *Server {
	s := &Server{
		store:         cfg.Store,
		instances:     cfg.Instances,
		topics:        cfg.Topics,
		users:         cfg.Users,
		reassign:      cfg.Reassign,
		brokers:       cfg.Brokers,
		inspect:       cfg.Inspect,
		groups:        cfg.Groups,
		lifecycle:     cfg.Lifecycle,
		messages:      cfg.Messages,
		diagnosis:     cfg.Diagnosis,
		reports:       cfg.Reports,
		logs:          cfg.Logs,
		quotas:        cfg.Quotas,
		tags:          cfg.Tags,
		connectors:    cfg.Connectors,
		connectTasks:  cfg.ConnectTasks,
		credentials:   make(map[string]dmsd.Credential, len(cfg.Credentials)),
		logger:        cfg.Logger,
		now:           cfg.Now,
		registry:      cfg.Registry,
		console:       cfg.Console,
		rateLimit:     rate.Limit(cmp.Or(cfg.RateLimit, 200)),
		rateBurst:     cmp.Or(cfg.RateBurst, 400),
		limiters:      make(map[string]*rate.Limiter),
		failures:      newFailureLimiter(cmp.Or(cfg.AuthFailureLimit, 30)),
		ready:         cfg.Ready,
		pendingBodies: newByteBudget(maxPendingBodyBytes),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dmsd_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "code"}),
		mux:       http.NewServeMux(),
		globalMux: http.NewServeMux(),
		probe:     probe,
	}
	for _, c := range cfg.Credentials {
		s.credentials[c.AccessKey] = c
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	s.registry.MustRegister(s.requests, newTaskCollector(s.store, s.logger, cmp.Or(cfg.TaskCountsMaxAge, 10*time.Second)))
	s.routes()
	s.mux.Handle(fallbackPattern, unmatched(s.mux))
	s.globalMux.Handle(fallbackPattern, unmatched(s.globalMux))
	s.handler = s.withRequestID(s.withRecovery(s.withMetrics(withHeaderLimit(http.HandlerFunc(s.route)))))
	return s
}

// MetricsHandler returns the handler of the Prometheus metrics, which the API
// does not serve: they are for the operator, on a listener of their own.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// route dispatches r through the mux of its route family, answering unknown
// routes and wrong methods with DMS errors rather than the mux's plain text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	// One lookup per request: a mux's fallback route answers what it does
	// not serve.
	s.muxFor(r).ServeHTTP(w, r)
}

// fallbackPattern is the route of each mux that matches what no other route
// does; unmatched answers it.
const fallbackPattern = "/"

// unmatched answers a request to mux that no route of it serves with a DMS
// error: EMETHOD if a route serves its path with another method, ENOTFOUNDURL
// otherwise.
func unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Pattern = "" // So that the metrics count it as unmatched.
		if otherMethodMatches(mux, r) {
			writeError(w, r, dmsd.Errorf(dmsd.EMETHOD, "This request method is not allowed."))
			return
		}
		writeError(w, r, dmsd.Errorf(dmsd.ENOTFOUNDURL, "The requested URL does not exist."))
	})
}

// muxFor returns the mux of r's route family: globalMux for a /v2 path whose
// second segment is not a project id and that globalMux knows (with any
// method), mux otherwise, so that a malformed project id still reaches a
// project route and is refused as such.
func (s *Server) muxFor(r *http.Request) *http.ServeMux {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/")
	if !ok {
		return s.mux
	}
	seg, _, _ := strings.Cut(rest, "/")
	if dmsd.ValidProjectID(seg) {
		return s.mux
	}
	if _, p := s.globalMux.Handler(r); (p != "" && p != fallbackPattern) || otherMethodMatches(s.globalMux, r) {
		return s.globalMux
	}
	return s.mux
}

// otherMethodMatches reports whether mux has a route for r's path with
// another method than r's.
func otherMethodMatches(mux *http.ServeMux, r *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := mux.Handler(probe); p != "" && p != fallbackPattern {
			return true
		}
	}
	return false
}

type ctxKey int

const (
	actorKey ctxKey = iota
	requestKey
)

// withRequestID gives every request an id, answered in X-Request-Id and logged
// with any error, so a user's report can be matched to the server's log.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestKey, &requestInfo{id: id, logger: s.logger})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withRecovery answers a panic with an internal error instead of a dropped
// connection, and logs it.
func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				loggerFrom(r).Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
				writeError(w, r, dmsd.Errorf(dmsd.EINTERNAL, "Internal service error."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withHeaderLimit refuses requests whose URI and headers exceed
// maxHeaderBytes.
func withHeaderLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := len(r.RequestURI)
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4
			}
		}
		if n > maxHeaderBytes {
			writeError(w, r, dmsd.Errorf(dmsd.EHEADERSTOOLARGE, "The request's URI and headers are larger than %d bytes.", maxHeaderBytes))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestInfo is what the server keeps of a request for its logs, and the
// actor authenticate found, so that authenticating a request does not copy
// it into a new context.
type requestInfo struct {
	id     string
	logger *slog.Logger
	// actor is the request's authenticated user, set once authenticate has
	// checked the signature; the zero Actor before.
	actor dmsd.Actor
}

// loggerFrom returns the server's logger with the request's id. It is built
// only when something is logged, as most requests log nothing.
func loggerFrom(r *http.Request) *slog.Logger {
	if info, ok := r.Context().Value(requestKey).(*requestInfo); ok {
		return info.logger.With("request_id", info.id)
	}
	return slog.Default()
}

func actorFrom(r *http.Request) dmsd.Actor {
	if info, ok := r.Context().Value(requestKey).(*requestInfo); ok && info.actor != (dmsd.Actor{}) {
		return info.actor
	}
	a, _ := r.Context().Value(actorKey).(dmsd.Actor)
	return a
}
