package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dmsd/dmsd"
)

// A Kind is one kind of background task, declared in one value: its name (the
// task's name in the API), the type P of its params, the instance statuses it
// may start from and moves the instance through, and its steps. Callers
// submit it through submit, which takes the value, not its name, so that a
// kind that does not exist cannot be started.
//
// P is both the engine's input and what the API shows as the task's params,
// unless Public says otherwise: a kind whose input holds something the API
// must not show declares its public view there, and that view is all the
// task record keeps. Such a kind's steps read what they need from the
// instance record, never from the params.
type Kind[P any] struct {
	// Name is the task's name, as the API and the task record show it. Two
	// kinds may show one name if their first steps differ (kindKey).
	Name string
	// Former lists names earlier versions of dmsd recorded this kind's
	// tasks with, so that such a task, unfinished at an upgrade, still runs.
	Former []string
	// From lists the instance statuses the task may start from; empty
	// allows any (or, for a kind that creates its instance, none exists
	// yet).
	From []dmsd.InstanceStatus
	// During is the status the instance moves to as the task is accepted,
	// or "" to keep its status.
	During dmsd.InstanceStatus
	// Success and Failure are the statuses the instance moves to when the
	// task ends, or "" to keep the status it has.
	Success, Failure dmsd.InstanceStatus
	// Needs, when set, is the change the instance's cluster must allow
	// (dmsd.Lifecycle.Allows): the kind's service method asks before its
	// own checks, so that a cluster that cannot have it refuses first.
	Needs dmsd.Change
	// RemovesInstance is set when the last step deletes the instance and,
	// with it, the task's own record: success then writes nothing.
	RemovesInstance bool
	// Public, when set, returns what the task record keeps and the API
	// shows as the params instead of p itself.
	Public func(p P) any
	// Steps are run in order; the task's step list, its progress view,
	// names them.
	Steps []Step[P]
	// Waits is set for a short kind that clients submit beside others on
	// one instance: the Terraform provider creates its resources (a
	// permission or quota per topic or user, an offset reset per group,
	// the logs) in parallel and retries none of them on DMS.00400017. A
	// submission that meets another task of the instance unfinished waits
	// for it to end, up to the engine's turn wait, and is refused with
	// ETASKRUNNING only after.
	Waits bool
	// Quick is set when the steps only record on the instance, calling no
	// cluster, so that the task lasts milliseconds: the worker then saves
	// its start, its steps, their change of the instance and its end in one
	// write (runQuick), and the record goes from CREATED to its end.
	Quick bool
}

// A Step is one idempotent piece of a task. The engine records each step's
// status in the task record, which is both the progress the API shows and
// where a resumed task starts: River's ResumableStep (v0.51) keeps the last
// finished step in the job's metadata only when an attempt ends with an
// error or a snooze, not when the process dies, and a second record of the
// same progress would have to agree with the first.
//
// A step is idempotent: after a crash it may run again,
// so it must bring the world to its target state whether or not it ran
// before. Run gets the task's params decoded once, and the instance as the
// store has it now.
type Step[P any] struct {
	// Name is the step's name in the task's progress (START_BROKERS ...).
	Name string
	// Run carries the step out; an error fails the task, unless it is
	// EUNAVAILABLE or ctx ended, when the step runs again on resume.
	Run func(ctx context.Context, d *deps, t *dmsd.Task, inst *dmsd.Instance, p *P) error
}

// deps are what steps may use: the instance records and the instance's
// cluster, nothing else of the engine.
type deps struct {
	store   dmsd.InstanceStore
	cluster dmsd.Cluster
	// reports and interval serve messageDiagnosis.
	reports  dmsd.DiagnosisStore
	interval time.Duration
	// logs serve the kinds that turn logs on and off.
	logs *instanceLogs
}

// stepStore is the instance store as steps see it: a step saves its copy of
// the instance with the fields the API manages that the record has now
// (dmsd.Instance.KeepAPIFields), as the step's copy may predate a change.
type stepStore struct{ dmsd.InstanceStore }

