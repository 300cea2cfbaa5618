package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

// Ensure External and Router implement dmsd.ClusterService.
var (
	_ dmsd.ClusterService = (*External)(nil)
	_ dmsd.ClusterService = (*Router)(nil)
)

// External is a dmsd.ClusterService for instances that stand for an existing
// Kafka cluster (inst.External): dmsd runs nothing for them and reaches the
// cluster through its bootstrap servers, as the configured SASL user. Every
// topic, configuration, user and permission operation is the embedded
// engine's kadm code run against that cluster (Embedded.admin connects to
// inst.External). Its only state on disk is dmsd's own: the descriptions of
// the users created through the API, in dataDir/<instance id>/users.json.
type External struct {
	*Embedded // runs no cluster: only its TopicAdmin and UserAdmin methods are used
}

// NewExternal returns an External that keeps dmsd's own notes about each
// instance in filepath.Join(dataDir, instanceID) and connects only where
// policy allows, checked at every dial; a nil policy allows nothing.
func NewExternal(dataDir string, policy *dmsd.AddressPolicy, logger *slog.Logger) *External {
	x := &External{Embedded: NewEmbedded(dataDir, logger)}
	x.Embedded.external = policy
	return x
}

// StartCluster starts nothing: it connects to the external cluster and
// returns its first bootstrap server's host and the bootstrap servers'
// ports. It returns EUNREACHABLE, whose message does not tell why, if the
// cluster cannot be reached in connectTimeout, is not where external
// clusters may be, does not speak Kafka or refuses the credentials; the
// cause is logged.
func (x *External) StartCluster(ctx context.Context, inst *dmsd.Instance) (dmsd.Endpoint, error) {
	if inst.External == nil {
		return dmsd.Endpoint{}, fmt.Errorf("start cluster %s: not an external cluster", inst.ID)
	}
	if _, err := x.BrokerCount(ctx, inst); err != nil {
		return dmsd.Endpoint{}, err
	}
	var ep dmsd.Endpoint
	for _, s := range inst.External.BootstrapServers {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return dmsd.Endpoint{}, err
		}
		p, _ := strconv.Atoi(port)
		if ep.Host == "" {
			ep.Host = host
		}
		ep.Ports = append(ep.Ports, p)
	}
	return ep, nil
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
	n, err := x.Embedded.BrokerCount(rctx, inst)
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

// DestroyCluster removes dmsd's own notes about the instance and leaves the
// external cluster and its data alone.
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

// externalAdmin returns an admin client connected to inst's external
// cluster, whose every connection goes through the address policy.
func (e *Embedded) externalAdmin(inst *dmsd.Instance) (*kadm.Client, func(), error) {
	opts := append(e.guardOpts(), externalSASL(inst.External)...)
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(inst.External.BootstrapServers...))...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to external cluster of %s: %w", inst.ID, err)
	}
	return kadm.NewClient(cl), cl.Close, nil
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

// accessUserOf returns the user dmsd connects as and that the user
// operations protect: the access user, or an external cluster's user.
func accessUserOf(inst *dmsd.Instance) string {
	if inst.External != nil {
		return inst.External.Username
	}
	return inst.AccessUser
}

// Router is the dmsd.ClusterService that dmsd runs: it sends each instance to
// Embedded, or to External when the instance stands for an external cluster.
// The calls that name only an instance id go to both, which is safe: each
// treats an instance it does not know as stopped and without data.
type Router struct {
	Embedded *Embedded
	External *External
}

func (r *Router) pick(inst *dmsd.Instance) dmsd.ClusterService {
	if inst.External != nil {
		return r.External
	}
	return r.Embedded
}

func (r *Router) StartCluster(ctx context.Context, inst *dmsd.Instance) (dmsd.Endpoint, error) {
	return r.pick(inst).StartCluster(ctx, inst)
}

