package dmsd

import (
	"context"
	"net"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// InstanceStatus is the status of an instance, as the API reports it.
type InstanceStatus string

const (
	// InstanceCreating is the status while createInstance runs.
	InstanceCreating InstanceStatus = "CREATING"
	// InstanceRunning: the cluster runs and takes operations.
	InstanceRunning InstanceStatus = "RUNNING"
	// InstanceError is the status a task that stops or starts the brokers
	// (creation, restart, deletion, a broker setting) leaves when it fails:
	// the cluster may not run; a restart or a deletion may follow.
	InstanceError InstanceStatus = "ERROR"
	// InstanceRestarting is the status while restartInstance runs.
	InstanceRestarting InstanceStatus = "RESTARTING"
	// InstanceDeleting is the status while deleteInstance runs; the record
	// is gone when it succeeds.
	InstanceDeleting InstanceStatus = "DELETING"
	// InstanceExtending is the status while extendInstance runs;
	// InstanceExtendFailed the status it leaves when it fails.
	InstanceExtending    InstanceStatus = "EXTENDING"
	InstanceExtendFailed InstanceStatus = "EXTENDEDFAILED"
)

// Instance is a Kafka instance: a cluster that dmsd runs, and the settings it
// was created with.
type Instance struct {
	ID              string
	ProjectID       string
	Name            string
	Description     string
	Engine          string
	EngineVersion   string
	BrokerNum       int
	StorageSpace    int
	StorageSpecCode string
	ProductID       string
	VpcID           string
	SubnetID        string
	SecurityGroupID string
	AvailableZones  []string
	MaintainBegin   string
	MaintainEnd     string
	EnableAutoTopic bool
	RetentionPolicy string
	Status          InstanceStatus
	UserID          string
	UserName        string
	// Ports are the brokers' listening ports on 127.0.0.1, fixed at the first
	// start so that clients and the cluster's own metadata stay valid across
	// restarts.
	Ports []int
	// Host is the replica that runs the instance's embedded cluster: its
	// tasks run there and nowhere else.
	Host      string
	CreatedAt time.Time
	// AccessUser, when set, is the SASL superuser the instance was created
	// with: its cluster then requires SASL and enforces ACLs.
	AccessUser string
	// AccessPassword is the access user's password, kept for the cluster
	// and for dmsd's own connections to it; no API answer shows it.
	AccessPassword string
	// SASLMechanisms are the mechanisms the access user may log in with:
	// PLAIN and/or SCRAM-SHA-512.
	SASLMechanisms []string
	// BrokerConfigs are the Kafka parameters set through the API (dynamic
	// and static), by name; the cluster gets them at every start.
	BrokerConfigs map[string]string
	// External, when set, makes the instance stand for an existing Kafka
	// cluster that dmsd does not run: dmsd only connects to it.
	External *ExternalCluster `json:",omitempty"`
	// UserNotes are what dmsd keeps about the SASL users created through
	// the API that Kafka does not, by user name. They live in the record,
	// not on the replica that served the request, so that every replica
	// shows them.
	UserNotes map[string]UserNote `json:",omitempty"`
	// SSLEnabled makes the brokers' listeners use TLS, with a certificate
	// dmsd generates for the instance and keeps in its data directory:
	// SASL_SSL on a SASL instance. It is not the API's ssl_enable, which
	// says whether SASL is on (AccessUser).
	SSLEnabled bool `json:",omitempty"`
	// SSLCACert is the PEM of the CA that signed the brokers' certificate,
	// recorded when the brokers start with TLS so that any replica can
	// serve it; empty while the listeners are plaintext.
	SSLCACert string `json:",omitempty"`
	// Tags are the key/value tags the instance was created with.
	Tags []Tag `json:",omitempty"`
	// VolumeExpand, when set, is the instance's automatic storage growth.
	VolumeExpand *VolumeExpand `json:",omitempty"`
	// GroupNotes are what dmsd keeps about consumer groups that Kafka does
	// not (descriptions, groups created through the API), by group name.
	GroupNotes map[string]GroupNote `json:",omitempty"`
	// RecycledAt is when the instance went to the recycle bin and
	// RecycleUntil when its retention ends; both zero outside the bin.
	RecycledAt   time.Time `json:",omitzero"`
	RecycleUntil time.Time `json:",omitzero"`
	// AdvertisedIPs are the addresses cross_vpc_info advertises, by
	// listener address (host:port) or listener IP, as the user set them.
	AdvertisedIPs map[string]string `json:",omitempty"`
	// ConnectorID is the id of the instance's Smart Connect, set while it
	// is enabled: replication tasks run only then.
	ConnectorID string `json:",omitempty"`
}

// Tag is a key/value tag of an instance.
type Tag struct {
	Key   string
	Value string
}

// ExternalCluster is where an external Kafka cluster is reached, and as whom.
type ExternalCluster struct {
	BootstrapServers []string
	// SASLMechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, or empty for
	// no SASL.
	SASLMechanism string
	Username      string
	// Password is kept for dmsd's connections; no API answer shows it.
	Password string
}

// MaxBootstrapServers is the most bootstrap servers an external cluster may
// list.
const MaxBootstrapServers = 10

// Validate returns an EINVALID *Error unless the external cluster's settings
// are usable.
func (x *ExternalCluster) Validate() error {
	if len(x.BootstrapServers) == 0 {
		return Errorf(EINVALID, "Invalid request parameter: external.bootstrap_servers is empty.")
	}
	if len(x.BootstrapServers) > MaxBootstrapServers {
		// Each is resolved and checked while the create request waits.
		return Errorf(EINVALID, "Invalid request parameter: external.bootstrap_servers can list at most %d servers.", MaxBootstrapServers)
	}
	for _, s := range x.BootstrapServers {
		host, port, err := net.SplitHostPort(s)
		if err != nil || host == "" || port == "" {
			return Errorf(EINVALID, "Invalid request parameter: external.bootstrap_servers must be host:port, not %q.", s)
		}
		// The port is answered as an int32 and must be one a client can dial.
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return Errorf(EINVALID, "Invalid request parameter: the port of %q must be 1-65535.", s)
		}
	}
	switch x.SASLMechanism {
	case "":
		if x.Username != "" || x.Password != "" {
			return Errorf(EINVALID, "Invalid request parameter: external.username and external.password require external.sasl_mechanism.")
		}
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if x.Username == "" || x.Password == "" {
			return Errorf(EINVALID, "Invalid request parameter: external.sasl_mechanism requires external.username and external.password.")
		}
	default:
		return Errorf(EINVALID, "Invalid request parameter: external.sasl_mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.")
	}
	return nil
}

