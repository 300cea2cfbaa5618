// Package kafka runs the Kafka clusters behind dmsd's instances. Embedded runs
// each cluster in-process with franz-go's kfake, persisting its topics and
// records on disk so that they survive a restart of the cluster or of dmsd.
package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// Ensure Embedded implements dmsd.Cluster.
var _ dmsd.Cluster = (*Embedded)(nil)

// Embedded is a dmsd.Cluster that runs every instance's Kafka cluster
// in this process with kfake. Each instance keeps its data in its own
// directory below the data directory, named after the instance id. All
// methods are safe for concurrent use.
type Embedded struct {
	kadmin
	dataDir string
	logger  *slog.Logger

	// mu is held for the whole of a start, stop or destroy, not only for the
	// map access: two kfake clusters on one data directory would corrupt
	// it, and a destroy must not remove files under a cluster that is being
	// started. Starting and stopping take milliseconds, so serializing all
	// instances costs little.
	mu       sync.Mutex
	clusters map[string]*running
	closed   bool

	// taps pass the brokers' lines on to the instances' logs.
	taps brokerTaps
}

// running is a started cluster and the endpoint it listens on. The endpoint is
// read once at start because kfake's ListenAddrs blocks forever on a closed
// cluster, and because it never changes while the cluster runs.
type running struct {
	cluster  *kfake.Cluster
	endpoint dmsd.Endpoint
}

// NewEmbedded returns an Embedded that keeps each instance's data in
// filepath.Join(dataDir, instanceID) and logs kfake's messages at debug level
// to logger. A nil logger discards them. No cluster runs until StartCluster.
func NewEmbedded(dataDir string, logger *slog.Logger) *Embedded {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e := &Embedded{
		dataDir:  dataDir,
		logger:   logger,
		clusters: make(map[string]*running),
	}
	e.kadmin = kadmin{
		dataDir: dataDir,
		connect: e.connect,
		dial:    e.dial,
		hasSASL: (*dmsd.Instance).SASLEnabled,
		scram: func(inst *dmsd.Instance) bool {
			return slices.Contains(inst.SASLMechanisms, dmsd.MechanismScramSHA512)
		},
		accessUser: func(inst *dmsd.Instance) string { return inst.AccessUser },
		place:      e.placeMoves,
	}
	return e
}

// For returns e, or for an instance that stands for an external cluster an
// External that may connect nowhere: an Embedded used alone as the
// dmsd.Clusters admits no external instance (Clusters serves both).
func (e *Embedded) For(inst *dmsd.Instance) (dmsd.Cluster, error) {
	if inst.External != nil {
		return NewExternal(filepath.Join(e.dataDir, "external"), nil, e.logger), nil
	}
	return e, nil
}

// Admit calls validate: an embedded cluster can be whatever the domain
// allows.
func (e *Embedded) Admit(_ context.Context, _ *dmsd.Instance, validate func() error) error {
	return validate()
}

// Allows returns nil: dmsd runs the brokers and can make every change.
func (e *Embedded) Allows(dmsd.Change) error { return nil }

