package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dmsd/dmsd/client"
)

// cliScheduled runs "dmsd scheduled COMMAND": an instance's scheduled tasks.
func cliScheduled(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return cliGroup(ctx, "scheduled", []cliCommand{
		{"list", "list an instance's scheduled tasks, newest first", cliScheduledList},
		{"update", "move a scheduled task that has not started to another time", cliScheduledUpdate},
		{"cancel", "cancel a scheduled task that has not started", cliScheduledCancel},
		{"delete", "delete a scheduled task that has not started or has finished", cliScheduledDelete},
	}, args, getenv, stdout, stderr)
}

func cliScheduledList(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("scheduled list", "[flags] [--instance] INSTANCE_ID",
		"Lists an instance's scheduled tasks, whatever their status, newest first.")
	instance := fs.String("instance", "", "instance `ID`")
	offset := fs.Int("offset", 0, "skip this many of the newest scheduled tasks")
	limit := fs.Int("limit", 0, "page size, 1 to 100 (default 10)")
	asJSON := fs.Bool("json", false, "print JSON: {\"count\": N, \"tasks\": [...]}")
	c, instanceID, _, err := e.cliTarget(fs, conn, instance, args, false, false)
	if err != nil {
		return err
	}
	page, err := c.ListScheduledTasks(ctx, instanceID, client.TaskListOptions{Offset: *offset, Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, page)
	}
	tw := cliTable(e.stdout)
	fmt.Fprintln(tw, "TASK ID\tNAME\tSTATUS\tEXECUTE AT\tCREATED")
	for _, t := range page.Tasks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Status, cliTime(t.ExecuteAt), cliTime(t.CreatedAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if shown := len(page.Tasks); shown < page.Count {
		fmt.Fprintf(e.stdout, "(%d of %d scheduled tasks; see --offset and --limit)\n", shown, page.Count)
	}
	return nil
}

func cliScheduledUpdate(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("scheduled update", "[flags] [--instance] INSTANCE_ID TASK_ID --at TIME",
		"Moves a scheduled task that has not started (CREATED) to run at another time.")
	instance := fs.String("instance", "", "instance `ID`")
	at := fs.String("at", "", "when the task runs: `TIME` as RFC 3339, 2006-01-02 15:04:05 (local) or YYYYMMDDHHmmss (UTC)")
	pos, err := cliParse(fs, args)
	if err != nil {
		return err
	}
	instanceID, taskID, err := cliIDs(*instance, pos, true, false)
	if err != nil {
		return err
	}
	if *at == "" {
		return errors.New("--at is required")
	}
	when, err := cliParseTime("at", *at)
	if err != nil {
		return err
	}
	c, err := conn.client(e)
	if err != nil {
		return err
	}
	if err := c.RescheduleTask(ctx, instanceID, taskID, when); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "task %s runs at %s\n", taskID, cliTime(when))
	return nil
}

func cliScheduledCancel(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("scheduled cancel", "[flags] [--instance] INSTANCE_ID TASK_ID",
		"Cancels a scheduled task that has not started: it becomes CANCELLED and never runs.")
	instance := fs.String("instance", "", "instance `ID`")
	c, instanceID, taskID, err := e.cliTarget(fs, conn, instance, args, true, false)
	if err != nil {
		return err
	}
	if err := c.CancelTask(ctx, instanceID, taskID); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "cancelled task %s\n", taskID)
	return nil
}

func cliScheduledDelete(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("scheduled delete", "[flags] [--instance] INSTANCE_ID TASK_ID",
		"Deletes a scheduled task that has not started (it then never runs) or has finished.")
	instance := fs.String("instance", "", "instance `ID`")
	c, instanceID, taskID, err := e.cliTarget(fs, conn, instance, args, true, false)
	if err != nil {
		return err
	}
	if err := c.DeleteScheduledTask(ctx, instanceID, taskID); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted scheduled task %s\n", taskID)
	return nil
}
