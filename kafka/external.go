package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

// Ensure External implements dmsd.Cluster.
var _ dmsd.Cluster = (*External)(nil)

// External is the dmsd.Cluster of instances that stand for an existing
// Kafka cluster (inst.External): dmsd runs nothing for them and reaches the
// cluster through its bootstrap servers, as the configured SASL user, every
// connection checked against the address policy. Its topic, configuration,
// user and permission operations are the same kadm code as Embedded's, run
// against that cluster. It keeps nothing on disk: what dmsd knows of its
// users is in the instance record (dmsd.Instance.UserNotes); only the
// users.json files of earlier versions may remain, until ImportUserNotes
// moves them there.
type External struct {
	kadmin
	logger *slog.Logger
	// policy decides where clients of external clusters may connect; nil
	// refuses every address.
	policy *dmsd.AddressPolicy
}

// NewExternal returns an External that finds what earlier versions kept
// about each instance in filepath.Join(dataDir, instanceID) and connects only where
// policy allows, checked at every dial; a nil policy allows nothing. A nil
// logger discards its messages.
func NewExternal(dataDir string, policy *dmsd.AddressPolicy, logger *slog.Logger) *External {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	x := &External{logger: logger, policy: policy}
	x.kadmin = kadmin{
		dataDir: dataDir,
		connect: x.connect,
		dial:    x.dial,
		// An external cluster reached with SASL has users of its own.
		hasSASL: func(inst *dmsd.Instance) bool {
			return inst.SASLEnabled() || (inst.External != nil && inst.External.SASLMechanism != "")
		},
		// Its mechanisms are its own: the SCRAM-SHA-512 credential is
		// created there for whoever logs in with it.
		scram: func(*dmsd.Instance) bool { return true },
		accessUser: func(inst *dmsd.Instance) string {
			if inst.External == nil {
				return inst.AccessUser
			}
			return inst.External.Username
		},
	}
	return x
}

// checkTimeout bounds the check of an external instance's bootstrap
// servers at create time.
const checkTimeout = 5 * time.Second

// Admit checks the external cluster's settings and refuses what dmsd
// cannot do to a cluster it does not run (EEXTERNAL for an access user or
// ssl_enable), takes 1 broker until the cluster's metadata says how many,
// calls validate, and last returns EADDRREFUSED unless every bootstrap
// server is an address that external instances may have.
func (x *External) Admit(ctx context.Context, inst *dmsd.Instance, validate func() error) error {
	if inst.External == nil {
		return fmt.Errorf("admit %s: not an external cluster", inst.Name)
	}
	if err := inst.External.Validate(); err != nil {
		return err
	}
	if inst.AccessUser != "" {
		return dmsd.ErrExternal("creating the SASL access user")
	}
	if inst.SSLEnabled {
		return dmsd.ErrExternal("ssl_enable, which sets the brokers' listeners,")
	}
	if inst.BrokerNum == 0 {
		// Taken from the cluster's metadata when the task connects.
		inst.BrokerNum = 1
	}
	if err := validate(); err != nil {
		return err
	}
	// One budget for all the look-ups, so that a create request never
	// waits long on slow names.
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	for _, s := range inst.External.BootstrapServers {
		if _, err := x.policy.Check(ctx, s); err != nil {
			x.logger.Debug("external bootstrap server refused", "server", s, "error", err)
			return err
		}
	}
	return nil
}

// Allows returns EEXTERNAL naming c: every dmsd.Change needs brokers that
// dmsd runs.
func (x *External) Allows(c dmsd.Change) error { return dmsd.ErrExternal(string(c)) }

// StartCluster starts nothing: it connects to the external cluster and
// returns, in Brokers, how many brokers its metadata lists, and the record's
// own ports and CA, as dmsd keeps none for a cluster it does not run. It
// returns EUNREACHABLE, whose message does not tell why, if the cluster
// cannot be reached in connectTimeout, is not where external clusters may
// be, does not speak Kafka or refuses the credentials; the cause is logged.
func (x *External) StartCluster(ctx context.Context, inst *dmsd.Instance) (dmsd.Endpoint, error) {
	if inst.External == nil {
		return dmsd.Endpoint{}, fmt.Errorf("start cluster %s: not an external cluster", inst.ID)
	}
	n, err := x.BrokerCount(ctx, inst)
	if err != nil {
		return dmsd.Endpoint{}, err
	}
	return dmsd.Endpoint{Ports: inst.Ports, CACert: inst.SSLCACert, Brokers: n}, nil
}