// StartCluster starts the cluster of inst with inst.BrokerNum brokers on
// 127.0.0.1 and returns where they listen, ports in broker order. The brokers
// listen on inst.Ports when it holds exactly inst.BrokerNum ports and on free
// ports otherwise. If the cluster already runs, StartCluster returns its
// endpoint without looking at inst's other fields. Topics and records of an
// earlier run are reloaded from the instance's data directory.
//
// It returns ctx's error if ctx is done before the start, a *dmsd.Error with
// code EUNAVAILABLE after Close, and an error if inst's id cannot name a
// directory, inst.BrokerNum is below 1, a port cannot be bound or the
// persisted data cannot be loaded.
func (e *Embedded) StartCluster(ctx context.Context, inst *dmsd.Instance) (dmsd.Endpoint, error) {
	if err := checkID(inst.ID); err != nil {
		return dmsd.Endpoint{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return dmsd.Endpoint{}, dmsd.Errorf(dmsd.EUNAVAILABLE, "The Kafka clusters are shutting down.")
	}
	if r, ok := e.clusters[inst.ID]; ok {
		return cloneEndpoint(r.endpoint), nil
	}
	if err := ctx.Err(); err != nil {
		return dmsd.Endpoint{}, err
	}
	if inst.BrokerNum < 1 {
		return dmsd.Endpoint{}, fmt.Errorf("start cluster %s: broker number %d is below 1", inst.ID, inst.BrokerNum)
	}

	// kfake reloads topics, records, groups, broker configs and the
	// cluster id from the data directory, but takes the number of brokers,
	// their ports and whether metadata requests may create topics from these
	// options on every start. So a changed EnableAutoTopic takes effect
	// with this start, and the brokers listen where inst says.
	opts := []kfake.Opt{
		kfake.NumBrokers(inst.BrokerNum),
		kfake.DataDir(e.instanceDir(inst.ID)),
		kfake.ClusterID(inst.ID),
		kfake.WithLogger(kfakeLogger{logger: e.logger.With("instance_id", inst.ID), taps: &e.taps, instanceID: inst.ID}),
	}
	if len(inst.Ports) == inst.BrokerNum {
		// kfake.Ports also sets the number of brokers, to len(inst.Ports),
		// which is why the ports are only passed when that agrees.
		opts = append(opts, kfake.Ports(inst.Ports...))
	}
	if inst.EnableAutoTopic {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	if len(inst.BrokerConfigs) > 0 {
		// Kafka parameters set through the API: static ones take effect
		// here, at the start; they override the persisted broker configs.
		opts = append(opts, kfake.BrokerConfigs(inst.BrokerConfigs))
	}
	opts = append(opts, saslOpts(inst)...)
	var caPEM []byte
	if inst.SSLEnabled {
		// Every broker's single listener then speaks TLS only.
		cert, ca, err := e.serverTLS(inst.ID)
		if err != nil {
			return dmsd.Endpoint{}, fmt.Errorf("start cluster %s: %w", inst.ID, err)
		}
		caPEM = ca
		opts = append(opts, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	}
	if err := e.syncAccessPassword(inst); err != nil {
		return dmsd.Endpoint{}, fmt.Errorf("start cluster %s: %w", inst.ID, err)
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return dmsd.Endpoint{}, fmt.Errorf("start cluster %s: %w", inst.ID, err)
	}
	endpoint, err := endpointOf(c.ListenAddrs())
	if err != nil {
		c.Close()
		return dmsd.Endpoint{}, fmt.Errorf("start cluster %s: %w", inst.ID, err)
	}
	endpoint.CACert = string(caPEM)
	e.clusters[inst.ID] = &running{cluster: c, endpoint: endpoint}
	e.logger.Info("kafka cluster started", "instance_id", inst.ID, "brokers", inst.BrokerNum, "ports", endpoint.Ports, "auto_topic", inst.EnableAutoTopic, "ssl", inst.SSLEnabled)
	return cloneEndpoint(endpoint), nil
}

// StopCluster stops the cluster of an instance, keeping its data for the next
// StartCluster. Stopping a cluster that does not run is not an error. It
// returns an error only if instanceID cannot name a directory. kfake writes
// the cluster's state to disk as it stops and logs, rather than returns, a
// failure to do so.
func (e *Embedded) StopCluster(_ context.Context, instanceID string) error {
	if err := checkID(instanceID); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopLocked(instanceID)
	return nil
}

// DestroyCluster stops the cluster of an instance and removes its data
// directory. Destroying a cluster that neither runs nor has data is not an
// error. It returns an error if instanceID cannot name a directory or the
// directory cannot be removed.
func (e *Embedded) DestroyCluster(_ context.Context, instanceID string) error {
	if err := checkID(instanceID); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopLocked(instanceID)
	if err := os.RemoveAll(e.instanceDir(instanceID)); err != nil {
		return fmt.Errorf("destroy cluster %s: %w", instanceID, err)
	}
	e.logger.Info("kafka cluster destroyed", "instance_id", instanceID)
	return nil
}

// CheckCluster connects a Kafka client to the running cluster of inst (as its
// access user on a SASL instance) and returns nil if the cluster's metadata
// lists inst.BrokerNum brokers. It returns an error if inst's id cannot name a directory, the cluster does not
// run, the metadata request fails (including ctx's error when ctx ends first)
// or the number of brokers differs.
func (e *Embedded) CheckCluster(ctx context.Context, inst *dmsd.Instance) error {
	if err := checkID(inst.ID); err != nil {
		return err
	}
	e.mu.Lock()
	r, ok := e.clusters[inst.ID]
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("check cluster %s: cluster is not running", inst.ID)
	}

	// The client goes through the network like any user's client would, so
	// that a check also catches listeners that are gone; the lock is not
	// held meanwhile because the request may take until ctx ends.
	seeds := make([]string, len(r.endpoint.Ports))
	for i, p := range r.endpoint.Ports {
		seeds[i] = net.JoinHostPort(r.endpoint.Host, strconv.Itoa(p))
	}
	tlsOpts, err := clientTLS(r.endpoint.CACert)
	if err != nil {
		return fmt.Errorf("check cluster %s: %w", inst.ID, err)
	}
	cl, err := kgo.NewClient(append(append(clientSASL(inst), tlsOpts...), kgo.SeedBrokers(seeds...))...)
	if err != nil {
		return fmt.Errorf("check cluster %s: %w", inst.ID, err)
	}
	defer cl.Close()
	md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil {
		return fmt.Errorf("check cluster %s: %w", inst.ID, err)
	}
	if len(md.Brokers) != inst.BrokerNum {
		return fmt.Errorf("check cluster %s: metadata lists %d brokers, want %d", inst.ID, len(md.Brokers), inst.BrokerNum)
	}
	return nil
}

// Close stops every cluster, keeping their data, and makes later StartCluster
// calls fail so that no cluster is left running behind a shutdown. It always
// returns nil; calling it again does nothing.
func (e *Embedded) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	for id := range e.clusters {
		e.stopLocked(id)
	}
	return nil
}

// stopLocked closes the cluster of id if it runs. e.mu must be held.
func (e *Embedded) stopLocked(id string) {
	r, ok := e.clusters[id]
	if !ok {
		return
	}
	delete(e.clusters, id)
	// Close closes the listeners before it returns, so the ports may be
	// bound again at once by the next start.
	r.cluster.Close()
	e.logger.Info("kafka cluster stopped", "instance_id", id)
}

func (e *Embedded) instanceDir(id string) string {
	return filepath.Join(e.dataDir, id)
}

// checkID returns an error unless id is a single path element. The id becomes
// a directory name below the data directory, and DestroyCluster removes that
// directory: an empty id or ".." would remove the data directory of every
// instance or its parent.
func checkID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`) || !filepath.IsLocal(id) {
		return fmt.Errorf("invalid instance id %q: not usable as a directory name", id)
	}
	return nil
}

// endpointOf returns the endpoint of kfake's listen addresses, which are
// host:port pairs in broker order, all on the same host.
func endpointOf(addrs []string) (dmsd.Endpoint, error) {
	if len(addrs) == 0 {
		return dmsd.Endpoint{}, errors.New("cluster listens on no address")
	}
	ep := dmsd.Endpoint{Ports: make([]int, 0, len(addrs))}
	for _, addr := range addrs {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return dmsd.Endpoint{}, fmt.Errorf("parse listen address %q: %w", addr, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return dmsd.Endpoint{}, fmt.Errorf("parse listen address %q: %w", addr, err)
		}
		ep.Host = host
		ep.Ports = append(ep.Ports, p)
	}
	return ep, nil
}

// cloneEndpoint returns a copy of ep so that a caller that changes the ports
// it was given cannot change the endpoint reported to the next caller.
func cloneEndpoint(ep dmsd.Endpoint) dmsd.Endpoint {
	ep.Ports = append([]int(nil), ep.Ports...)
	return ep
}

// kfakeLogger passes kfake's messages to slog at debug level: kfake logs
// every request at its own debug and info levels, which is noise for an
// operator of dmsd. kfake's level travels as an attribute.
type kfakeLogger struct {
	logger *slog.Logger
	// taps, when the instance's log of the brokers' lines is on, take
	// every message too.
	taps       *brokerTaps
	instanceID string
}

// Logf formats and logs a kfake message unless debug logging is off, in which
// case it skips the formatting, since kfake may log once per request. A
// tapped instance's sinks get the message whatever the level.
func (l kfakeLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	ctx := context.Background()
	if l.taps != nil {
		if sinks := l.taps.of(l.instanceID); len(sinks) > 0 {
			line := brokerLine(time.Now(), level, msg, args...)
			for _, sink := range sinks {
				sink(line)
			}
		}
	}
	if !l.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	l.logger.DebugContext(ctx, fmt.Sprintf(msg, args...), "kfake_level", level.String())
}
