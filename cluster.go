package dmsd

import "context"

// Clusters gives each instance its Kafka cluster: one dmsd runs (embedded)
// or one that already exists elsewhere (external). It is the only place that
// tells one from the other; each Cluster answers for itself what it cannot
// do.
type Clusters interface {
	// For returns the cluster of inst. It returns an error only when no
	// implementation serves instances of inst's kind.
	For(inst *Instance) (Cluster, error)
}

// Cluster is everything dmsd does with one instance's cluster. Every method
// that changes something is idempotent, so that a task step that calls it
// may be repeated after a crash.
type Cluster interface {
	Lifecycle
	Admin
	PartitionAdmin
	Inspector
	QuotaAdmin
}

// Change names a change of an instance that not every cluster can undergo.
// Its value is how an EEXTERNAL refusal names it.
type Change string

const (
	// RunBrokers is running the cluster's brokers in dmsd, as each
	// process start does for the instances it hosts.
	RunBrokers Change = "running its brokers"
	// RestartBrokers is restartInstance.
	RestartBrokers Change = "restarting its brokers"
	// SetAutoTopic is modifyAutoTopic.
	SetAutoTopic Change = "changing automatic topic creation, which restarts the brokers,"
	// Extend is extendInstance.
	Extend Change = "extending its specifications"
	// SwitchSSL is kafkaSslSwitch.
	SwitchSSL Change = "switching SSL, which restarts the brokers' listeners,"
	// SetStaticConfig is a kafkaConfigModify that sets a static
	// parameter, which takes effect at the brokers' next start.
	SetStaticConfig Change = "changing a static Kafka parameter, which needs a broker restart,"
)

// Lifecycle starts, stops, checks and removes a cluster.
type Lifecycle interface {
	// Admit checks a new instance against what this cluster can be and
	// fills in the defaults it decides, calling validate (the domain's
	// checks of the request) in between; checks that need the network come
	// last. It returns EEXTERNAL for a setting the cluster cannot have,
	// validate's error, or EADDRREFUSED for an external cluster where
	// external instances may not point.
	Admit(ctx context.Context, inst *Instance, validate func() error) error
	// Allows returns nil if the cluster can undergo c, and EEXTERNAL
	// naming c if it cannot.
	Allows(c Change) error
	// StartCluster starts the cluster of inst, or returns its endpoint if it
	// already runs. It starts inst.BrokerNum brokers on inst.Ports when those
	// are set and on free ports otherwise.
	StartCluster(ctx context.Context, inst *Instance) (Endpoint, error)
	// StopCluster stops the cluster of an instance, keeping its data. Stopping
	// a cluster that does not run is not an error.
	StopCluster(ctx context.Context, instanceID string) error
	// DestroyCluster stops the cluster of an instance and removes its data.
	DestroyCluster(ctx context.Context, instanceID string) error
	// CheckCluster returns an error unless a Kafka client reaches the
	// running cluster of inst and sees all inst.BrokerNum brokers.
	CheckCluster(ctx context.Context, inst *Instance) error
}

// Admin is the topic, configuration, user, permission, group, broker and
// message operations on a running cluster.
type Admin interface {
	TopicAdmin
	UserAdmin
	BrokerLister
	GroupAdmin
	MessageAdmin
	// SASLUsers returns nil if inst's cluster has SASL users, and
	// ESASLDISABLED if it has none.
	SASLUsers(inst *Instance) error
	// ScramLogin returns nil if users created through the API, which get
	// SCRAM-SHA-512 credentials, can log in to inst's cluster, and EINVALID
	// if its mechanisms do not include SCRAM-SHA-512.
	ScramLogin(inst *Instance) error
}