// ErrExternal returns the EEXTERNAL error refusing op on an instance that
// stands for an external cluster.
func ErrExternal(op string) error {
	return Errorf(EEXTERNAL, "The instance stands for an external Kafka cluster that this service does not run: %s is not possible.", op)
}

// DefaultReplica is the replica id of a dmsd that was given none.
const DefaultReplica = "local"

var replicaPattern = regexp.MustCompile(`^[a-z0-9]+(?:[_-][a-z0-9]+)*$`)

// ValidReplicaID reports whether s can name a replica: 1 to 48 lowercase
// letters and digits, single underscores or hyphens between them.
func ValidReplicaID(s string) bool { return len(s) <= 48 && replicaPattern.MatchString(s) }

// SharedQueue is the job queue every replica works: the tasks of instances
// whose cluster any replica can reach (external clusters) go there.
const SharedQueue = "shared"

// Queue returns the job queue of the instance's tasks: its host's queue for
// an embedded cluster, which only the host runs, and SharedQueue for an
// external cluster, which every replica reaches.
func (inst *Instance) Queue() string {
	if inst.External != nil {
		return SharedQueue
	}
	return QueueOf(inst.Host)
}

// QueueOf returns the name of the job queue that the replica host works. The
// tasks of an instance go to its host's queue, because only that replica
// runs the instance's cluster.
func QueueOf(host string) string {
	if host == "" {
		host = DefaultReplica
	}
	return "replica_" + host
}

// MaxStorageSpace is the reference's largest storage_space in GB (of its
// largest flavor). It also keeps every storage figure an answer shows well
// inside the int32 that the SDK decodes them into.
const MaxStorageSpace = 1_500_000

var instanceNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)

var maintainWindowPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):00:00$`)

// Validate returns an *Error describing the first field of a new instance that
// the API refuses, or nil.
func (inst *Instance) Validate() error {
	switch {
	case !instanceNamePattern.MatchString(inst.Name):
		return Errorf(EINVALIDNAME, "Invalid instance name. The name must be 4 to 64 characters long, start with a letter and contain only letters, digits, underscores (_), and hyphens (-).")
	case utf8.RuneCountInString(inst.Description) > 1024:
		return Errorf(EINVALIDDESC, "The instance description can contain a maximum of 1024 characters.")
	case inst.Engine != "kafka":
		return Errorf(EINVALID, "engine must be kafka.")
	case inst.EngineVersion == "":
		return Errorf(EINVALID, "engine_version is required.")
	case inst.BrokerNum < 1 || inst.BrokerNum > 30:
		return Errorf(EINVALID, "broker_num must be between 1 and 30.")
	case inst.StorageSpace < 1 || inst.StorageSpace > MaxStorageSpace:
		return Errorf(EINVALIDDISK, "Invalid disk space. storage_space must be a positive number of GB, at most %d.", MaxStorageSpace)
	case inst.VpcID == "":
		return Errorf(EEMPTYVPC, "vpc_id in the request is empty.")
	case inst.SecurityGroupID == "":
		return Errorf(EEMPTYSECGROUP, "security_group_id in the request is empty.")
	case inst.SubnetID == "":
		return Errorf(EEMPTYSUBNET, "subnet_id in the request is empty.")
	case len(inst.AvailableZones) == 0 || len(inst.AvailableZones) == 2 || slices.Contains(inst.AvailableZones, ""):
		return Errorf(EINVALIDAZ, "The available_zones parameter in the request must hold the ID of 1 AZ, or of 3 or more.")
	case inst.ProductID == "":
		return Errorf(EINVALID, "product_id is required.")
	case inst.StorageSpecCode == "":
		return Errorf(EINVALID, "storage_spec_code is required.")
	case inst.RetentionPolicy != "time_base" && inst.RetentionPolicy != "produce_reject":
		return Errorf(EINVALID, "retention_policy must be time_base or produce_reject.")
	case (inst.MaintainBegin == "") != (inst.MaintainEnd == ""):
		return Errorf(EINVALIDWINDOW, "Invalid maintenance time window: maintain_begin and maintain_end go together.")
	case inst.MaintainBegin != "" && (!maintainWindowPattern.MatchString(inst.MaintainBegin) || !maintainWindowPattern.MatchString(inst.MaintainEnd)):
		return Errorf(EINVALIDWINDOW, "Invalid maintenance time window: use whole hours as HH:00:00.")
	}
	return validateTags(inst.Tags)
}

// ValidateOffer returns an *Error unless the zones and the product of a new
// instance are among those dmsd offers (AvailabilityZones, Products):
// EAZNOTFOUND, EINVALIDAZ, EINVALIDPRODUCT, ESPECCODE or EINVALID (broker_num
// outside the product's bounds). Only creation checks it, so that instances
// created before a flavor was withdrawn can still be updated.
func (inst *Instance) ValidateOffer() error {
	if err := validateZones(inst.AvailableZones); err != nil {
		return err
	}
	return validateProduct(inst.ProductID, inst.StorageSpecCode, inst.BrokerNum)
}

// KeepAPIFields sets inst's user notes, group notes, tags and automatic
// storage growth to cur's. The API changes these on the record at once,
// whatever task runs, and no task changes them, so a task's copy of the
// instance, read before, may hold older ones than cur, the record as it is.
func (inst *Instance) KeepAPIFields(cur *Instance) {
	inst.UserNotes, inst.GroupNotes, inst.Tags, inst.VolumeExpand = cur.UserNotes, cur.GroupNotes, cur.Tags, cur.VolumeExpand
}

// InstanceStore keeps instance records. Every method that takes a project id
// answers only for that project: an instance of another project is not found.
type InstanceStore interface {
	// FindInstance returns an instance. Returns EINSTANCENOTFOUND if it does
	// not exist in the project.
	FindInstance(ctx context.Context, projectID, instanceID string) (*Instance, error)

	// ListInstances returns a project's instances, newest first.
	ListInstances(ctx context.Context, projectID string) ([]*Instance, error)

	// ProjectUsage returns what a project holds, as the quota counts it
	// (Usage).
	ProjectUsage(ctx context.Context, projectID string) (Usage, error)

	// ListAllInstances returns every instance of every project, for the
	// engine to bring clusters up at start.
	ListAllInstances(ctx context.Context) ([]*Instance, error)

	// UpdateInstance saves an instance's mutable fields (status, ports,
	// automatic topic creation). Returns EINSTANCENOTFOUND if it does not
	// exist.
	UpdateInstance(ctx context.Context, inst *Instance) error

	// ModifyInstance reads an instance of a project, calls change with it
	// and saves what change left, in one transaction that no other change
	// of the instance interleaves with: what another change saved
	// meanwhile is neither lost nor overwritten. change must not use the
	// store. If it returns an error, nothing is saved and the error is
	// returned, except ErrUnchanged, which returns nil. Returns
	// EINSTANCENOTFOUND if the instance does not exist in the project.
	ModifyInstance(ctx context.Context, projectID, instanceID string, change func(*Instance) error) error

	// DeleteInstance deletes an instance and every task record of it.
	// Deleting an instance that does not exist is not an error, so that
	// the engine may repeat it.
	DeleteInstance(ctx context.Context, instanceID string) error
}

// Store is the whole of dmsd's state: the engine needs every part of it,
// diagnosis reports and instances' logs included.
type Store interface {
	InstanceStore
	TaskStore
	RequestLog
	DiagnosisStore
	LogStore
}

// InstanceService runs the operations that change instances. Each returns the
// background task that carries the operation out; errors are those of
// TaskStore.SubmitTask and the operation's validation.
type InstanceService interface {
	// CreateInstance validates inst and starts createInstance.
	CreateInstance(ctx context.Context, actor Actor, inst *Instance) (*Task, error)
	// RestartInstance starts restartInstance.
	RestartInstance(ctx context.Context, actor Actor, instanceID string) (*Task, error)
	// DeleteInstance starts deleteInstance, after which the instance and its
	// tasks are gone.
	DeleteInstance(ctx context.Context, actor Actor, instanceID string) (*Task, error)
	// SetAutoTopic starts modifyAutoTopic.
	SetAutoTopic(ctx context.Context, actor Actor, instanceID string, enable bool) (*Task, error)
	// ExtendInstance starts extendInstance.
	ExtendInstance(ctx context.Context, actor Actor, instanceID string, ext Extension) (*Task, error)
	// CheckExtendable returns the refusal an extension of the instance
	// gets whatever its parameters (ExtendInstance's own first checks), or
	// nil.
	CheckExtendable(ctx context.Context, actor Actor, instanceID string) error
	// SetSSL starts kafkaSslSwitch, which turns the access method protocol
	// on (enable) or off as Instance.SwitchProtocol decides and restarts
	// the brokers' listeners with TLS or without.
	SetSSL(ctx context.Context, actor Actor, instanceID, protocol string, enable bool) (*Task, error)

	// UpdateInstance changes the name, description and maintenance window in
	// place and, when the retention policy changes, starts
	// changeRetentionPolicy (the returned task, else nil).
	UpdateInstance(ctx context.Context, actor Actor, instanceID string, u *InstanceUpdate) (*Task, error)
	// ModifyConfigs validates the settings and starts kafkaConfigModify. It
	// returns the task and how many of the settings are dynamic and static.
	ModifyConfigs(ctx context.Context, actor Actor, instanceID string, settings []ConfigSetting) (task *Task, dynamic, static int, err error)
	// UpdateTopicPolicies starts updateTopicPolicies.
	UpdateTopicPolicies(ctx context.Context, actor Actor, instanceID string, topics []TopicPolicies) (*Task, error)
	// ResetOffsets starts kafkaResetConsumerOffset.
	ResetOffsets(ctx context.Context, actor Actor, instanceID string, r OffsetReset) (*Task, error)
	// Reassign checks the plan against the instance's current metadata
	// (topics, partitions and broker ids must exist) and starts
	// kafkaReassignment, now or, with req.ExecuteAt, as a scheduled task.
	// Nothing starts when a check fails.
	Reassign(ctx context.Context, actor Actor, instanceID string, req *ReassignRequest) (*Task, error)
}

// Extension is a specification change: OperType "storage" sets
// NewStorageSpace, "horizontal" sets NewBrokerNum (and NewStorageSpace when
// given).
type Extension struct {
	OperType        string
	NewStorageSpace int
	NewBrokerNum    int
}

// Endpoint is where a running cluster's brokers listen.
type Endpoint struct {
	Host  string
	Ports []int
	// CACert is the PEM of the CA that clients must trust when the brokers
	// listen with TLS, and empty when they listen in plaintext.
	CACert string
	// Brokers, when not 0, is how many brokers the cluster's metadata
	// lists, for a cluster whose brokers dmsd does not choose (an external
	// one): the instance record takes it as its broker number.
	Brokers int
}
