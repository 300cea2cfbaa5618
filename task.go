package dmsd

import (
	"context"
	"time"
)

// TaskStatus is where a background task is in its life.
type TaskStatus string

const (
	// TaskCreated: accepted and durably queued, not yet picked up by a
	// worker. It may not be deleted.
	TaskCreated TaskStatus = "CREATED"
	// TaskExecuting: a worker runs its steps. A task whose process died in
	// this state is resumed from its last finished step when a worker
	// picks its job up again. It may not be deleted.
	TaskExecuting TaskStatus = "EXECUTING"
	// TaskSuccess: every step finished. The record stays until a user
	// deletes it or its instance is deleted.
	TaskSuccess TaskStatus = "SUCCESS"
	// TaskFailed: a step failed; Reason says why. The record stays until a
	// user deletes it or its instance is deleted.
	TaskFailed TaskStatus = "FAILED"
	// TaskCancelled: cancelled before it ran. The record stays until a user
	// deletes it or its instance is deleted.
	TaskCancelled TaskStatus = "CANCELLED"
)

// Finished reports whether s is a final status: SUCCESS, FAILED or CANCELLED.
// Only finished tasks may be deleted.
func (s TaskStatus) Finished() bool {
	return s == TaskSuccess || s == TaskFailed || s == TaskCancelled
}

// StepStatus is where one step of a task is.
type StepStatus string

const (
	// StepWaiting: the step has not started.
	StepWaiting StepStatus = "WAITING"
	// StepExecuting: the step runs, or ran when its process died and runs
	// again when the task resumes.
	StepExecuting StepStatus = "EXECUTING"
	// StepSuccess: the step finished; a resumed task skips it.
	StepSuccess StepStatus = "SUCCESS"
	// StepFailed: the step failed, and with it the task.
	StepFailed StepStatus = "FAILED"
)

// Step is one step of a task, as the progress API reports it.
type Step struct {
	Name      string     `json:"name"`
	Status    StepStatus `json:"status"`
	StartedAt time.Time  `json:"started_at,omitzero"`
	EndedAt   time.Time  `json:"ended_at,omitzero"`
}

// Task is the record of a background task: an operation that changes an
// instance, run durably by the engine.
type Task struct {
	ID         string
	ProjectID  string
	InstanceID string
	// Name is the task kind, for example createInstance or modifyAutoTopic.
	Name     string
	UserID   string
	UserName string
	// Params is a JSON document describing the operation, reported as a
	// string.
	Params string
	Status TaskStatus
	// Reason says why a FAILED task failed. A finished task whose effect
	// only Kafka can confirm (kafkaReassignment) also keeps here what Kafka
	// reported.
	Reason    string
	Steps     []Step
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExecuteAt, when set, makes the task a scheduled task: it stays CREATED
	// until then and, while CREATED, does not count as the instance's
	// unfinished task. It becomes the instance's running task only when a
	// worker starts it (TaskStore.StartTask).
	ExecuteAt time.Time
	// JobID is the queue job that runs the task, set by the store. A job
	// whose id differs (the job of a rescheduled task) does nothing.
	JobID int64
}

// TaskUpdateTopicPolicies is the name of the task that changes topics'
// permissions.
const TaskUpdateTopicPolicies = "updateTopicPolicies"

// ShownOnInstance reports whether t, the newest task of its instance, is the
// task an instance's answer shows: every task but a finished permission
// change. A client waits for a permission change by polling the instance
// until its task is no longer updateTopicPolicies (the Terraform provider's
// dms_kafka_permissions does), so such a task stands for the instance only
// while it runs.
func (t *Task) ShownOnInstance() bool {
	return t.Name != TaskUpdateTopicPolicies || !t.Status.Finished()
}

// Scheduled reports whether t is a scheduled task.
func (t *Task) Scheduled() bool { return !t.ExecuteAt.IsZero() }

// Progress returns the share of the task's steps that have finished, from 0 to
// 100; a finished task is at 100.
func (t *Task) Progress() int {
	if t.Status.Finished() || len(t.Steps) == 0 {
		if t.Status.Finished() {
			return 100
		}
		return 0
	}
	done := 0
	for _, s := range t.Steps {
		if s.Status == StepSuccess {
			done++
		}
	}
	return done * 100 / len(t.Steps)
}

