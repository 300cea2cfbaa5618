package dmsd

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"
)

// The statuses of a Smart Connect (replication) task, as ShowConnectorTask
// reports them.
const (
	// ConnectRunning: the task replicates, or will as soon as its worker
	// picks it up (within a second on the replica that owns it).
	ConnectRunning = "RUNNING"
	// ConnectPaused: the task was paused; its offsets stay, and resume
	// continues from them.
	ConnectPaused = "PAUSED"
	// ConnectWaiting: the task was created with start_later and has not
	// started: resume or restart starts it, pause makes it PAUSED. (The
	// Terraform provider's create waits for RUNNING or WAITING.)
	ConnectWaiting = "WAITING"
	// ConnectError: the task failed (Reason says why); its worker retries
	// by itself, and it is RUNNING again once a batch goes through.
	ConnectError = "ERROR"
)

// The replication directions, seen from the task's own instance: pull copies
// the peer's topics here, push copies this instance's topics to the peer,
// two-way does both.
const (
	DirectionPull   = "pull"
	DirectionPush   = "push"
	DirectionTwoWay = "two-way"
)

// KafkaReplicatorSource is the only source type dmsd runs: one that needs
// nothing but Kafka. The others (OBS dumps, DCS Redis) need cloud services
// dmsd does not have and are refused with ECONNECTTYPE.
const KafkaReplicatorSource = "KAFKA_REPLICATOR_SOURCE"

// MaxConnectTaskNum is the largest task_num a replication task may have: the
// number of consumer-producer loops each of its flows runs.
const MaxConnectTaskNum = 20

// ProvenanceHeader is the record header a replication task adds, when asked,
// naming the cluster a record was first written to; a task does not copy a
// record back to the cluster its header names, so two-way tasks do not loop.
const ProvenanceHeader = "dmsd-provenance"

// ConnectTask is a Smart Connect task of an instance: a Kafka replicator
// between the instance and a peer.
type ConnectTask struct {
	ID          string
	ProjectID   string
	InstanceID  string
	Name        string
	Topics      []string
	TopicsRegex string
	Peer        ConnectPeer
	Status      string
	// Reason says why the task is in ERROR.
	Reason    string
	CreatedAt time.Time
	// Duplicates is how many records the task may have written twice: the
	// records of batches sent to a target that the process did not see
	// acknowledged before it stopped.
	Duplicates int64
	// Lag is how far the task is behind its sources, computed when a task
	// is shown (ShowConnectTask); nil otherwise or when a source did not
	// answer.
	Lag []ConnectLag
}

// ConnectPeer is the other side of a replication task and how to copy, as
// the request's source_task says it.
type ConnectPeer struct {
	// CurrentClusterName and ClusterName are the aliases of this
	// instance's cluster and of the peer's, the prefixes of renamed topics.
	CurrentClusterName string `json:"current_cluster_name"`
	ClusterName        string `json:"cluster_name"`
	// InstanceID names a dmsd instance of the same project; otherwise
	// BootstrapServers name an external cluster.
	InstanceID          string   `json:"instance_id,omitempty"`
	BootstrapServers    []string `json:"bootstrap_servers,omitempty"`
	SecurityProtocol    string   `json:"security_protocol,omitempty"`
	Direction           string   `json:"direction"`
	SyncConsumerOffsets bool     `json:"sync_consumer_offsets_enabled"`
	ReplicationFactor   int      `json:"replication_factor"`
	TaskNum             int      `json:"task_num"`
	RenameTopic         bool     `json:"rename_topic_enabled"`
	ProvenanceHeader    bool     `json:"provenance_header_enabled"`
	ConsumerStrategy    string   `json:"consumer_strategy"`
	CompressionType     string   `json:"compression_type"`
	// TopicsMapping maps source topics to target names ("a:b,c:d").
	TopicsMapping string `json:"topics_mapping,omitempty"`
	// UserName, Password and SASLMechanism are the SASL login to the peer
	// (see ConnectPeer.ValidateLogin); the store seals Password at rest and
	// no answer shows it.
	UserName      string `json:"user_name,omitempty"`
	Password      string `json:"password,omitempty"`
	SASLMechanism string `json:"sasl_mechanism,omitempty"`
}

var connectNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)

