package dmsd

import (
	"context"
	"net"
	"time"
)

// InstanceRecycled is the status of a deleted instance kept in its project's
// recycle bin: its brokers are stopped and its data kept until it is restored
// or its retention ends. The reference names no such status (it has no page
// on the recycle bin); the instance list and ShowInstance do not show it.
const InstanceRecycled InstanceStatus = "RECYCLED"

// RecyclePolicy is a project's recycle bin policy: while Enabled, a deleted
// instance is kept for RetentionDays before it is removed for good.
type RecyclePolicy struct {
	Enabled       bool
	RetentionDays int
}

// DefaultRetentionDays is the retention of a project that never set one;
// MaxRetentionDays the longest one may set.
const (
	DefaultRetentionDays = 3
	MaxRetentionDays     = 7
)

// Validate returns EINVALID unless the retention is 1 to MaxRetentionDays.
func (p RecyclePolicy) Validate() error {
	if p.RetentionDays < 1 || p.RetentionDays > MaxRetentionDays {
		return Errorf(EINVALID, "Invalid request parameter: retention_days must be 1-%d.", MaxRetentionDays)
	}
	return nil
}

// RecycleStore keeps each project's recycle bin policy.
type RecycleStore interface {
	// RecyclePolicy returns the project's policy: disabled with
	// DefaultRetentionDays if it never set one. It returns EUNAVAILABLE when
	// the database is away.
	RecyclePolicy(ctx context.Context, projectID string) (RecyclePolicy, error)
	// SetRecyclePolicy records the project's policy. It returns
	// EUNAVAILABLE when the database is away.
	SetRecyclePolicy(ctx context.Context, projectID string, p RecyclePolicy) error
}

// LifecycleService runs the lifecycle operations beyond create and delete:
// the recycle bin, the access user's password, the engine version label and
// the advertised addresses.
type LifecycleService interface {
	// RecyclePolicy returns the actor's project's policy.
	RecyclePolicy(ctx context.Context, actor Actor) (RecyclePolicy, error)
	// SetRecyclePolicy validates and records the actor's project's policy.
	SetRecyclePolicy(ctx context.Context, actor Actor, p RecyclePolicy) error
	// RecycledInstances returns the project's instances in the recycle bin.
	RecycledInstances(ctx context.Context, actor Actor) ([]*Instance, error)
	// RestoreInstance starts restoreInstance on a recycled instance.
	RestoreInstance(ctx context.Context, actor Actor, instanceID string) (*Task, error)
	// ResetPassword changes the access user's password and restarts the
	// brokers with it, before it returns.
	ResetPassword(ctx context.Context, actor Actor, instanceID, password string) error
	// UpgradeInstance starts upgradeInstance, now or at at.
	UpgradeInstance(ctx context.Context, actor Actor, instanceID string, at time.Time) (*Task, error)
	// SetAdvertisedIPs records the addresses cross_vpc_info advertises for
	// the brokers' listeners, and returns the listeners with theirs.
	SetAdvertisedIPs(ctx context.Context, actor Actor, instanceID string, ips map[string]string) ([]AdvertisedIP, error)
	VolumeService
}

// AdvertisedIP is a listener's address and the one advertised for it.
type AdvertisedIP struct {
	Listener   string
	Advertised string
}

// Recycled reports whether the instance is in the recycle bin.
func (inst *Instance) Recycled() bool { return inst.Status == InstanceRecycled }

// LatestEngineVersion is the newest engine version label dmsd offers, the
// one UpgradeInstance moves to.
func LatestEngineVersion() string { return EngineVersions[len(EngineVersions)-1] }

// SystemActor is the actor of the tasks dmsd starts by itself in a project
// (the recycle bin's expiry).
func SystemActor(projectID string) Actor {
	return Actor{ProjectID: projectID, UserID: "system", UserName: "system"}
}

// AdvertisedIP returns the address advertised for the listener at addr
// (host:port): the one set for addr, else the one set for its host, else
// its host.
func (inst *Instance) AdvertisedIP(addr string) string {
	if v, ok := inst.AdvertisedIPs[addr]; ok {
		return v
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if v, ok := inst.AdvertisedIPs[host]; ok {
		return v
	}
	return host
}

// AccessPasswordResetter is a cluster whose access user's password dmsd can
// change: the embedded one.
type AccessPasswordResetter interface {
	// ResetAccessPassword stops inst's cluster and gives its access user
	// password, to be started with the instance's new password. It needs
	// neither the current password nor a running cluster, so it can run
	// again after an interruption; and the cluster's start gives the access
	// user the password the instance holds, so an instance record that
	// holds the new password is enough for the cluster to get it.
	ResetAccessPassword(ctx context.Context, inst *Instance, password string) error
}