// UpdateInstance saves inst with the record's current fields that the API
// changes while tasks run (dmsd.Instance.KeepAPIFields), in one change of
// the record. It returns the store's errors.
func (s stepStore) UpdateInstance(ctx context.Context, inst *dmsd.Instance) error {
	return s.InstanceStore.ModifyInstance(ctx, inst.ProjectID, inst.ID, func(cur *dmsd.Instance) error {
		inst.KeepAPIFields(cur)
		*cur = *inst
		return nil
	})
}

// instanceStep returns a step of any kind that needs only the instance.
func instanceStep[P any](name string, run func(ctx context.Context, d *deps, inst *dmsd.Instance) error) Step[P] {
	return Step[P]{Name: name, Run: func(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, _ *P) error {
		return run(ctx, d, inst)
	}}
}

// kind is a Kind without its params type, as the worker runs it.
type kind interface {
	name() string
	formerNames() []string
	stepNames() []string
	// runStep decodes t's params and runs step i.
	runStep(ctx context.Context, d *deps, t *dmsd.Task, inst *dmsd.Instance, i int) error
	// ending returns the instance status the task leaves on success or
	// failure, and whether success removed the task's record.
	ending(failed bool) (status dmsd.InstanceStatus, removed bool)
	// quick reports Kind.Quick.
	quick() bool
}

func (k *Kind[P]) name() string { return k.Name }

func (k *Kind[P]) formerNames() []string { return k.Former }

func (k *Kind[P]) stepNames() []string {
	names := make([]string, len(k.Steps))
	for i, s := range k.Steps {
		names[i] = s.Name
	}
	return names
}

func (k *Kind[P]) runStep(ctx context.Context, d *deps, t *dmsd.Task, inst *dmsd.Instance, i int) error {
	var p P
	if k.Public == nil && t.Params != "" {
		if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
			return fmt.Errorf("params of %s: %w", k.Name, err)
		}
	}
	return k.Steps[i].Run(ctx, d, t, inst, &p)
}

func (k *Kind[P]) quick() bool { return k.Quick }

func (k *Kind[P]) ending(failed bool) (dmsd.InstanceStatus, bool) {
	if failed {
		return k.Failure, false
	}
	return k.Success, k.RemovesInstance
}

// kindList is every task kind the engine runs.
var kindList = []kind{
	createInstance,
	restartInstance,
	deleteInstance,
	modifyAutoTopic,
	extendInstance,
	kafkaSslSwitch,
	kafkaConfigModify,
	changeRetentionPolicy,
	updateTopicPolicies,
	kafkaResetConsumerOffset,
	kafkaReassignment,
	recycleInstance,
	restoreInstance,
	upgradeInstance,
	messageDiagnosis,
	kafkaRebalanceLogStart,
	kafkaRebalanceLogStop,
	kafkaTopicLogStart,
	kafkaTopicLogStop,
	kafkaTopicQuota, kafkaUserClientQuota,
	createConnector,
	deleteConnector,
}

// kinds is kindList by kindKey.
var kinds = registry(kindList...)

// kindKey returns what finds the kind of a task named name whose first step
// is named firstStep: two kinds may show one name, as the cloud names both a
// change of Kafka parameters and a change of automatic topic creation
// kafkaConfigModify, and their steps tell them apart.
func kindKey(name, firstStep string) string { return name + "/" + firstStep }

// kindOf returns the kind that runs t, and false if none does.
func (e *Engine) kindOf(t *dmsd.Task) (kind, bool) {
	first := ""
	if len(t.Steps) > 0 {
		first = t.Steps[0].Name
	}
	k, ok := e.kinds[kindKey(t.Name, first)]
	return k, ok
}

// registry returns the kinds by kindKey, under their former names too. It
// panics on a kind without steps, which has no key, and on two kinds of one
// key: mistakes the package's tests see at once.
func registry(list ...kind) map[string]kind {
	m := make(map[string]kind, len(list))
	for _, k := range list {
		if len(k.stepNames()) == 0 {
			panic("engine: task kind " + k.name() + " has no steps")
		}
		for _, name := range append([]string{k.name()}, k.formerNames()...) {
			key := kindKey(name, k.stepNames()[0])
			if _, dup := m[key]; dup {
				panic("engine: two task kinds named " + name + " start with the same step")
			}
			m[key] = k
		}
	}
	return m
}

// submitOpt changes a submission from its defaults.
type submitOpt func(*dmsd.Submission)

