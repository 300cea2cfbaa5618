package dmsd

import (
	"context"
	"time"
)

// Rebalance log statuses.
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

// Rebalance log events.
const (
	EventMemberJoined = "MEMBER_JOINED"
	EventMemberLeft   = "MEMBER_LEFT"
	EventStateChanged = "STATE_CHANGED"
)

// LogService starts, shows and stops instances' rebalance logs.
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
}