// Validate checks a new task's name, topics and peer and fills in the
// defaults (direction pull, strategy latest, compression none, one worker,
// replication factor 3 clamped later to the target's brokers). It returns
// EINVALID naming the first wrong field.
func (t *ConnectTask) Validate() error {
	if !connectNamePattern.MatchString(t.Name) {
		return Errorf(EINVALID, "Invalid request parameter: task_name must be 4 to 64 letters, digits, - or _, starting with a letter.")
	}
	if (len(t.Topics) == 0) == (t.TopicsRegex == "") {
		return Errorf(EINVALID, "Invalid request parameter: give either topics or topics_regex.")
	}
	if t.TopicsRegex != "" {
		if _, err := regexp.Compile(t.TopicsRegex); err != nil {
			return Errorf(EINVALID, "Invalid request parameter: topics_regex is not a regular expression.")
		}
	}
	p := &t.Peer
	if (p.InstanceID == "") == (len(p.BootstrapServers) == 0) {
		return Errorf(EINVALID, "Invalid request parameter: source_task needs either instance_id or bootstrap_servers.")
	}
	for _, s := range p.BootstrapServers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return Errorf(EINVALID, "Invalid request parameter: bootstrap_servers must be host:port, comma-separated.")
		}
	}
	if p.Direction == "" {
		p.Direction = DirectionPull
	}
	if p.Direction != DirectionPull && p.Direction != DirectionPush && p.Direction != DirectionTwoWay {
		return Errorf(EINVALID, "Invalid request parameter: direction must be pull, push or two-way.")
	}
	if p.ConsumerStrategy == "" {
		p.ConsumerStrategy = "latest"
	}
	if p.ConsumerStrategy != "latest" && p.ConsumerStrategy != "earliest" {
		return Errorf(EINVALID, "Invalid request parameter: consumer_strategy must be earliest or latest.")
	}
	if p.CompressionType == "" {
		p.CompressionType = "none"
	}
	switch p.CompressionType {
	case "none", "gzip", "snappy", "lz4", "zstd":
	default:
		return Errorf(EINVALID, "Invalid request parameter: compression_type must be none, gzip, snappy, lz4 or zstd.")
	}
	if p.TaskNum == 0 {
		p.TaskNum = 1
	}
	if p.TaskNum < 1 || p.TaskNum > MaxConnectTaskNum {
		return Errorf(EINVALID, "Invalid request parameter: task_num must be 1-%d.", MaxConnectTaskNum)
	}
	if p.ReplicationFactor == 0 {
		p.ReplicationFactor = 3
	}
	if p.ReplicationFactor < 1 || p.ReplicationFactor > 20 {
		return Errorf(EINVALID, "Invalid request parameter: replication_factor must be 1-20.")
	}
	if p.RenameTopic && (p.ClusterName == "" || p.CurrentClusterName == "") {
		return Errorf(EINVALID, "Invalid request parameter: rename_topic_enabled needs cluster_name and current_cluster_name, the prefixes of renamed topics.")
	}
	if p.Direction == DirectionTwoWay && !p.ProvenanceHeader && !p.RenameTopic {
		// Without either, a record copied one way would be copied back.
		return Errorf(EINVALID, "Invalid request parameter: two-way replication needs provenance_header_enabled or rename_topic_enabled, or records would loop.")
	}
	if p.Direction == DirectionTwoWay && p.ProvenanceHeader && (p.ClusterName == "" || p.CurrentClusterName == "" || p.ClusterName == p.CurrentClusterName) {
		return Errorf(EINVALID, "Invalid request parameter: provenance headers in two-way mode need distinct cluster_name and current_cluster_name.")
	}
	if p.Direction == DirectionTwoWay && p.SyncConsumerOffsets && !p.RenameTopic {
		// On the same topic names each way, a group's offsets translated to
		// one side would be translated back as the other side's.
		return Errorf(EINVALID, "Invalid request parameter: sync_consumer_offsets_enabled in two-way replication needs rename_topic_enabled.")
	}
	if _, err := p.Mapping(); err != nil {
		return err
	}
	return p.ValidateLogin()
}

