package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/admin"
	"github.com/dmsd/dmsd/console"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/httpapi"
	"github.com/dmsd/dmsd/kafka"
	"github.com/dmsd/dmsd/postgres"
	"github.com/dmsd/dmsd/replicate"
)

// serve runs the server until ctx is done, then shuts down gracefully. It
// returns an error if the configuration is invalid or a part fails to start.
// Each step is a function below, in the order serve takes them; what a step
// starts is stopped, in reverse order, as serve returns.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	logger, err := newLogger(cfg.LogLevel, stderr)
	if err != nil {
		return err
	}

	// Before anything else reads or writes the data dir: a second process
	// on it is refused here.
	release, err := prepareDataDir(cfg, logger)
	if err != nil {
		return err
	}
	defer release()
	replica, err := cfg.replicaID()
	if err != nil {
		return err
	}
	creds, credPath, err := credentialsOf(cfg)
	if err != nil {
		return err
	}
	db, newQueue, err := openState(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()

	registry := newRegistry()
	var api ownAPI
	api.reserve(cfg.Listen)
	clusters, eng, ops := newEngine(ctx, cfg, db, replica, &api, logger, registry)
	defer clusters.Close()
	defer eng.StopLogs()
	// The replication worker stops with the clusters when the replica's
	// lock is lost, and starts again with them.
	replicator := replicate.NewWorker(db, clusters, replica, logger)
	if err := startClusters(ctx, db, eng, clusters, replicator, replica, logger); err != nil {
		return err
	}
	queue, err := newQueue(engine.QueueConfig{Workers: eng.Workers(), Replica: replica, RetryPolicy: engine.RetryPolicy(), Logger: logger})
	if err != nil {
		return err
	}
	if err := db.StartQueue(ctx, replica, queue); err != nil {
		return err
	}
	defer func() {
		// Running steps get this long to finish before they are cancelled
		// and left to resume at the next start.
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := db.StopQueue(stopCtx); err != nil {
			logger.Warn("stop task queue", "error", err)
		}
	}()

	// The recycle bin's expiry stops before the queue and the database.
	recycleCtx, stopRecycle := context.WithCancel(ctx)
	recycleDone := make(chan struct{})
	go func() { defer close(recycleDone); eng.MonitorRecycleBin(recycleCtx, cfg.RecycleInterval) }()
	defer func() { stopRecycle(); <-recycleDone }()
	// So does automatic storage growth.
	volumeCtx, stopVolumes := context.WithCancel(ctx)
	volumeDone := make(chan struct{})
	go func() { defer close(volumeDone); eng.MonitorVolumes(volumeCtx, cfg.VolumeInterval) }()
	defer func() { stopVolumes(); <-volumeDone }()
	// Replication tasks of the replica's instances; stopped before the
	// clusters they read and write.
	connect := replicate.NewService(db, clusters, eng)
	connect.Wake = replicator.Wake
	replicator.Start(ctx)
	defer replicator.Stop()

	ln, err := listenAPI(cfg, &api)
	if err != nil {
		return err
	}
	apiServer := newAPIServer(cfg, db, eng, ops, connect, creds, logger, registry)
	srv := newHTTPServer(apiServer, logger)
	printBanner(stdout, credPath, creds, replica, db)

	serveErr := make(chan error, 2)
	if cfg.MetricsListen != "" {
		msrv, err := serveMetrics(cfg, apiServer, &api, logger, stdout, serveErr)
		if err != nil {
			ln.Close()
			return err
		}
		defer msrv.Close()
	}
	fmt.Fprintf(stdout, "dmsd: listening on http://%s\n", ln.Addr())
	return serveUntilDone(ctx, srv, ln, serveErr, logger)
}

// newLogger returns the text logger to stderr at the given level. It returns
// an error for a level slog does not know.
func newLogger(logLevel string, stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), nil
}

