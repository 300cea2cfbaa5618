package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dmsd/dmsd/client"
)

// cliTasks runs "dmsd tasks COMMAND": an instance's background tasks.
func cliTasks(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return cliGroup(ctx, "tasks", []cliCommand{
		{"list", "list an instance's tasks, newest first", cliTasksList},
		{"show", "show a task", cliTasksShow},
		{"progress", "show a task's progress, step by step", cliTasksProgress},
		{"wait", "follow a task to its end; fails unless it succeeds", cliTasksWait},
		{"delete", "delete the record of a finished task", cliTasksDelete},
	}, args, getenv, stdout, stderr)
}

// cliTimeLayouts are the forms --begin and --end accept.
var cliTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02", "20060102150405"}

// cliParseTime parses a time of --begin or --end: RFC 3339, or a date and
// time without zone in local time, or the API's YYYYMMDDHHmmss in UTC. A bare
// date as --end means the end of that day.
func cliParseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range cliTimeLayouts {
		loc := time.Local
		if layout == "20060102150405" {
			loc = time.UTC
		}
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if layout == "2006-01-02" && name == "end" {
				t = t.AddDate(0, 0, 1).Add(-time.Second) // the whole day
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s: %q is not a time: use RFC 3339 (2006-01-02T15:04:05Z), 2006-01-02 15:04:05 (local), 2006-01-02 or YYYYMMDDHHmmss (UTC)", name, s)
}

func cliTasksList(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("tasks list", "[flags] [--instance] INSTANCE_ID",
		"Lists an instance's tasks, newest first, a page at a time.")
	instance := fs.String("instance", "", "instance `ID`")
	offset := fs.Int("offset", 0, "skip this many of the newest tasks")
	limit := fs.Int("limit", 0, "page size, 1 to 100 (default 10)")
	begin := fs.String("begin", "", "only tasks created at or after `TIME`")
	end := fs.String("end", "", "only tasks created at or before `TIME`")
	asJSON := fs.Bool("json", false, "print JSON: {\"count\": N, \"tasks\": [...]}")
	pos, err := cliParse(fs, args)
	if err != nil {
		return err
	}
	instanceID, _, err := cliIDs(*instance, pos, false, false)
	if err != nil {
		return err
	}
	opts := client.TaskListOptions{Offset: *offset, Limit: *limit}
	if opts.Begin, err = cliParseTime("begin", *begin); err != nil {
		return err
	}
	if opts.End, err = cliParseTime("end", *end); err != nil {
		return err
	}
	c, err := conn.client(e)
	if err != nil {
		return err
	}
	page, err := c.ListTasks(ctx, instanceID, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, page)
	}
	tw := cliTable(e.stdout)
	fmt.Fprintln(tw, "TASK ID\tNAME\tSTATUS\tUSER\tCREATED\tUPDATED")
	for _, t := range page.Tasks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Status, cliOr(t.UserName), cliTime(t.CreatedAt), cliTime(t.UpdatedAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if shown := len(page.Tasks); shown < page.Count {
		fmt.Fprintf(e.stdout, "(%d of %d tasks; see --offset and --limit)\n", shown, page.Count)
	}
	return nil
}

func cliTasksShow(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("tasks show", "[flags] [--instance] INSTANCE_ID TASK_ID", "Shows a task.")
	instance := fs.String("instance", "", "instance `ID`")
	asJSON := fs.Bool("json", false, "print the task as JSON")
	c, instanceID, taskID, err := e.cliTarget(fs, conn, instance, args, true, false)
	if err != nil {
		return err
	}
	t, err := c.ShowTask(ctx, instanceID, taskID)
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, t)
	}
	return cliPrintTask(e.stdout, t)
}

