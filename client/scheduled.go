package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ScheduledTask is a task that runs at a set time (a scheduled partition
// reassignment). It stays CREATED until then; it may be rescheduled or
// cancelled until it starts.
type ScheduledTask struct {
	Task
	// ExecuteAt is when the task runs.
	ExecuteAt time.Time `json:"execute_at,omitzero"`
}

// ScheduledPage is a page of an instance's scheduled tasks, newest first.
type ScheduledPage struct {
	// Count is how many scheduled tasks match, in all pages.
	Count int             `json:"count"`
	Tasks []ScheduledTask `json:"tasks"`
}

type scheduledJSON struct {
	taskJSON
	ScheduleAt string `json:"schedule_at"`
}

type scheduledListJSON struct {
	JobCount string          `json:"job_count"`
	Jobs     []scheduledJSON `json:"jobs"`
}

func (c *Client) scheduledPath(instanceID string, rest ...string) string {
	return c.projectPath(append([]string{"instances", instanceID, "scheduled-tasks"}, rest...)...)
}

// ListScheduledTasks returns a page of an instance's scheduled tasks, whatever
// their status, newest first.
func (c *Client) ListScheduledTasks(ctx context.Context, instanceID string, opts TaskListOptions) (ScheduledPage, error) {
	var out scheduledListJSON
	if err := c.do(ctx, http.MethodGet, c.scheduledPath(instanceID), opts.query(), nil, &out); err != nil {
		return ScheduledPage{}, err
	}
	page := ScheduledPage{Tasks: make([]ScheduledTask, 0, len(out.Jobs))}
	var err error
	if page.Count, err = strconv.Atoi(out.JobCount); err != nil {
		return ScheduledPage{}, fmt.Errorf("decoding the answer: job_count %q is not a number", out.JobCount)
	}
	for _, j := range out.Jobs {
		t, err := j.task(instanceID)
		if err != nil {
			return ScheduledPage{}, err
		}
		st := ScheduledTask{Task: t}
		if st.ExecuteAt, err = parseAPITime("schedule_at", j.ScheduleAt); err != nil {
			return ScheduledPage{}, err
		}
		page.Tasks = append(page.Tasks, st)
	}
	return page, nil
}

// RescheduleTask moves a scheduled task that has not started to run at at.
func (c *Client) RescheduleTask(ctx context.Context, instanceID, taskID string, at time.Time) error {
	q := url.Values{"execute_at": {strconv.FormatInt(at.UnixMilli(), 10)}}
	return c.do(ctx, http.MethodPut, c.scheduledPath(instanceID, taskID), q, nil, nil)
}

// CancelTask cancels a scheduled task that has not started: it becomes
// CANCELLED and never runs.
func (c *Client) CancelTask(ctx context.Context, instanceID, taskID string) error {
	q := url.Values{"status": {"CANCELLED"}}
	return c.do(ctx, http.MethodPut, c.scheduledPath(instanceID, taskID), q, nil, nil)
}

// DeleteScheduledTask deletes a scheduled task that has not started (it then
// never runs) or has finished.
func (c *Client) DeleteScheduledTask(ctx context.Context, instanceID, taskID string) error {
	return c.do(ctx, http.MethodDelete, c.scheduledPath(instanceID, taskID), nil, nil, nil)
}
