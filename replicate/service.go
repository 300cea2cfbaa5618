// Package replicate runs Smart Connect's Kafka replicator: the operations on
// replication tasks (Service) and the durable worker that copies records
// between an instance and its peer (Worker).
package replicate

import (
	"context"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Store is what replication keeps: instances and connect tasks.
type Store interface {
	dmsd.InstanceStore
	dmsd.ConnectStore
}

// Opener gives the franz-go options that reach a cluster.
type Opener interface {
	// ClientOpts returns the options that reach inst's cluster.
	ClientOpts(inst *dmsd.Instance) ([]kgo.Opt, error)
	// PeerOpts returns the options that reach a cluster by its bootstrap
	// servers, through the address policy of external clusters.
	PeerOpts(servers []string) []kgo.Opt
}

// Service serves the operations on replication tasks and the enabling and
// disabling of Smart Connect, which it leaves to connectors after its own
// checks.
type Service struct {
	store      Store
	open       Opener
	connectors dmsd.ConnectorService
	// Wake, when set, is called once a task was created, resumed, paused
	// or deleted, so that this process's Worker acts on it at once.
	Wake func()
}

var (
	_ dmsd.ConnectTaskService = (*Service)(nil)
	_ dmsd.ConnectorService   = (*Service)(nil)
)

// NewService returns the Service of store, reaching clusters through open.
func NewService(store Store, open Opener, connectors dmsd.ConnectorService) *Service {
	return &Service{store: store, open: open, connectors: connectors}
}

// EnableConnector starts the task that enables Smart Connect; see
// dmsd.ConnectorService.
func (s *Service) EnableConnector(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return s.connectors.EnableConnector(ctx, actor, instanceID)
}

// DisableConnector starts the task that disables Smart Connect. It returns
// ECONNECTORON while the instance has replication tasks, which would
// otherwise stop without being deleted, and the errors of
// dmsd.ConnectorService.
func (s *Service) DisableConnector(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	if _, err := s.store.FindInstance(ctx, actor.ProjectID, instanceID); err != nil {
		return nil, err
	}
	tasks, err := s.store.ListConnectTasks(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	if len(tasks) > 0 {
		return nil, dmsd.Errorf(dmsd.ECONNECTORON, "Smart Connect of this instance still has %d tasks: delete them first.", len(tasks))
	}
	return s.connectors.DisableConnector(ctx, actor, instanceID)
}

// connected returns the instance if Smart Connect is enabled on it: the
// store's EINSTANCENOTFOUND, or ECONNECTOROFF.
func (s *Service) connected(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Instance, error) {
	inst, err := s.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if inst.ConnectorID == "" {
		return nil, dmsd.Errorf(dmsd.ECONNECTOROFF, "Smart Connect is not enabled for this instance: enable it first (CreateConnector).")
	}
	return inst, nil
}

// CreateConnectTask validates t and records it, RUNNING (the worker picks it
// up within a second) or WAITING when startLater. It returns EINVALID,
// ECONNECTOROFF, ECONNECTPEER for a peer that is this instance or not one of
// the project's, the replay check's error and the store's.
func (s *Service) CreateConnectTask(ctx context.Context, actor dmsd.Actor, t *dmsd.ConnectTask, startLater bool) error {
	if _, err := s.connected(ctx, actor, t.InstanceID); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if err := s.checkPeer(ctx, actor, t.InstanceID, &t.Peer); err != nil {
		return err
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	t.ID, t.ProjectID, t.CreatedAt = dmsd.NewID(), actor.ProjectID, dmsd.Now()
	t.Status = dmsd.ConnectRunning
	if startLater {
		t.Status = dmsd.ConnectWaiting
	}
	return s.woken(s.store.CreateConnectTask(ctx, t))
}

// woken calls Wake, if set, unless err, and returns err.
func (s *Service) woken(err error) error {
	if err == nil && s.Wake != nil {
		s.Wake()
	}
	return err
}

// checkPeer returns ECONNECTPEER for a peer instance that is the task's own
// or is not in the project, and the errors of dmsd.ConnectPeer.LoginFor.
func (s *Service) checkPeer(ctx context.Context, actor dmsd.Actor, instanceID string, p *dmsd.ConnectPeer) error {
	if p.InstanceID == "" {
		return nil
	}
	if p.InstanceID == instanceID {
		return dmsd.Errorf(dmsd.ECONNECTPEER, "The peer of a replication task must be another instance.")
	}
	peer, err := s.store.FindInstance(ctx, actor.ProjectID, p.InstanceID)
	if err != nil {
		if dmsd.ErrorCode(err) == dmsd.EINSTANCENOTFOUND {
			return dmsd.Errorf(dmsd.ECONNECTPEER, "The peer instance %s does not exist in this project.", p.InstanceID)
		}
		return err
	}
	return p.LoginFor(peer)
}

// ListConnectTasks returns an instance's tasks, or ECONNECTOROFF.
func (s *Service) ListConnectTasks(ctx context.Context, actor dmsd.Actor, instanceID string) ([]*dmsd.ConnectTask, error) {
	if _, err := s.connected(ctx, actor, instanceID); err != nil {
		return nil, err
	}
	return s.store.ListConnectTasks(ctx, instanceID)
}

// ShowConnectTask returns a task with its lag behind its sources (see
// lag), or ECONNECTTASKNOTFOUND.
func (s *Service) ShowConnectTask(ctx context.Context, actor dmsd.Actor, instanceID, taskID string) (*dmsd.ConnectTask, error) {
	t, err := s.store.FindConnectTask(ctx, actor.ProjectID, instanceID, taskID)
	if err != nil {
		return nil, err
	}
	t.Lag = s.lag(ctx, t)
	return t, nil
}

// SetConnectRunning pauses a task (run false), whose worker stops within a
// second, or resumes it from its offsets. It returns ECONNECTTASKNOTFOUND,
// ECONNECTOROFF and the replay check's error.
func (s *Service) SetConnectRunning(ctx context.Context, actor dmsd.Actor, instanceID, taskID string, run bool) error {
	if _, err := s.connected(ctx, actor, instanceID); err != nil {
		return err
	}
	t, err := s.store.FindConnectTask(ctx, actor.ProjectID, instanceID, taskID)
	if err != nil {
		return err
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	status := dmsd.ConnectPaused
	if run {
		if t.Status == dmsd.ConnectRunning || t.Status == dmsd.ConnectError {
			// Running already: its worker goes on, or retries by itself.
			return nil
		}
		status = dmsd.ConnectRunning
	}
	return s.woken(s.store.SetConnectStatus(ctx, t.ID, status, ""))
}

// DeleteConnectTask deletes a task and its offsets; its worker stops within
// a second. It returns ECONNECTTASKNOTFOUND and the replay check's error.
func (s *Service) DeleteConnectTask(ctx context.Context, actor dmsd.Actor, instanceID, taskID string) error {
	t, err := s.store.FindConnectTask(ctx, actor.ProjectID, instanceID, taskID)
	if err != nil {
		return err
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	return s.woken(s.store.DeleteConnectTask(ctx, t.ID))
}

// ValidatePeer connects to the peer p names as a task of instanceID would
// and asks for its brokers. It returns EINSTANCENOTFOUND, ECONNECTOROFF,
// ECONNECTPEER for a peer refused or not reachable within 10 seconds.
func (s *Service) ValidatePeer(ctx context.Context, actor dmsd.Actor, instanceID string, p *dmsd.ConnectPeer) error {
	if _, err := s.connected(ctx, actor, instanceID); err != nil {
		return err
	}
	if err := p.ValidateLogin(); err != nil {
		return err
	}
	if err := s.checkPeer(ctx, actor, instanceID, p); err != nil {
		return err
	}
	t := &dmsd.ConnectTask{ProjectID: actor.ProjectID, InstanceID: instanceID, Peer: *p}
	opts, err := peerOpts(ctx, s.store, s.open, t)
	if err != nil {
		return dmsd.Errorf(dmsd.ECONNECTPEER, "The peer cannot be reached.")
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return dmsd.Errorf(dmsd.ECONNECTPEER, "The peer cannot be reached.")
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).BrokerMetadata(ctx); err != nil {
		return &dmsd.Error{Code: dmsd.ECONNECTPEER, Message: "The peer cannot be reached: its brokers did not answer (or its address is not allowed).", Err: err}
	}
	return nil
}

// peerOpts returns the options that reach t's peer: another instance, or
// bootstrap servers through the address policy, as the task's login when it
// has one (see peerLogin).
func peerOpts(ctx context.Context, store Store, open Opener, t *dmsd.ConnectTask) ([]kgo.Opt, error) {
	if t.Peer.InstanceID != "" {
		inst, err := store.FindInstance(ctx, t.ProjectID, t.Peer.InstanceID)
		if err != nil {
			return nil, err
		}
		return open.ClientOpts(peerLogin(inst, &t.Peer))
	}
	if t.Peer.HasLogin() {
		return open.ClientOpts(peerCluster(&t.Peer))
	}
	return open.PeerOpts(t.Peer.BootstrapServers), nil
}