// Mapping returns TopicsMapping as source name to target name. It returns
// EINVALID for a malformed mapping.
func (p *ConnectPeer) Mapping() (map[string]string, error) {
	m := map[string]string{}
	if p.TopicsMapping == "" {
		return m, nil
	}
	for _, pair := range strings.Split(p.TopicsMapping, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || from == "" || to == "" {
			return nil, Errorf(EINVALID, "Invalid request parameter: topics_mapping must be source:target pairs, comma-separated.")
		}
		m[from] = to
	}
	return m, nil
}

// A ConnectFlow is one direction of a task: from the source side to the
// target side ("pull" reads the peer, "push" reads this instance).
type ConnectFlow struct {
	Name                 string
	FromPeer             bool
	SourceAlias, Target  string
	TargetAlias          string
	Rename, Provenance   bool
	ReplicationFactor    int
	Mapping              map[string]string
	Strategy, Compressed string
}

// Flows returns the directions the task copies in.
func (t *ConnectTask) Flows() []ConnectFlow {
	p := t.Peer
	m, _ := p.Mapping()
	pull := ConnectFlow{Name: DirectionPull, FromPeer: true, SourceAlias: p.ClusterName, TargetAlias: p.CurrentClusterName,
		Rename: p.RenameTopic, Provenance: p.ProvenanceHeader, ReplicationFactor: p.ReplicationFactor, Mapping: m,
		Strategy: p.ConsumerStrategy, Compressed: p.CompressionType}
	push := pull
	push.Name, push.FromPeer, push.SourceAlias, push.TargetAlias = DirectionPush, false, p.CurrentClusterName, p.ClusterName
	switch p.Direction {
	case DirectionPush:
		return []ConnectFlow{push}
	case DirectionTwoWay:
		return []ConnectFlow{pull, push}
	}
	return []ConnectFlow{pull}
}

// TargetTopic returns the name topic has on the flow's target: its mapped
// name, or the source alias and a dot before it when renaming.
func (f *ConnectFlow) TargetTopic(topic string) string {
	if to, ok := f.Mapping[topic]; ok {
		return to
	}
	if f.Rename {
		return f.SourceAlias + "." + topic
	}
	return topic
}

// Selects reports whether the task copies topic.
func (t *ConnectTask) Selects(topic string) bool {
	if t.TopicsRegex != "" {
		re, err := regexp.Compile("^(?:" + t.TopicsRegex + ")$")
		return err == nil && re.MatchString(topic)
	}
	for _, x := range t.Topics {
		if x == topic {
			return true
		}
	}
	return false
}

// ConnectOffset is where a flow of a task continues reading a source
// partition: the offset of the next record to copy, and where the last
// records it copied from the partition landed on its target.
type ConnectOffset struct {
	Flow      string
	Topic     string
	Partition int32
	Next      int64
	// Copied is the last run of records the flow copied from the
	// partition, as the target acknowledged them, saved with Next so that
	// consumer offsets are translated after a restart too; its Count is 0
	// when none is known (the task does not sync consumer offsets).
	Copied ConnectRun
}

// ConnectRun says that the source records at offsets Source to
// Source+Count-1 of a partition were written at the target offsets Target to
// Target+Count-1.
type ConnectRun struct {
	Source, Target, Count int64
}

// ConnectStore keeps Smart Connect tasks and their offsets.
type ConnectStore interface {
	// CreateConnectTask records a new task. Returns EINVALID if the
	// instance has a task of that name.
	CreateConnectTask(ctx context.Context, t *ConnectTask) error
	// FindConnectTask returns a task of an instance of a project. Returns
	// ECONNECTTASKNOTFOUND if there is none.
	FindConnectTask(ctx context.Context, projectID, instanceID, taskID string) (*ConnectTask, error)
	// ListConnectTasks returns an instance's tasks, oldest first, or every
	// task when instanceID is empty.
	ListConnectTasks(ctx context.Context, instanceID string) ([]*ConnectTask, error)
	// SetConnectStatus sets a task's status and reason. Returns
	// ECONNECTTASKNOTFOUND if the task is gone.
	SetConnectStatus(ctx context.Context, taskID, status, reason string) error
	// DeleteConnectTask deletes a task and its offsets; a task that is gone
	// is not an error.
	DeleteConnectTask(ctx context.Context, taskID string) error
	// ConnectOffsets returns a task's offsets.
	ConnectOffsets(ctx context.Context, taskID string) ([]ConnectOffset, error)
	// ReportConnectStatus sets the status a task's worker sees (RUNNING,
	// ERROR and its reason) unless the task was paused or deleted
	// meanwhile, which it reports as false.
	ReportConnectStatus(ctx context.Context, taskID, status, reason string) (bool, error)
	// BeginConnectBatch records that n records of a flow are being sent to
	// its target and not yet acknowledged.
	BeginConnectBatch(ctx context.Context, taskID, flow string, n int) error
	// CommitConnectBatch saves the offsets a flow's batch reached,
	// acknowledged by its target (each with its Copied run), and clears its count of unacknowledged
	// records, in one transaction.
	CommitConnectBatch(ctx context.Context, taskID, flow string, offsets []ConnectOffset) error
	// RecoverConnectBatch adds the records of a flow's batch that was never
	// acknowledged to the task's possible duplicates, as a worker starts.
	RecoverConnectBatch(ctx context.Context, taskID, flow string) error
	// UpdateConnectTask saves a task's name and settings (topics, peer).
	// Returns EINVALID if the instance has another task of that name,
	// ECONNECTTASKNOTFOUND if the task is gone.
	UpdateConnectTask(ctx context.Context, t *ConnectTask) error
}

