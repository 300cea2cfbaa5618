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
)

// serve runs the server until ctx is done, then shuts down gracefully. It
// returns an error if the configuration is invalid or a part fails to start.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

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

	creds, credPath := []dmsd.Credential(nil), cfg.Credentials
	if credPath != "" {
		creds, err = loadCredentials(credPath)
	} else {
		creds, credPath, err = generatedCredentials(cfg.DataDir)
	}
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}

	box, keyPath, err := openSecretBox(cfg, logger)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, logger, box)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkSecrets(ctx, db, box, keyPath, logger); err != nil {
		return err
	}

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	embedded := kafka.NewEmbedded(filepath.Join(cfg.DataDir, "kafka"), logger)
	var api ownAPI
	api.reserve(cfg.Listen)
	addresses := &dmsd.AddressPolicy{Allow: cfg.ExternalAllow, OwnPorts: ownPorts(db, embedded, &api)}
	clusters := &kafka.Clusters{
		Embedded: embedded,
		External: kafka.NewExternal(filepath.Join(cfg.DataDir, "kafka-external"), addresses, logger),
	}
	defer clusters.Close()
	if err := clusters.ImportUserNotes(ctx, db); err != nil {
		logger.Error("some users.json files of an earlier version were not imported", "error", err)
	}
	eng := engine.New(db, clusters, logger, registry, engine.Replica(replica), engine.Quota(cfg.Quota))
	ops := admin.New(db, clusters)
	// Before any cluster of the replica starts: another process with this
	// replica id is refused here, and one that loses the lock later stops
	// the clusters until it has it again.
	suspend := func(context.Context) { clusters.Embedded.StopAll() }
	resume := func(ctx context.Context) {
		if err := eng.StartClusters(ctx); err != nil {
			logger.Error("some instances' clusters did not start", "error", err)
		}
	}
	if err := db.LockReplica(ctx, replica, suspend, resume); err != nil {
		return err
	}
	if err := eng.StartClusters(ctx); err != nil {
		logger.Error("some instances' clusters did not start", "error", err)
	}
	if err := db.StartQueue(ctx, eng.Workers(), replica); err != nil {
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

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	api.reserve(ln.Addr().String())
	ln = httpapi.LimitListener(ln, cfg.MaxConnections)
	authFailures := cfg.AuthFailureLimit
	if authFailures == 0 {
		authFailures = -1 // no limit
	}
	apiServer := httpapi.NewServer(httpapi.Config{
		Store:            db,
		Instances:        eng,
		Topics:           ops,
		Users:            ops,
		Reassign:         ops,
		Brokers:          ops,
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
	srv := &http.Server{
		Handler: apiServer,
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

	fmt.Fprintf(stdout, "dmsd: credentials in %s\n", credPath)
	for _, c := range creds {
		fmt.Fprintf(stdout, "dmsd: access key %s for project %s (user %s)\n", c.AccessKey, c.ProjectID, c.UserName)
	}
	fmt.Fprintf(stdout, "dmsd: replica %s, database %s\n", replica, db.String())

	serveErr := make(chan error, 2)
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-listen: %w", err)
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
		defer msrv.Close()
		fmt.Fprintf(stdout, "dmsd: metrics on http://%s/metrics\n", mln.Addr())
		go func() {
			if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				serveErr <- fmt.Errorf("metrics listener: %w", err)
			}
		}()
	}
	fmt.Fprintf(stdout, "dmsd: listening on http://%s\n", ln.Addr())

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
