package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dmsd/dmsd/client"
)

// cliMessages runs "dmsd messages COMMAND": a topic's messages.
func cliMessages(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return cliGroup(ctx, "messages", []cliCommand{
		{"query", "show a topic's messages in a time window, or the one at a partition and offset", cliMessagesQuery},
		{"send", "send a message to a topic, with a key, headers and a partition", cliMessagesSend},
	}, args, getenv, stdout, stderr)
}

// cliHeaders collects repeated --header NAME=VALUE flags.
type cliHeaders map[string]string

func (h cliHeaders) String() string { return "" }

func (h cliHeaders) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return errors.New("a header is NAME=VALUE")
	}
	h[k] = v
	return nil
}

// cliIntFlag is an integer flag that knows whether it was given.
type cliIntFlag struct {
	set bool
	n   int64
}

func (f *cliIntFlag) String() string { return "" }

func (f *cliIntFlag) Set(s string) error {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n < 0 {
		return errors.New("must be a non-negative integer")
	}
	f.set, f.n = true, n
	return nil
}

// cliCell shortens a message's value for a table cell, on one line.
func cliCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return cliOr(s)
}

func cliMessagesQuery(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("messages query", "[flags] [--instance] INSTANCE_ID --topic TOPIC",
		"Shows a topic's messages, sorted by time: those of a time window (by default the last hour), or with\n--partition and --offset the one message there. Keys and values that are not UTF-8 show as base64.")
	instance := fs.String("instance", "", "instance `ID`")
	topic := fs.String("topic", "", "the `TOPIC` (required)")
	var partition, offset cliIntFlag
	fs.Var(&partition, "partition", "only this `PARTITION`")
	fs.Var(&offset, "offset", "the message at this `OFFSET` of --partition")
	since := fs.Duration("since", time.Hour, "the window starts this long ago, unless --start")
	start := fs.String("start", "", "the window's start `TIME` (RFC 3339, 2006-01-02 15:04:05 local, YYYYMMDDHHmmss UTC)")
	end := fs.String("end", "", "the window's end `TIME` (default now)")
	keyword := fs.String("keyword", "", "only messages whose key or value contains `TEXT`")
	key := fs.String("key", "", "only messages with this `KEY`")
	newest := fs.Bool("newest", false, "newest first")
	limit := fs.Int("limit", 0, "page size, 1 to 50 (default 10)")
	page := fs.Int("page", 0, "page number, from 0")
	asJSON := fs.Bool("json", false, "print JSON: {\"total\": N, \"messages\": [...]}")
	c, instanceID, _, err := e.cliTarget(fs, conn, instance, args, false, false)
	if err != nil {
		return err
	}
	if *topic == "" {
		return errors.New("--topic is required")
	}
	q := client.MessageQuery{Topic: *topic, Keyword: *keyword, Key: *key, Newest: *newest, Limit: *limit, Page: *page}
	if partition.set {
		p := int32(partition.n)
		q.Partition = &p
	}
	if offset.set {
		if !partition.set {
			return errors.New("--offset needs --partition")
		}
		q.Offset = &offset.n
	}
	if q.Start, err = cliParseTime("start", *start); err != nil {
		return err
	}
	if q.Start.IsZero() {
		q.Start = time.Now().Add(-*since)
	}
	if q.End, err = cliParseTime("end", *end); err != nil {
		return err
	}
	got, err := c.QueryMessages(ctx, instanceID, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, got)
	}
	tw := cliTable(e.stdout)
	fmt.Fprintln(tw, "PARTITION\tOFFSET\tTIMESTAMP\tKEY\tSIZE\tVALUE")
	for _, m := range got.Messages {
		k := "-"
		if m.Key != nil {
			k = cliCell(*m.Key)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%s\n", m.Partition, m.Offset, cliTime(m.Timestamp), k, m.Size, cliCell(m.Value))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if shown := len(got.Messages); shown < got.Total {
		fmt.Fprintf(e.stdout, "(%d of %d messages; see --page and --limit)\n", shown, got.Total)
	}
	return nil
}

func cliMessagesSend(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("messages send", "[flags] [--instance] INSTANCE_ID --topic TOPIC BODY",
		"Sends BODY as a message to TOPIC and prints where it was written.")
	instance := fs.String("instance", "", "instance `ID`")
	topic := fs.String("topic", "", "the `TOPIC` (required)")
	key := fs.String("key", "", "the message's `KEY`")
	var partition cliIntFlag
	fs.Var(&partition, "partition", "write to this `PARTITION` (default: Kafka's partitioner chooses)")
	headers := cliHeaders{}
	fs.Var(headers, "header", "a header `NAME=VALUE`; repeat for more")
	asJSON := fs.Bool("json", false, "print JSON: {\"topic\": ..., \"partition\": N, \"offset\": N}")
	pos, err := cliParse(fs, args)
	if err != nil {
		return err
	}
	if *instance == "" && len(pos) > 0 {
		*instance, pos = pos[0], pos[1:]
	}
	if *instance == "" {
		return errors.New("missing instance id: give --instance ID or the id as the first argument")
	}
	if *topic == "" {
		return errors.New("--topic is required")
	}
	if len(pos) != 1 {
		return errors.New("give the message's BODY as one argument")
	}
	c, err := conn.client(e)
	if err != nil {
		return err
	}
	m := client.SendOptions{Topic: *topic, Body: pos[0], Headers: headers}
	if *key != "" {
		m.Key = key
	}
	if partition.set {
		p := int32(partition.n)
		m.Partition = &p
	}
	sent, err := c.SendMessage(ctx, *instance, m)
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, sent)
	}
	fmt.Fprintf(e.stdout, "sent to %s partition %d at offset %d\n", sent.Topic, sent.Partition, sent.Offset)
	return nil
}
