package engine

import (
	"context"
	"net"
	"sort"
	"strconv"
	"time"

	"github.com/dmsd/dmsd"
)

var _ dmsd.LifecycleService = (*Engine)(nil)

// upgradeParams are the params of upgradeInstance: the engine version label
// before and after.
type upgradeParams struct {
	CurrentVersion string `json:"current_version"`
	TargetVersion  string `json:"target_version"`
}

// upgradeInstance changes the instance's engine version label. kfake speaks
// one set of protocol versions whatever the label, so nothing else changes:
// the task records the label's change and checks the cluster answers.
var upgradeInstance = &Kind[upgradeParams]{
	Name:  "upgradeInstance",
	Needs: dmsd.RestartBrokers,
	From:  running,
	Steps: []Step[upgradeParams]{
		{"UPDATE_ENGINE_VERSION", saveEngineVersion},
		instanceStep[upgradeParams]("CHECK_CLUSTER", checkCluster),
	},
}

// saveEngineVersion records the target version label; saving it twice writes
// nothing.
func saveEngineVersion(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *upgradeParams) error {
	if inst.EngineVersion == p.TargetVersion {
		return nil
	}
	inst.EngineVersion = p.TargetVersion
	return d.store.UpdateInstance(ctx, inst)
}

// UpgradeInstance starts upgradeInstance to dmsd.LatestEngineVersion, at when
// (now when zero). It returns EEXTERNAL for an external cluster,
// EUPGRADESTATUS unless the instance is RUNNING, EUPGRADESAME when it has the
// latest version, and the store's errors.
func (e *Engine) UpgradeInstance(ctx context.Context, actor dmsd.Actor, instanceID string, when time.Time) (*dmsd.Task, error) {
	inst, err := e.allowed(ctx, actor, instanceID, upgradeInstance.Needs)
	if err != nil {
		return nil, err
	}
	if inst.Status != dmsd.InstanceRunning {
		return nil, dmsd.Errorf(dmsd.EUPGRADESTATUS, "Only running instances can be upgraded; this one is %s.", inst.Status)
	}
	target := dmsd.LatestEngineVersion()
	if inst.EngineVersion == target {
		return nil, dmsd.Errorf(dmsd.EUPGRADESAME, "The target version %s is the same as the current version.", target)
	}
	return submit(ctx, e, upgradeInstance, actor, instanceID, upgradeParams{CurrentVersion: inst.EngineVersion, TargetVersion: target}, at(when))
}

// ResetPassword changes the access user's password of a RUNNING SASL
// instance and restarts its brokers with it before it returns, as kfake
// takes its superuser's credentials at start only
// (dmsd.AccessPasswordResetter). It returns EEXTERNAL for
// an external cluster, ESASLDISABLED without SASL, EINSTANCESTATUS unless
// RUNNING, EINVALIDPASSWORD, ETASKRUNNING while a task of the instance runs,
// EREPLAYED, and the errors of the restart.
func (e *Engine) ResetPassword(ctx context.Context, actor dmsd.Actor, instanceID, password string) error {
	inst, err := e.allowed(ctx, actor, instanceID, dmsd.RestartBrokers)
	if err != nil {
		return err
	}
	if !inst.SASLEnabled() {
		return dmsd.Errorf(dmsd.ESASLDISABLED, "SASL is not enabled for this instance: it has no access user whose password could be reset.")
	}
	if inst.Status != dmsd.InstanceRunning {
		return dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; its password can be reset only while it is RUNNING.", inst.Status)
	}
	if err := dmsd.ValidatePassword(inst.AccessUser, password); err != nil {
		return err
	}
	// A task that runs may stop or start these brokers meanwhile. The
	// check is not atomic with the restart: it keeps a user's retry from
	// colliding with the running task, not a task started after it.
	if err := e.store.CheckIdle(ctx, actor.ProjectID, instanceID); err != nil {
		return err
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	c, err := e.clusters.For(inst)
	if err != nil {
		return err
	}
	r, ok := c.(dmsd.AccessPasswordResetter)
	if !ok {
		return dmsd.ErrExternal("resetting the access user's password")
	}
	ctx = context.WithoutCancel(ctx) // A restart half done is worse than a slow answer.
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	// The record takes the new password first: the cluster's start gives
	// the access user the password the record holds, so a dmsd that stops
	// anywhere after this write brings the cluster up with the new
	// password, and one that stops before it leaves both on the old one.
	// Changing the cluster first would leave it on a password no record
	// holds.
	inst.AccessPassword = password
	if err := (stepStore{e.store}).UpdateInstance(ctx, inst); err != nil {
		return err
	}
	if err := r.ResetAccessPassword(ctx, inst, password); err != nil {
		return err
	}
	if _, err := c.StartCluster(ctx, inst); err != nil {
		return err
	}
	return c.CheckCluster(ctx, inst)
}

// SetAdvertisedIPs records the addresses advertised for the brokers'
// listeners (keys: a listener's host:port as cross_vpc_info shows it, or its
// IP for every listener on it; values: IP addresses, or the key itself,
// which gives the listener back its own IP as the Terraform provider asks
// for every listener it is given no address for) and returns every
// listener with the address it advertises now. It returns EEXTERNAL for an
// external cluster, EINSTANCESTATUS unless RUNNING, EINVALID for a key that
// is no listener or a value that is no IP address, EREPLAYED, and the
// store's errors.
func (e *Engine) SetAdvertisedIPs(ctx context.Context, actor dmsd.Actor, instanceID string, ips map[string]string) ([]dmsd.AdvertisedIP, error) {
	inst, err := e.allowed(ctx, actor, instanceID, dmsd.RunBrokers)
	if err != nil {
		return nil, err
	}
	if inst.Status != dmsd.InstanceRunning {
		return nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; its advertised addresses can be changed only while it is RUNNING.", inst.Status)
	}
	if len(ips) == 0 {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: advertised_ip_contents is empty.")
	}
	listeners := make(map[string]bool, len(inst.Ports)+1)
	for _, p := range inst.Ports {
		listeners["127.0.0.1:"+strconv.Itoa(p)] = true
	}
	listeners["127.0.0.1"] = true
	keys, want := make([]string, 0, len(ips)), make(map[string]string, len(ips))
	for k, v := range ips {
		if host, _, err := net.SplitHostPort(k); err == nil && v == k {
			v = host
		}
		keys, want[k] = append(keys, k), v
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !listeners[k] {
			return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: %q is not a listener of the instance (127.0.0.1 or 127.0.0.1:PORT of a broker).", k)
		}
		if net.ParseIP(want[k]) == nil {
			return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the advertised address of %s must be an IP address, not %q.", k, want[k])
		}
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return nil, err
	}
	if inst.AdvertisedIPs == nil {
		inst.AdvertisedIPs = make(map[string]string, len(want))
	}
	for k, v := range want {
		inst.AdvertisedIPs[k] = v
	}
	if err := (stepStore{e.store}).UpdateInstance(ctx, inst); err != nil {
		return nil, err
	}
	out := make([]dmsd.AdvertisedIP, 0, len(inst.Ports))
	for _, p := range inst.Ports {
		l := "127.0.0.1:" + strconv.Itoa(p)
		out = append(out, dmsd.AdvertisedIP{Listener: l, Advertised: inst.AdvertisedIP(l)})
	}
	return out, nil
}
