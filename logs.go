package dmsd

import (
	"context"
	"encoding/json"
	"time"
)

// Log statuses, of an instance's log of either type.
const (
	// LogRunning: the log collects while its task is on.
	LogRunning = "RUNNING"
	// LogStopped: the log no longer collects; its entries are kept until
	// the next start or the instance's deletion.
	LogStopped = "STOPPED"
)

// RebalanceLog is an instance's rebalance log: what dmsd observed of its
// consumer groups while the log was on.
type RebalanceLog struct {
	ID, InstanceID       string
	Status               string
	CreatedAt, UpdatedAt time.Time
	// Entries are the observations, oldest first, at most a bounded
	// number: the oldest go first.
	Entries []RebalanceEntry
}

// RebalanceEntry is one observed change of a consumer group.
type RebalanceEntry struct {
	// Time is when dmsd observed the change, Unix milliseconds.
	Time  int64  `json:"time"`
	Group string `json:"group"`
	// Event is MEMBER_JOINED, MEMBER_LEFT or STATE_CHANGED.
	Event string `json:"event"`
	// Member is the member that joined or left.
	Member string `json:"member,omitempty"`
	// State is the group's state after the change.
	State string `json:"state"`
	// Generation counts the membership changes dmsd observed of the group
	// since the log started (DescribeGroups does not tell Kafka's own).
	Generation int `json:"generation"`
	// Members is how many members the group has after the change.
	Members int `json:"members"`
}