func (r *Router) StopCluster(ctx context.Context, instanceID string) error {
	if err := r.External.StopCluster(ctx, instanceID); err != nil {
		return err
	}
	return r.Embedded.StopCluster(ctx, instanceID)
}

func (r *Router) DestroyCluster(ctx context.Context, instanceID string) error {
	if err := r.External.DestroyCluster(ctx, instanceID); err != nil {
		return err
	}
	return r.Embedded.DestroyCluster(ctx, instanceID)
}

func (r *Router) CheckCluster(ctx context.Context, inst *dmsd.Instance) error {
	return r.pick(inst).CheckCluster(ctx, inst)
}

func (r *Router) Close() error {
	_ = r.External.Close()
	return r.Embedded.Close()
}

func (r *Router) BrokerCount(ctx context.Context, inst *dmsd.Instance) (int, error) {
	return r.pick(inst).BrokerCount(ctx, inst)
}

func (r *Router) CreateTopic(ctx context.Context, inst *dmsd.Instance, t *dmsd.Topic) error {
	return r.pick(inst).CreateTopic(ctx, inst, t)
}

func (r *Router) ListTopics(ctx context.Context, inst *dmsd.Instance) ([]*dmsd.Topic, error) {
	return r.pick(inst).ListTopics(ctx, inst)
}

func (r *Router) UpdateTopic(ctx context.Context, inst *dmsd.Instance, u *dmsd.TopicUpdate) error {
	return r.pick(inst).UpdateTopic(ctx, inst, u)
}

func (r *Router) DeleteTopics(ctx context.Context, inst *dmsd.Instance, names []string) (map[string]error, error) {
	return r.pick(inst).DeleteTopics(ctx, inst, names)
}

func (r *Router) AlterBrokerConfigs(ctx context.Context, inst *dmsd.Instance, configs map[string]string) (map[string]string, error) {
	return r.pick(inst).AlterBrokerConfigs(ctx, inst, configs)
}

func (r *Router) DescribeBrokerConfigs(ctx context.Context, inst *dmsd.Instance) (map[string]string, error) {
	return r.pick(inst).DescribeBrokerConfigs(ctx, inst)
}

func (r *Router) ListUsers(ctx context.Context, inst *dmsd.Instance) ([]dmsd.User, error) {
	return r.pick(inst).ListUsers(ctx, inst)
}

func (r *Router) CreateUser(ctx context.Context, inst *dmsd.Instance, user dmsd.User, password string) error {
	return r.pick(inst).CreateUser(ctx, inst, user, password)
}

func (r *Router) ResetUserPassword(ctx context.Context, inst *dmsd.Instance, name, password string) error {
	return r.pick(inst).ResetUserPassword(ctx, inst, name, password)
}

func (r *Router) DeleteUsers(ctx context.Context, inst *dmsd.Instance, names []string) error {
	return r.pick(inst).DeleteUsers(ctx, inst, names)
}

func (r *Router) SetTopicPolicies(ctx context.Context, inst *dmsd.Instance, p dmsd.TopicPolicies) error {
	return r.pick(inst).SetTopicPolicies(ctx, inst, p)
}

func (r *Router) TopicPolicies(ctx context.Context, inst *dmsd.Instance, topic string) ([]dmsd.UserPolicy, error) {
	return r.pick(inst).TopicPolicies(ctx, inst, topic)
}

func (r *Router) TopicExists(ctx context.Context, inst *dmsd.Instance, topic string) (bool, error) {
	return r.pick(inst).TopicExists(ctx, inst, topic)
}

func (r *Router) GroupState(ctx context.Context, inst *dmsd.Instance, group string) (string, error) {
	return r.pick(inst).GroupState(ctx, inst, group)
}

func (r *Router) ResetOffsets(ctx context.Context, inst *dmsd.Instance, o dmsd.OffsetReset) error {
	return r.pick(inst).ResetOffsets(ctx, inst, o)
}