// credentialsOf returns the access keys of the credentials file the
// configuration names, or of the one generated in the data dir when it names
// none, and the file's path. It returns an error if the file cannot be read
// or written, or holds an invalid credential.
func credentialsOf(cfg config) ([]dmsd.Credential, string, error) {
	credPath := cfg.Credentials
	var creds []dmsd.Credential
	var err error
	if credPath != "" {
		creds, err = loadCredentials(credPath)
	} else {
		creds, credPath, err = generatedCredentials(cfg.DataDir)
	}
	if err != nil {
		return nil, "", fmt.Errorf("credentials: %w", err)
	}
	return creds, credPath, nil
}

// openState opens the secret key and the database, and checks that the
// database's secrets are sealed with that key. It returns the database and
// the builder of its task queue, or the error of openSecretBox, openDatabase
// or checkSecrets; the database is closed when the check fails.
func openState(ctx context.Context, cfg config, logger *slog.Logger) (database, newQueue, error) {
	box, keyPath, err := openSecretBox(cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	db, newQueue, err := openDatabase(ctx, cfg, logger, box)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSecrets(ctx, db, box, keyPath, logger); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, newQueue, nil
}

// newRegistry returns the Prometheus registry of the metrics, holding the Go
// runtime's and the process's.
func newRegistry() *prometheus.Registry {
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return registry
}

// newEngine returns the clusters of the instances (embedded and external)
// the engine that runs tasks on them, and the synchronous operations on
// them. User notes of earlier versions' users.json files are imported. External clusters may be reached
// only where the configuration allows and never at dmsd's own listeners (api
// and the embedded brokers). The caller closes the clusters.
func newEngine(ctx context.Context, cfg config, db database, replica string, api *ownAPI, logger *slog.Logger, registry *prometheus.Registry) (*kafka.Clusters, *engine.Engine, *admin.Service) {
	embedded := kafka.NewEmbedded(filepath.Join(cfg.DataDir, "kafka"), logger)
	addresses := &dmsd.AddressPolicy{Allow: cfg.ExternalAllow, OwnPorts: ownPorts(db, embedded, api)}
	clusters := &kafka.Clusters{
		Embedded: embedded,
		External: kafka.NewExternal(filepath.Join(cfg.DataDir, "kafka-external"), addresses, logger),
	}
	if err := clusters.ImportUserNotes(ctx, db); err != nil {
		logger.Error("some users.json files of an earlier version were not imported", "error", err)
	}
	opts := []engine.Option{engine.Replica(replica), engine.Quota(cfg.Quota),
		engine.RecycleBin(db, cfg.RecycleDay), engine.DiagnosisInterval(cfg.DiagnosisInterval)}
	if cfg.isPostgres() {
		// Replicas share the database: an external instance's log goes on
		// collecting on another replica when its own stops.
		opts = append(opts, engine.TakeOverLogs(postgres.LogTakeoverInterval))
	}
	eng := engine.New(db, clusters, logger, registry, opts...)
	return clusters, eng, admin.New(db, clusters)
}

// startClusters takes the replica's lock and starts the clusters of the
// replica's instances. A cluster that does not start is logged, not fatal:
// its instance's tasks say so. It returns the error of LockReplica.
func startClusters(ctx context.Context, db database, eng *engine.Engine, clusters *kafka.Clusters, replicator *replicate.Worker, replica string, logger *slog.Logger) error {
	// Before any cluster of the replica starts: another process with this
	// replica id is refused here, and one that loses the lock later stops
	// the clusters until it has it again.
	suspend := func(context.Context) {
		replicator.Suspend()
		// Another process may take the replica: its collectors would
		// record what these record.
		logger.Info("log collectors suspended with the replica's lock", "collectors_stopped", eng.StopLogs())
		clusters.Embedded.StopAll()
	}
	resume := func(ctx context.Context) {
		if err := eng.StartClusters(ctx); err != nil {
			logger.Error("some instances' clusters did not start", "error", err)
		}
		replicator.Resume()
	}
	if err := db.LockReplica(ctx, replica, suspend, resume); err != nil {
		return err
	}
	if err := eng.StartClusters(ctx); err != nil {
		logger.Error("some instances' clusters did not start", "error", err)
	}
	return nil
}

// listenAPI listens on the API's address, records it as one of dmsd's own,
// and bounds the connections held open at once. It returns the error of
// net.Listen.
func listenAPI(cfg config, api *ownAPI) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, err
	}
	api.reserve(ln.Addr().String())
	return httpapi.LimitListener(ln, cfg.MaxConnections), nil
}