// TaskFilter selects a page of an instance's tasks, newest first.
type TaskFilter struct {
	ProjectID  string
	InstanceID string
	// Begin and End bound the tasks' creation time, both inclusive; the
	// zero time leaves that side open.
	Begin, End time.Time
	Offset     int
	Limit      int
}

// Submission is an operation handed to the store: the task to record and
// queue, and what it does to its instance at once.
type Submission struct {
	Task *Task
	// NewInstance, when set, is inserted with the task (instance creation).
	NewInstance *Instance
	// AllowedStatuses, when set, lists the instance statuses in which the
	// operation may start; in any other the submission fails with
	// EINSTANCESTATUS.
	AllowedStatuses []InstanceStatus
	// InstanceStatus, when set, is the status the instance moves to as the
	// task is accepted (for example RESTARTING).
	InstanceStatus InstanceStatus
	// Change, when set, changes the instance's record as the task is
	// accepted, in the submission's transaction, so that neither is saved
	// without the other, and may set the task's Params from the record. It
	// gets the task and the record as stored (secrets sealed), read under
	// its lock once the status and the running task are checked, and must
	// not use the store; ErrUnchanged leaves the record as it is, and any
	// other error refuses the submission, a replayed one too (it changes
	// nothing, so it is the service's answer, dmsd.CheckNotReplayed).
	Change func(*Task, *Instance) error
	// Quota, when set, is checked on the project's usage with the
	// submission included (a new instance, or an extension counted at its
	// new broker number), in the same transaction; past it the submission
	// fails with Quota.Check's error and nothing is recorded.
	Quota *Quota
}