// withNewInstance inserts inst with the task.
func withNewInstance(inst *dmsd.Instance) submitOpt {
	return func(s *dmsd.Submission) { s.NewInstance = inst }
}

// withChange changes the instance's record, and may set the task's params
// from it, with the task's acceptance (dmsd.Submission.Change).
func withChange(change func(*dmsd.Task, *dmsd.Instance) error) submitOpt {
	return func(s *dmsd.Submission) { s.Change = change }
}

// withQuota checks the project's quota with the submission counted.
func withQuota(q *dmsd.Quota) submitOpt { return func(s *dmsd.Submission) { s.Quota = q } }

// at schedules the task for t; the zero time runs it now.
func at(t time.Time) submitOpt { return func(s *dmsd.Submission) { s.Task.ExecuteAt = t } }

// submit records a task of kind k on the instance with params p and queues
// it, moving the instance as k declares. It returns the task and the
// store's SubmitTask errors (EINSTANCESTATUS outside k.From, ETASKRUNNING,
// the quota's ...).
func submit[P any](ctx context.Context, e *Engine, k *Kind[P], actor dmsd.Actor, instanceID string, p P, opts ...submitOpt) (*dmsd.Task, error) {
	t := newTask(actor, instanceID, k, k.paramsText(p))
	sub := &dmsd.Submission{Task: t, AllowedStatuses: k.From, InstanceStatus: k.During}
	for _, opt := range opts {
		opt(sub)
	}
	if k.Waits {
		return t, e.submitInTurn(ctx, sub)
	}
	return t, e.store.SubmitTask(ctx, sub)
}

// defaultTurnWait is how long a submission of a kind that waits its turn
// (Kind.Waits) waits at most by default: the tasks it waits for last
// milliseconds, and the API's clients wait seconds for an answer.
const defaultTurnWait = 10 * time.Second

// TurnWait sets how long a submission of a kind that waits its turn
// (Kind.Waits: permissions, quotas, offset resets, logs) waits at most for the
// instance's unfinished task to end before it is refused with
// DMS.00400017.
func TurnWait(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.turnWait = d
		}
	}
}

// turnPoll is how often a waiting submission (Kind.Waits) looks whether the
// instance's unfinished task has ended, which may end on another replica.
const turnPoll = 10 * time.Millisecond

// submitInTurn submits sub and, while the instance's unfinished task refuses
// it (ETASKRUNNING), waits for that task to end and submits it again, for
// up to e.turnWait; the task's times are those of its acceptance. It
// returns the store's SubmitTask errors, ETASKRUNNING once the wait is
// over, and ctx's error if it ends first.
func (e *Engine) submitInTurn(ctx context.Context, sub *dmsd.Submission) error {
	deadline := time.Now().Add(e.turnWait)
	tick := time.NewTicker(turnPoll)
	defer tick.Stop()
	for {
		err := e.store.SubmitTask(ctx, sub)
		if dmsd.ErrorCode(err) != dmsd.ETASKRUNNING {
			return err
		}
		for dmsd.ErrorCode(err) == dmsd.ETASKRUNNING {
			if time.Now().After(deadline) {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
			err = e.store.CheckIdle(ctx, sub.Task.ProjectID, sub.Task.InstanceID)
		}
		sub.Task.CreatedAt = dmsd.Now()
		sub.Task.UpdatedAt = sub.Task.CreatedAt
	}
}

// paramsText returns the params of a task of k as its record keeps them:
// p, or what k.Public shows of it, in JSON.
func (k *Kind[P]) paramsText(p P) string {
	var shown any = p
	if k.Public != nil {
		shown = k.Public(p)
	}
	b, _ := json.Marshal(shown) // Params are structs of plain values.
	return string(b)
}

func newTask(actor dmsd.Actor, instanceID string, k kind, params string) *dmsd.Task {
	now := dmsd.Now()
	t := &dmsd.Task{
		ID:         dmsd.NewID(),
		ProjectID:  actor.ProjectID,
		InstanceID: instanceID,
		Name:       k.name(),
		UserID:     actor.UserID,
		UserName:   actor.UserName,
		Params:     params,
		Status:     dmsd.TaskCreated,
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	for _, n := range k.stepNames() {
		t.Steps = append(t.Steps, dmsd.Step{Name: n, Status: dmsd.StepWaiting})
	}
	return t
}