// connectTimeout bounds StartCluster's and CheckCluster's first request to
// the external cluster, so that a cluster that cannot be reached fails its
// task within seconds.
const connectTimeout = 5 * time.Second

// BrokerCount returns the number of brokers the external cluster's metadata
// lists, asked within connectTimeout. Every failure is EUNREACHABLE with the
// same message and comes when connectTimeout has passed, so that neither the
// outcome nor its time maps a port; the cause goes to the log. When ctx ends
// first it returns ctx's error.
func (x *External) BrokerCount(ctx context.Context, inst *dmsd.Instance) (int, error) {
	rctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	n, err := x.kadmin.BrokerCount(rctx, inst)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err() // shutting down: the step is resumed, not failed
		}
		x.logger.Warn("external cluster unreachable", "instance_id", inst.ID, "error", err)
		// Every failure takes the whole timeout, so that its time does not
		// tell a closed port from one that never answers.
		<-rctx.Done()
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, dmsd.ErrUnreachable(err)
	}
	return n, nil
}

// StopCluster does nothing: dmsd does not run an external cluster.
func (x *External) StopCluster(context.Context, string) error { return nil }

// DestroyCluster removes what earlier versions kept on disk about the
// instance and leaves the external cluster and its data alone.
func (x *External) DestroyCluster(_ context.Context, instanceID string) error {
	if err := checkID(instanceID); err != nil {
		return err
	}
	return os.RemoveAll(x.instanceDir(instanceID))
}

// CheckCluster returns nil if the external cluster's metadata lists
// inst.BrokerNum brokers.
func (x *External) CheckCluster(ctx context.Context, inst *dmsd.Instance) error {
	n, err := x.BrokerCount(ctx, inst)
	if err != nil {
		return err
	}
	if n != inst.BrokerNum {
		return fmt.Errorf("check external cluster of %s: metadata lists %d brokers, want %d", inst.ID, n, inst.BrokerNum)
	}
	return nil
}

// Close does nothing: no cluster runs.
func (x *External) Close() error { return nil }

// connect returns an admin client connected to inst's external cluster,
// whose every connection goes through the address policy.
func (x *External) connect(inst *dmsd.Instance) (*kadm.Client, func(), error) {
	cl, err := x.dial(inst)
	if err != nil {
		return nil, nil, err
	}
	return kadm.NewClient(cl), cl.Close, nil
}

// dial returns a Kafka client of inst's external cluster with the extra
// options, whose every connection goes through the address policy.
func (x *External) dial(inst *dmsd.Instance, extra ...kgo.Opt) (*kgo.Client, error) {
	if inst.External == nil {
		return nil, fmt.Errorf("connect to %s: not an external cluster", inst.ID)
	}
	opts := append(append(x.guardOpts(), externalSASL(inst.External)...), extra...)
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(inst.External.BootstrapServers...))...)
	if err != nil {
		return nil, fmt.Errorf("connect to external cluster of %s: %w", inst.ID, err)
	}
	return cl, nil
}

// externalSASL returns the client options that log in to an external
// cluster with its configured mechanism.
func externalSASL(x *dmsd.ExternalCluster) []kgo.Opt {
	switch x.SASLMechanism {
	case "PLAIN":
		return []kgo.Opt{kgo.SASL(plain.Auth{User: x.Username, Pass: x.Password}.AsMechanism())}
	case "SCRAM-SHA-256":
		return []kgo.Opt{kgo.SASL(scram.Auth{User: x.Username, Pass: x.Password}.AsSha256Mechanism())}
	case "SCRAM-SHA-512":
		return []kgo.Opt{kgo.SASL(scram.Auth{User: x.Username, Pass: x.Password}.AsSha512Mechanism())}
	}
	return nil
}