// DecodeRebalanceEntries returns the entries of a stored rebalance log
// (InstanceLog.Entries, each a RebalanceEntry as JSON), oldest first; an
// entry that does not decode is left out.
func DecodeRebalanceEntries(raw []string) []RebalanceEntry {
	out := make([]RebalanceEntry, 0, len(raw))
	for _, r := range raw {
		var e RebalanceEntry
		if json.Unmarshal([]byte(r), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// Rebalance log events.
const (
	EventMemberJoined = "MEMBER_JOINED"
	EventMemberLeft   = "MEMBER_LEFT"
	EventStateChanged = "STATE_CHANGED"
)

// LogService starts, shows and stops instances' logs: the rebalance log and
// the log of the brokers' lines.
type LogService interface {
	// StartRebalanceLog starts the task that turns the instance's
	// rebalance log on. It returns the task, EINSTANCESTATUS unless the
	// instance is RUNNING, ELOGRUNNING if the log is on, or SubmitTask's
	// errors.
	StartRebalanceLog(ctx context.Context, actor Actor, instanceID string) (*Task, error)
	// RebalanceLog returns the instance's rebalance log, ELOGNOTRUNNING if
	// it was never started, or EINSTANCENOTFOUND.
	RebalanceLog(ctx context.Context, actor Actor, instanceID string) (*RebalanceLog, error)
	// StopRebalanceLog starts the task that turns the log off. It returns
	// ELOGNOTRUNNING if the log is not on, or SubmitTask's errors.
	StopRebalanceLog(ctx context.Context, actor Actor, instanceID string) (*Task, error)
	// StartLogTask starts the task that turns the instance's log of type
	// typ on, naming fileName as its log file: for LogTypeRebalance it is
	// StartRebalanceLog. It returns EINVALID for another type,
	// ENOBROKERLOG for LogTypeTopic on a cluster whose brokers dmsd does
	// not run, and StartRebalanceLog's errors.
	StartLogTask(ctx context.Context, actor Actor, instanceID, typ, fileName string) (*Task, error)
	// LogTasks returns the instance's logs of type typ with their entries:
	// none, or the one last started. It returns EINVALID for another type
	// or EINSTANCENOTFOUND.
	LogTasks(ctx context.Context, actor Actor, instanceID, typ string) ([]*InstanceLog, error)
	// StopLogTask starts the task that turns the instance's log of type
	// typ off. It returns EINVALID for another type, ELOGNOTRUNNING if the
	// log is not on, EINSTANCENOTFOUND, or SubmitTask's errors.
	StopLogTask(ctx context.Context, actor Actor, instanceID, typ string) (*Task, error)
}

// Log types: what an instance's log task collects. An instance has at most
// one log of each type; starting one again replaces the one before.
const (
	// LogTypeRebalance is the rebalance log: what dmsd observes of the
	// instance's consumer groups (RebalanceEntry, stored as JSON).
	LogTypeRebalance = "REBALANCE"
	// LogTypeTopic is the log of the embedded brokers' own lines.
	LogTypeTopic = "topic_log"
)

// MaxLogLines bounds an instance's log of the brokers' lines: past it, the
// oldest lines go.
const MaxLogLines = 1000

// InstanceLog is an instance's log of one type as stored: the rebalance log
// or the brokers' lines.
type InstanceLog struct {
	ID, ProjectID, InstanceID string
	// Type is LogTypeRebalance or LogTypeTopic.
	Type string
	// Status is LogRunning or LogStopped.
	Status string
	// FileName is the log file the task was asked for (log_file_name).
	FileName string
	// Replica is the replica that collects the log while it is on.
	Replica              string
	CreatedAt, UpdatedAt time.Time
	// Entries are what was collected, oldest first, as recorded: a
	// RebalanceEntry as JSON, or a broker's line. ListRunningLogs and
	// FindLogHeader leave them out.
	Entries []string
}

// LogStore keeps instances' logs and their entries, so that a log answers
// the same after a restart and from every replica.
type LogStore interface {
	// OpenLog records l, RUNNING and without entries, as its instance's log
	// of its type, replacing the one before and its entries. It returns
	// EINSTANCENOTFOUND if the instance does not exist in l's project.
	OpenLog(ctx context.Context, l *InstanceLog) error
	// FindLog returns the instance's log of type typ with its entries,
	// oldest first. It returns EINSTANCENOTFOUND, or ELOGNOTRUNNING if the
	// instance never had one.
	FindLog(ctx context.Context, projectID, instanceID, typ string) (*InstanceLog, error)
	// FindLogHeader returns the instance's log of type typ without its
	// entries, for what needs only its id, status or replica. It returns
	// FindLog's errors.
	FindLogHeader(ctx context.Context, projectID, instanceID, typ string) (*InstanceLog, error)
	// AppendLog adds entries, observed at at by the named replica, to a
	// RUNNING log that replica collects, keeping only its newest max, and
	// reports whether the log is still RUNNING and that replica's: a log
	// stopped, gone or taken over by another replica (TakeOverLog) meanwhile
	// gets nothing, so that a collector that has not yet noticed its
	// replica's lost lock records nothing beside the one that took the log
	// over. With no entries it only reports.
	AppendLog(ctx context.Context, logID, replica string, at time.Time, entries []string, max int) (bool, error)
	// CloseLog sets a RUNNING log STOPPED at at; a log stopped or gone
	// already is not an error.
	CloseLog(ctx context.Context, logID string, at time.Time) error
	// ListRunningLogs returns every RUNNING log, without its entries.
	ListRunningLogs(ctx context.Context) ([]*InstanceLog, error)
	// TakeOverLog makes the replica named to the collector of the RUNNING
	// log logID in place of the replica from, if from is still its
	// collector and no process works replica from (the process is gone, or
	// stopped working the replica with its lock, which stops its
	// collectors first), and reports whether it did. A database that one
	// process uses alone (SQLite) has no other process to take over from:
	// there it never does.
	TakeOverLog(ctx context.Context, logID, from, to string) (bool, error)
	// ReplicaWorks reports whether a process works the replica now, as
	// TakeOverLog finds it; on a database that one process uses alone it
	// always does.
	ReplicaWorks(ctx context.Context, replica string) (bool, error)
}

// BrokerLogSource is a cluster whose brokers dmsd runs and whose own log
// lines it can pass on. Embedded clusters have it; external ones do not.
type BrokerLogSource interface {
	// TapBrokerLog calls sink with each line inst's brokers log from now
	// on, across restarts of its cluster, until the returned function is
	// called. Lines that may hold a credential are withheld. sink must not
	// block.
	TapBrokerLog(inst *Instance, sink func(line string)) (untap func())
}

// CheckLogType returns EINVALID unless typ is LogTypeRebalance or
// LogTypeTopic.
func CheckLogType(typ string) error {
	if typ != LogTypeRebalance && typ != LogTypeTopic {
		return Errorf(EINVALID, "Invalid request parameter: log_type must be %s or %s.", LogTypeRebalance, LogTypeTopic)
	}
	return nil
}
