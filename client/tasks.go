package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/dmsd/dmsd"
)

// Task is a background task: an operation that changes an instance. The API
// sends every field as a string; here times are times.
type Task struct {
	ID string `json:"id"`
	// InstanceID is the instance the task was asked about; the API does not
	// send it.
	InstanceID string `json:"instance_id"`
	// Name is the task kind: createInstance, restartInstance,
	// deleteInstance, modifyAutoTopic, extendInstance, kafkaSslSwitch,
	// kafkaConfigModify, changeRetentionPolicy, updateTopicPolicies,
	// kafkaResetConsumerOffset or kafkaReassignment.
	Name     string          `json:"name"`
	Status   dmsd.TaskStatus `json:"status"`
	UserName string          `json:"user_name"`
	UserID   string          `json:"user_id"`
	// Params is the JSON document of the operation's parameters, as the API
	// sends it: a string.
	Params string `json:"params"`
	// Reason says why a FAILED task failed.
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// TaskPage is a page of an instance's tasks, newest first.
type TaskPage struct {
	// Count is how many tasks match the list's time range, in all pages.
	Count int    `json:"count"`
	Tasks []Task `json:"tasks"`
}

// TaskListOptions selects a page of tasks. Zero values leave a field to the
// server: offset 0, limit 10 (at most 100), no time bound.
type TaskListOptions struct {
	// Offset is how many of the newest tasks to skip.
	Offset int
	// Limit is the page size, 1 to 100.
	Limit int
	// Begin and End bound the tasks' creation time, both inclusive, to the
	// second.
	Begin, End time.Time
}

// Step is one step of a task.
type Step struct {
	Name      string          `json:"name"`
	Status    dmsd.StepStatus `json:"status"`
	StartedAt time.Time       `json:"started_at,omitzero"`
	EndedAt   time.Time       `json:"ended_at,omitzero"`
}

// Progress is how far a task is.
type Progress struct {
	// Percentage is the share of finished steps, 0 to 100; a finished task
	// is at 100.
	Percentage int `json:"percentage"`
	// RemainSeconds is the server's estimate of the seconds left.
	RemainSeconds int    `json:"remain_seconds"`
	Steps         []Step `json:"steps"`
}

// CurrentStep returns the step the task is at: the one executing (or the one
// that failed), else the next one waiting after finished ones. It returns
// false when there is none, as for a task that is not started or is done.
func (p Progress) CurrentStep() (Step, bool) {
	started := false
	for _, s := range p.Steps {
		switch s.Status {
		case dmsd.StepExecuting, dmsd.StepFailed:
			return s, true
		case dmsd.StepSuccess:
			started = true
		case dmsd.StepWaiting:
			if started {
				return s, true
			}
			return Step{}, false
		}
	}
	return Step{}, false
}

// taskJSON is a task as the API sends it.
type taskJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	UserName  string `json:"user_name"`
	UserID    string `json:"user_id"`
	Params    string `json:"params"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Reason    string `json:"reason"`
}

type taskListJSON struct {
	TaskCount string     `json:"task_count"`
	Tasks     []taskJSON `json:"tasks"`
}

func (j taskJSON) task(instanceID string) (Task, error) {
	t := Task{
		ID:         j.ID,
		InstanceID: instanceID,
		Name:       j.Name,
		Status:     dmsd.TaskStatus(j.Status),
		UserName:   j.UserName,
		UserID:     j.UserID,
		Params:     j.Params,
		Reason:     j.Reason,
	}
	var err error
	if t.CreatedAt, err = parseAPITime("created_at", j.CreatedAt); err != nil {
		return Task{}, err
	}
	if t.UpdatedAt, err = parseAPITime("updated_at", j.UpdatedAt); err != nil {
		return Task{}, err
	}
	return t, nil
}

// parseAPITime parses a time of the task API (RFC 3339 in UTC with
// milliseconds); "" is the zero time.
func parseAPITime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("decoding the answer: %s %q is not a time", field, s)
	}
	return t, nil
}

// apiQueryTime is the time format of begin_time and end_time.
const apiQueryTime = "20060102150405"

// query returns the options as the task list routes take them.
func (opts TaskListOptions) query() url.Values {
	q := url.Values{}
	if opts.Offset > 0 {
		q.Set("offset", strconv.Itoa(opts.Offset))
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if !opts.Begin.IsZero() {
		q.Set("begin_time", opts.Begin.UTC().Format(apiQueryTime))
	}
	if !opts.End.IsZero() {
		q.Set("end_time", opts.End.UTC().Format(apiQueryTime))
	}
	return q
}

func (c *Client) tasksPath(instanceID string, rest ...string) string {
	return c.projectPath(append([]string{"instances", instanceID, "tasks"}, rest...)...)
}

// ListTasks returns a page of an instance's tasks, newest first.
func (c *Client) ListTasks(ctx context.Context, instanceID string, opts TaskListOptions) (TaskPage, error) {
	var out taskListJSON
	if err := c.do(ctx, http.MethodGet, c.tasksPath(instanceID), opts.query(), nil, &out); err != nil {
		return TaskPage{}, err
	}
	page := TaskPage{Tasks: make([]Task, 0, len(out.Tasks))}
	var err error
	if page.Count, err = strconv.Atoi(out.TaskCount); err != nil {
		return TaskPage{}, fmt.Errorf("decoding the answer: task_count %q is not a number", out.TaskCount)
	}
	for _, j := range out.Tasks {
		t, err := j.task(instanceID)
		if err != nil {
			return TaskPage{}, err
		}
		page.Tasks = append(page.Tasks, t)
	}
	return page, nil
}

// LatestTask returns an instance's newest task, for example the task an
// operation on it just started. It returns an *Error with code DMS.00404070
// when the instance has no task.
func (c *Client) LatestTask(ctx context.Context, instanceID string) (Task, error) {
	page, err := c.ListTasks(ctx, instanceID, TaskListOptions{Limit: 1})
	if err != nil {
		return Task{}, err
	}
	if len(page.Tasks) == 0 {
		return Task{}, &Error{Status: http.StatusNotFound, Code: dmsd.ETASKNOTFOUND, Message: "The instance has no task."}
	}
	return page.Tasks[0], nil
}

// ShowTask returns one task of an instance.
func (c *Client) ShowTask(ctx context.Context, instanceID, taskID string) (Task, error) {
	var out taskListJSON
	if err := c.do(ctx, http.MethodGet, c.tasksPath(instanceID, taskID), nil, nil, &out); err != nil {
		return Task{}, err
	}
	if len(out.Tasks) != 1 {
		return Task{}, fmt.Errorf("decoding the answer: %d tasks instead of 1", len(out.Tasks))
	}
	return out.Tasks[0].task(instanceID)
}

// DeleteTask deletes the record of a finished task (SUCCESS, FAILED or
// CANCELLED); an unfinished one is refused with DMS.00400017.
func (c *Client) DeleteTask(ctx context.Context, instanceID, taskID string) error {
	return c.do(ctx, http.MethodDelete, c.tasksPath(instanceID, taskID), nil, nil, nil)
}

type progressJSON struct {
	ProgressPercentage int `json:"progress_percentage"`
	RemainTime         int `json:"remain_time"`
	StepList           []struct {
		Name      string `json:"name"`
		Statue    string `json:"statue"` // sic, as the API spells it
		StartTime string `json:"start_time"`
		EndTime   string `json:"end_time"`
	} `json:"step_list"`
}

// TaskProgress returns how far a task is, step by step.
func (c *Client) TaskProgress(ctx context.Context, instanceID, taskID string) (Progress, error) {
	var out progressJSON
	if err := c.do(ctx, http.MethodGet, c.tasksPath(instanceID, taskID, "progress"), nil, nil, &out); err != nil {
		return Progress{}, err
	}
	p := Progress{Percentage: out.ProgressPercentage, RemainSeconds: out.RemainTime, Steps: make([]Step, len(out.StepList))}
	for i, s := range out.StepList {
		p.Steps[i] = Step{Name: s.Name, Status: dmsd.StepStatusFromWire(s.Statue)}
		var err error
		if p.Steps[i].StartedAt, err = parseAPITime("start_time", s.StartTime); err != nil {
			return Progress{}, err
		}
		if p.Steps[i].EndedAt, err = parseAPITime("end_time", s.EndTime); err != nil {
			return Progress{}, err
		}
	}
	return p, nil
}

// WaitTask follows a task until it is finished (SUCCESS, FAILED or
// CANCELLED) and returns it as it ended; a FAILED or CANCELLED task is not an
// error. It polls the task and its progress every poll interval (250 ms by
// default) and calls onProgress, unless nil, after each poll with both. It
// returns early with ctx's error when ctx is done.
//
// A successful deleteInstance task takes its own record with the instance;
// when a deleteInstance task WaitTask has seen disappears with its instance
// (DMS.00404022), WaitTask reports it as SUCCESS.
func (c *Client) WaitTask(ctx context.Context, instanceID, taskID string, onProgress func(Task, Progress)) (Task, error) {
	tick := time.NewTicker(c.poll)
	defer tick.Stop()
	var last Task
	var lastProgress Progress
	for {
		t, err := c.ShowTask(ctx, instanceID, taskID)
		var p Progress
		if err == nil {
			p, err = c.TaskProgress(ctx, instanceID, taskID)
		}
		if err != nil {
			if last.Name != "deleteInstance" || ErrorCode(err) != dmsd.EINSTANCENOTFOUND {
				return last, err
			}
			// The instance and its tasks are gone: the deletion succeeded.
			t, p = last, lastProgress
			t.Status, p.Percentage, p.RemainSeconds = dmsd.TaskSuccess, 100, 0
			p.Steps = append([]Step(nil), p.Steps...)
			for i := range p.Steps {
				p.Steps[i].Status = dmsd.StepSuccess
			}
		}
		if onProgress != nil {
			onProgress(t, p)
		}
		if t.Status.Finished() {
			return t, nil
		}
		last, lastProgress = t, p
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-tick.C:
		}
	}
}