// TaskStore keeps task records. Every method that takes a project id answers
// only for that project: a task or instance of another project is not found.
// Every method that a request calls to change something returns EREPLAYED,
// changing nothing, when ctx serves a replayed request (dmsd.WithReplay)
// and none of its other refusals applies.
type TaskStore interface {
	// SubmitTask records sub.Task as CREATED and queues its execution in one
	// transaction, so that an accepted task is never lost and never runs
	// without its record. Returns EINSTANCENOTFOUND if the instance does
	// not exist in the task's project; EINSTANCESTATUS if the instance is
	// not in one of sub.AllowedStatuses (checked first: a running task that
	// holds the instance in RESTARTING, say, is answered so); ETASKRUNNING
	// if the instance already has a task that is EXECUTING, or CREATED and
	// not scheduled; and EINSTANCEQUOTA or EBROKERQUOTA if sub.Quota is set
	// and the project's usage with the submission exceeds it.
	// A scheduled task (ExecuteAt set) is queued to run at ExecuteAt and is
	// not refused because of another task: it waits for it when it starts.
	SubmitTask(ctx context.Context, sub *Submission) error

	// StartTask moves a CREATED task to EXECUTING at the given time, and
	// its first step that has not succeeded to IN_PROGRESS, if jobID is
	// its job (0 matches any). Returns ETASKRUNNING, changing
	// nothing, if another task of its instance is EXECUTING or CREATED and
	// not scheduled (a scheduled task that comes due then waits), and
	// ETASKNOTFOUND if the task does not exist, is no longer CREATED
	// (cancelled meanwhile) or was rescheduled to another job.
	StartTask(ctx context.Context, taskID string, jobID int64, at time.Time) error

	// ListScheduledTasks returns a page of an instance's scheduled tasks,
	// whatever their status, newest first, and how many match the filter.
	// Returns EINSTANCENOTFOUND if the instance does not exist in the
	// project.
	ListScheduledTasks(ctx context.Context, filter TaskFilter) ([]*Task, int, error)

	// RescheduleTask moves a scheduled task that is still CREATED to run at
	// at: its job is cancelled and a new one queued for at, with the record,
	// in one transaction. Returns EINSTANCENOTFOUND, ETASKNOTFOUND (also for
	// a task that is not scheduled) and ESCHEDULESTARTED if the task has
	// started or finished.
	RescheduleTask(ctx context.Context, projectID, instanceID, taskID string, at time.Time) error

	// CancelTask cancels a scheduled task that is still CREATED: its status
	// becomes CANCELLED and its job is cancelled, in one transaction. Errors
	// as RescheduleTask's.
	CancelTask(ctx context.Context, projectID, instanceID, taskID string) error

	// DeleteScheduledTask deletes a scheduled task that has not started
	// (cancelling its job) or has finished. Returns EINSTANCENOTFOUND,
	// ETASKNOTFOUND (also for a task that is not scheduled) and ETASKRUNNING
	// if it is EXECUTING.
	DeleteScheduledTask(ctx context.Context, projectID, instanceID, taskID string) error

	// CheckIdle returns nil if no task holds the instance: none is
	// EXECUTING, nor CREATED and not scheduled, the tasks a submission
	// waits for. Returns EINSTANCENOTFOUND if the instance does not exist
	// in the project and ETASKRUNNING while a task holds it. It locks
	// nothing: an operation that must be atomic with it submits its task.
	CheckIdle(ctx context.Context, projectID, instanceID string) error

	// FindTask returns a task of an instance. Returns EINSTANCENOTFOUND if
	// the instance does not exist in the project and ETASKNOTFOUND if the
	// task does not.
	FindTask(ctx context.Context, projectID, instanceID, taskID string) (*Task, error)

	// FindTaskByID returns a task by id alone, for the engine. Returns
	// ETASKNOTFOUND if it does not exist.
	FindTaskByID(ctx context.Context, taskID string) (*Task, error)

	// FindTaskRun returns a task by id alone and its instance, read
	// together, for the engine's worker: the task as FindTaskByID returns
	// it, the instance as FindInstance does. Returns ETASKNOTFOUND if the
	// task does not exist.
	FindTaskRun(ctx context.Context, taskID string) (*Task, *Instance, error)

	// ListTasks returns a page of an instance's tasks, newest first, and the
	// number of tasks that match the filter's time range. Returns
	// EINSTANCENOTFOUND if the instance does not exist in the project.
	ListTasks(ctx context.Context, filter TaskFilter) ([]*Task, int, error)

	// UpdateTask saves a task's status, reason and steps, and moves its
	// instance to instanceStatus when that is not empty. Returns
	// ETASKNOTFOUND if the task does not exist.
	UpdateTask(ctx context.Context, task *Task, instanceStatus InstanceStatus) error

	// SaveTaskRun saves in one write the whole run of a CREATED task that
	// is not scheduled and whose start was not saved, as a quick task kind
	// runs: its status, reason and steps, if jobID is its job (0 matching
	// any), the instance as its steps left it (inst, nil when unchanged)
	// with the record's current fields that the API manages
	// (Instance.KeepAPIFields), moved to instanceStatus when that is not
	// empty, and the end of its job. Such
	// a task holds its instance's one unfinished task from its acceptance,
	// so no other task ran meanwhile. Returns ETASKNOTFOUND, saving
	// nothing, if the task does not exist, is no longer CREATED or was
	// rescheduled to another job, and EINSTANCENOTFOUND if the instance is
	// gone.
	SaveTaskRun(ctx context.Context, task *Task, jobID int64, inst *Instance, instanceStatus InstanceStatus) error

	// DeleteTask deletes the record of a finished task. Returns
	// EINSTANCENOTFOUND or ETASKNOTFOUND if either does not exist, and
	// ETASKRUNNING if the task is CREATED or EXECUTING, in which case
	// nothing changes.
	DeleteTask(ctx context.Context, projectID, instanceID, taskID string) error

	// CountTasks returns the number of task records by name and status,
	// across all projects, for metrics.
	CountTasks(ctx context.Context) (map[[2]string]int, error)
}

// RequestLog remembers the signatures of signed mutating requests, spent when
// first received, so that a request sent again takes no effect whichever
// replica it reaches (see WithReplay).
type RequestLog interface {
	// RememberRequest records a request signature until expires, atomically:
	// of concurrent calls with one signature, on any replica, one succeeds.
	// It returns EREPLAYED if the signature is already recorded and not
	// expired.
	RememberRequest(ctx context.Context, signature string, expires time.Time) error
}

// TaskJob is the queued job that runs a task. The store inserts it in the
// transaction that records the task; the engine works it.
type TaskJob struct {
	TaskID string `json:"task_id"`
}

// Kind returns the job kind under which the queue stores task jobs.
func (TaskJob) Kind() string { return "dmsd_task" }