// ConnectorService enables and disables Smart Connect on an instance, as
// background tasks.
type ConnectorService interface {
	// EnableConnector starts createConnector. Returns ECONNECTORON if
	// Smart Connect is enabled already, and SubmitTask's errors.
	EnableConnector(ctx context.Context, actor Actor, instanceID string) (*Task, error)
	// DisableConnector starts deleteConnector. Returns ECONNECTOROFF if it
	// is not enabled, ECONNECTORON while the instance has connect tasks.
	DisableConnector(ctx context.Context, actor Actor, instanceID string) (*Task, error)
}

// ConnectTaskService runs the operations on Smart Connect tasks.
type ConnectTaskService interface {
	// CreateConnectTask validates and records a task, RUNNING, or WAITING
	// when startLater. Returns EINVALID, ECONNECTOROFF, ECONNECTPEER,
	// ECONNECTTYPE.
	CreateConnectTask(ctx context.Context, actor Actor, t *ConnectTask, startLater bool) error
	// ListConnectTasks returns an instance's tasks.
	ListConnectTasks(ctx context.Context, actor Actor, instanceID string) ([]*ConnectTask, error)
	// ShowConnectTask returns a task with its lag, or ECONNECTTASKNOTFOUND.
	ShowConnectTask(ctx context.Context, actor Actor, instanceID, taskID string) (*ConnectTask, error)
	// ModifyConnectTask applies change to a task and returns it; a running
	// task restarts with its new settings. Returns EINVALID,
	// ECONNECTOROFF, ECONNECTTASKNOTFOUND.
	ModifyConnectTask(ctx context.Context, actor Actor, instanceID, taskID string, change *ConnectTaskChange) (*ConnectTask, error)
	// SetConnectRunning pauses (run false) or resumes/restarts a task.
	SetConnectRunning(ctx context.Context, actor Actor, instanceID, taskID string, run bool) error
	// DeleteConnectTask deletes a task, or returns ECONNECTTASKNOTFOUND.
	DeleteConnectTask(ctx context.Context, actor Actor, instanceID, taskID string) error
	// ValidatePeer connects to a peer as a task would. Returns
	// ECONNECTPEER if it cannot be reached.
	ValidatePeer(ctx context.Context, actor Actor, instanceID string, p *ConnectPeer) error
}

// ConnectTypeRefused returns the ECONNECTTYPE error of a source or sink type
// dmsd cannot run.
func ConnectTypeRefused(what, typ string) error {
	return Errorf(ECONNECTTYPE, "%s %s needs a cloud service this service does not run (OBS, DCS Redis); only %s tasks are supported.", what, typ, KafkaReplicatorSource)
}

// Runs reports whether t is to be run by its worker: every status but
// PAUSED and WAITING.
func (t *ConnectTask) Runs() bool { return connectStatusRuns(t.Status) }

// connectStatusRuns reports whether a task of status s is to be run by its
// worker (see Runs).
func connectStatusRuns(s string) bool { return s != ConnectPaused && s != ConnectWaiting }

func (t *ConnectTask) String() string { return fmt.Sprintf("connect task %s (%s)", t.ID, t.Name) }