// cliPrintTask prints a task as fields for people.
func cliPrintTask(w io.Writer, t client.Task) error {
	tw := cliTable(w)
	fmt.Fprintf(tw, "ID:\t%s\n", t.ID)
	fmt.Fprintf(tw, "INSTANCE:\t%s\n", t.InstanceID)
	fmt.Fprintf(tw, "NAME:\t%s\n", t.Name)
	fmt.Fprintf(tw, "STATUS:\t%s\n", t.Status)
	if t.Reason != "" {
		fmt.Fprintf(tw, "REASON:\t%s\n", t.Reason)
	}
	fmt.Fprintf(tw, "USER:\t%s (%s)\n", cliOr(t.UserName), cliOr(t.UserID))
	fmt.Fprintf(tw, "CREATED:\t%s\n", cliTime(t.CreatedAt))
	fmt.Fprintf(tw, "UPDATED:\t%s\n", cliTime(t.UpdatedAt))
	fmt.Fprintf(tw, "PARAMS:\t%s\n", cliOr(t.Params))
	return tw.Flush()
}

func cliTasksProgress(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("tasks progress", "[flags] [--instance] INSTANCE_ID TASK_ID", "Shows how far a task is, step by step.")
	instance := fs.String("instance", "", "instance `ID`")
	asJSON := fs.Bool("json", false, "print JSON: {\"percentage\", \"remain_seconds\", \"steps\": [...]}")
	c, instanceID, taskID, err := e.cliTarget(fs, conn, instance, args, true, false)
	if err != nil {
		return err
	}
	p, err := c.TaskProgress(ctx, instanceID, taskID)
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, p)
	}
	if p.RemainSeconds > 0 {
		fmt.Fprintf(e.stdout, "PROGRESS: %d%%, about %ds left\n", p.Percentage, p.RemainSeconds)
	} else {
		fmt.Fprintf(e.stdout, "PROGRESS: %d%%\n", p.Percentage)
	}
	tw := cliTable(e.stdout)
	fmt.Fprintln(tw, "STEP\tSTATUS\tSTARTED\tDURATION")
	for _, s := range p.Steps {
		duration := "-"
		if !s.StartedAt.IsZero() && !s.EndedAt.IsZero() {
			duration = s.EndedAt.Sub(s.StartedAt).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Status, cliTime(s.StartedAt), duration)
	}
	return tw.Flush()
}

func cliTasksWait(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("tasks wait", "[flags] [--instance] INSTANCE_ID [TASK_ID]",
		strings.Join([]string{
			"Follows a task until it ends: without TASK_ID, the instance's newest task.",
			"On a terminal it draws a progress bar; otherwise it prints a line per change,",
			"such as \"12:00:01 EXECUTING 50% START_BROKERS\". It fails (exit status 1)",
			"unless the task ends in SUCCESS, printing the reason of a FAILED task.",
		}, "\n"))
	instance := fs.String("instance", "", "instance `ID`")
	timeout := fs.Duration("timeout", 0, "give up after this long (default: never)")
	asJSON := fs.Bool("json", false, "print no progress, then the finished task as JSON")
	c, instanceID, taskID, err := e.cliTarget(fs, conn, instance, args, true, true)
	if err != nil {
		return err
	}
	ctx, cancel := cliWithTimeout(ctx, *timeout)
	defer cancel()
	if taskID == "" {
		latest, err := c.LatestTask(ctx, instanceID)
		if err != nil {
			return cliTimedOut(ctx, err)
		}
		taskID = latest.ID
	}
	progress := e.stdout
	if *asJSON {
		progress = nil
	}
	t, err := cliWait(ctx, c, progress, instanceID, taskID)
	if err != nil {
		return cliTimedOut(ctx, err)
	}
	if *asJSON {
		if err := cliWriteJSON(e.stdout, t); err != nil {
			return err
		}
	}
	return cliTaskOutcome(t)
}

func cliTasksDelete(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("tasks delete", "[flags] [--instance] INSTANCE_ID TASK_ID",
		"Deletes the record of a finished task (SUCCESS, FAILED or CANCELLED).")
	instance := fs.String("instance", "", "instance `ID`")
	c, instanceID, taskID, err := e.cliTarget(fs, conn, instance, args, true, false)
	if err != nil {
		return err
	}
	if err := c.DeleteTask(ctx, instanceID, taskID); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted task %s\n", taskID)
	return nil
}
