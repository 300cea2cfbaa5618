package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/dmsd/dmsd/client"
)

// cliGroups runs "dmsd groups COMMAND": an instance's consumer groups.
func cliGroups(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return cliGroup(ctx, "groups", []cliCommand{
		{"list", "list an instance's consumer groups with their state and lag", cliGroupsList},
		{"show", "show a group's members and, per partition, its offset, end offset and lag", cliGroupsShow},
		{"reset", "reset a group's committed offsets (a task; the group must have no members)", cliGroupsReset},
		{"delete", "delete a consumer group that has no members", cliGroupsDelete},
	}, args, getenv, stdout, stderr)
}

// cliGroupArgs parses a command's arguments, [--instance] INSTANCE_ID
// GROUP, and returns the client, the instance id and the group.
func (e *cliEnv) cliGroupArgs(fs *flag.FlagSet, conn *cliConn, instance *string, args []string) (*client.Client, string, string, error) {
	pos, err := cliParse(fs, args)
	if err != nil {
		return nil, "", "", err
	}
	id, group, err := cliIDs(*instance, pos, true, true)
	if err != nil {
		return nil, "", "", err
	}
	if group == "" {
		return nil, "", "", errors.New("missing group")
	}
	c, err := conn.client(e)
	return c, id, group, err
}

func cliGroupsList(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("groups list", "[flags] [--instance] INSTANCE_ID",
		"Lists an instance's consumer groups, sorted by name: Kafka's state and the total lag, computed now.")
	instance := fs.String("instance", "", "instance `ID`")
	offset := fs.Int("offset", 0, "skip this many groups")
	limit := fs.Int("limit", 50, "page size, 1 to 50")
	filter := fs.String("group", "", "only groups whose name contains `TEXT`")
	asJSON := fs.Bool("json", false, "print JSON: {\"total\": N, \"groups\": [...]}")
	c, id, _, err := e.cliTarget(fs, conn, instance, args, false, false)
	if err != nil {
		return err
	}
	page, err := c.ListGroups(ctx, id, client.GroupListOptions{Offset: *offset, Limit: *limit, Filter: *filter})
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, page)
	}
	tw := cliTable(e.stdout)
	fmt.Fprintln(tw, "GROUP\tSTATE\tLAG\tCOORDINATOR\tDESCRIPTION")
	for _, g := range page.Groups {
		coordinator := "-"
		if g.Coordinator >= 0 {
			coordinator = strconv.Itoa(int(g.Coordinator))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", g.Name, g.State, g.Lag, coordinator, cliOr(g.Description))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if shown := len(page.Groups); shown < page.Total {
		fmt.Fprintf(e.stdout, "(%d of %d groups; see --offset and --limit)\n", shown, page.Total)
	}
	return nil
}

func cliGroupsShow(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("groups show", "[flags] [--instance] INSTANCE_ID GROUP",
		"Shows a consumer group: its members and, per partition, the committed offset, the end offset and the lag.")
	instance := fs.String("instance", "", "instance `ID`")
	asJSON := fs.Bool("json", false, "print the group as JSON")
	c, id, group, err := e.cliGroupArgs(fs, conn, instance, args)
	if err != nil {
		return err
	}
	g, err := c.ShowGroup(ctx, id, group)
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, g)
	}
	fmt.Fprintf(e.stdout, "group %s: %s, coordinator %d, %d members\n\n", g.Name, g.State, g.Coordinator, len(g.Members))
	tw := cliTable(e.stdout)
	fmt.Fprintln(tw, "TOPIC\tPARTITION\tCOMMITTED\tEND\tLAG")
	for _, o := range g.Offsets {
		committed := "-"
		if o.Committed >= 0 {
			committed = strconv.FormatInt(o.Committed, 10)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\n", o.Topic, o.Partition, committed, o.End, o.Lag)
	}
	if len(g.Members) > 0 {
		fmt.Fprintln(tw, "\nMEMBER\tCLIENT\tHOST\tASSIGNED")
		for _, m := range g.Members {
			assigned := ""
			for _, a := range m.Assignment {
				assigned += fmt.Sprintf("%s%v ", a.Topic, a.Partitions)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.MemberID, cliOr(m.ClientID), cliOr(m.Host), cliOr(assigned))
		}
	}
	return tw.Flush()
}

func cliGroupsReset(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("groups reset", "[flags] [--instance] INSTANCE_ID GROUP (--offset N | --time MS)",
		"Resets a consumer group's committed offsets, on one topic and partition or all, to an offset or a time, "+
			"and prints the id of its kafkaResetConsumerOffset task. The group must have no members.\n"+
			"With --wait, follows the task (progress on stderr) and fails unless it succeeds.")
	instance := fs.String("instance", "", "instance `ID`")
	topic := fs.String("topic", "", "only this `TOPIC` (default: every topic the group committed on)")
	partition := fs.Int("partition", -1, "only this partition of --topic (default -1: all)")
	offset := fs.Int64("offset", -1, "to this `OFFSET`, clamped to each partition's start and end")
	at := fs.Int64("time", -1, "to the first offset at or after this Unix time in `MILLISECONDS`")
	wait := fs.Bool("wait", false, "wait until the task ends")
	timeout := fs.Duration("timeout", 0, "with --wait, give up after this long (default: never)")
	asJSON := fs.Bool("json", false, "print the task as JSON instead of its id")
	c, id, group, err := e.cliGroupArgs(fs, conn, instance, args)
	if err != nil {
		return err
	}
	r := client.OffsetReset{Topic: *topic, Partition: int32(*partition)}
	switch {
	case (*offset >= 0) == (*at >= 0):
		return errors.New("give --offset or --time, not both")
	case *offset >= 0:
		r.MessageOffset = offset
	default:
		r.Timestamp = at
	}
	if err := c.ResetGroupOffsets(ctx, id, group, r); err != nil {
		return err
	}
	task, err := c.LatestTask(ctx, id)
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintln(e.stdout, task.ID)
	}
	if *wait {
		ctx, cancel := cliWithTimeout(ctx, *timeout)
		defer cancel()
		var progress io.Writer = e.stderr
		if *asJSON {
			progress = nil
		}
		if task, err = cliWait(ctx, c, progress, id, task.ID); err != nil {
			return cliTimedOut(ctx, err)
		}
	}
	if *asJSON {
		if err := cliWriteJSON(e.stdout, task); err != nil {
			return err
		}
	}
	if *wait {
		return cliTaskOutcome(task)
	}
	return nil
}

func cliGroupsDelete(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("groups delete", "[flags] [--instance] INSTANCE_ID GROUP",
		"Deletes a consumer group and its committed offsets. Kafka refuses while the group has members.")
	instance := fs.String("instance", "", "instance `ID`")
	c, id, group, err := e.cliGroupArgs(fs, conn, instance, args)
	if err != nil {
		return err
	}
	if err := c.DeleteGroup(ctx, id, group); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted group %s\n", group)
	return nil
}