// newAPIServer returns the handler of the API, served by db, eng and ops, ready
// when the database answers and the task queue runs.
func newAPIServer(cfg config, db database, eng *engine.Engine, ops *admin.Service, connect *replicate.Service, creds []dmsd.Credential, logger *slog.Logger, registry *prometheus.Registry) *httpapi.Server {
	authFailures := cfg.AuthFailureLimit
	if authFailures == 0 {
		authFailures = -1 // no limit
	}
	return httpapi.NewServer(httpapi.Config{
		Store:            db,
		Instances:        eng,
		Topics:           ops,
		Users:            ops,
		Reassign:         ops,
		Brokers:          ops,
		Inspect:          ops,
		Groups:           ops,
		Lifecycle:        eng,
		Messages:         ops,
		Diagnosis:        eng,
		Reports:          db,
		Logs:             eng,
		Quotas:           eng,
		Tags:             ops,
		Connectors:       connect,
		ConnectTasks:     connect,
		Credentials:      creds,
		Logger:           logger,
		Registry:         registry,
		RateLimit:        cfg.RateLimit,
		RateBurst:        int(2 * cfg.RateLimit),
		AuthFailureLimit: authFailures,
		Console:          console.Handler(),
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return err
			}
			if !db.QueueRunning() {
				return errors.New("the task queue is not running")
			}
			return nil
		},
	})
}

// newHTTPServer returns the http.Server of the API, with the timeouts that
// keep slow clients from holding its connections.
func newHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler: h,
		// A client that sends its headers slower than this is cut off
		// (slowloris); one that sends the rest of its request slower than
		// ReadTimeout too: no API call has a body that takes longer.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// printBanner tells the operator where the credentials are, which access
// keys serve which project (never their secret keys), and which replica and
// database this is.
func printBanner(stdout io.Writer, credPath string, creds []dmsd.Credential, replica string, db database) {
	fmt.Fprintf(stdout, "dmsd: credentials in %s\n", credPath)
	for _, c := range creds {
		fmt.Fprintf(stdout, "dmsd: access key %s for project %s (user %s)\n", c.AccessKey, c.ProjectID, c.UserName)
	}
	fmt.Fprintf(stdout, "dmsd: replica %s, database %s\n", replica, db.String())
}

// serveMetrics serves GET /metrics on the configuration's metrics address,
// apart from the API, in the background, and returns its server for the
// caller to close. An error of the server is sent to serveErr. It returns
// the error of net.Listen.
func serveMetrics(cfg config, apiServer *httpapi.Server, api *ownAPI, logger *slog.Logger, stdout io.Writer, serveErr chan<- error) (*http.Server, error) {
	mln, err := net.Listen("tcp", cfg.MetricsListen)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	api.reserve(cfg.MetricsListen)
	api.reserve(mln.Addr().String())
	metricsMux := http.NewServeMux()
	metricsMux.Handle("GET /metrics", apiServer.MetricsHandler())
	msrv := &http.Server{
		Handler:           metricsMux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "dmsd: metrics on http://%s/metrics\n", mln.Addr())
	go func() {
		if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- fmt.Errorf("metrics listener: %w", err)
		}
	}()
	return msrv, nil
}

// serveUntilDone serves the API on ln until ctx is done, then shuts srv down,
// giving open requests 10 seconds. It returns the first error of a server
// (from serveErr, which srv's shares), or that of the shutdown.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, serveErr chan error, logger *slog.Logger) error {
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
