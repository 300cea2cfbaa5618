package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
)

// The command-line client: "dmsd tasks ..." and "dmsd instances ...". Each
// subcommand parses its own flag set, writes to the stdout and stderr it is
// given, and returns the error that makes dmsd exit non-zero.

// cliDefaultEndpoint is where the client looks for dmsd without --endpoint or
// DMSD_ENDPOINT: the address dmsd serves on by default.
const cliDefaultEndpoint = "http://127.0.0.1:9780"

// cliEnv is what a client subcommand runs with.
type cliEnv struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// cliCommand is one subcommand of a group.
type cliCommand struct {
	name    string
	summary string
	run     func(ctx context.Context, e *cliEnv, args []string) error
}

// cliGroup runs the subcommand of a group ("tasks", "instances") that args
// names. Help (-h) is not an error; a missing or unknown subcommand is.
func cliGroup(ctx context.Context, group string, commands []cliCommand, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	usage := func() {
		fmt.Fprintf(stderr, "Usage: dmsd %s COMMAND [flags] [arguments]\n\nCommands:\n", group)
		tw := tabwriter.NewWriter(stderr, 0, 0, 2, ' ', 0)
		for _, c := range commands {
			fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
		}
		tw.Flush()
		fmt.Fprintf(stderr, "\nRun 'dmsd %s COMMAND -h' for a command's flags.\n", group)
	}
	if len(args) == 0 {
		usage()
		return fmt.Errorf("%s: missing command", group)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage()
		return nil
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, &cliEnv{getenv: getenv, stdout: stdout, stderr: stderr}, args[1:])
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cliExplain(err)
	}
	usage()
	return fmt.Errorf("%s: unknown command %q", group, args[0])
}

// cliExplain adds a hint to an error that says dmsd could not be reached.
func cliExplain(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w (is dmsd serving there? see --endpoint)", err)
	}
	return err
}

// cliConn holds the flags that say which dmsd to call and as whom.
type cliConn struct {
	endpoint, accessKey, secretKey, projectID, credentials string
}

// cliFlags returns the flag set of a subcommand with the connection flags
// registered. usage is the arguments' synopsis; about says what it does.
func (e *cliEnv) cliFlags(name, synopsis, about string) (*flag.FlagSet, *cliConn) {
	fs := flag.NewFlagSet("dmsd "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: dmsd %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	var c cliConn
	fs.StringVar(&c.endpoint, "endpoint", "", "dmsd's API `URL` (DMSD_ENDPOINT; default "+cliDefaultEndpoint+")")
	fs.StringVar(&c.accessKey, "access-key", "", "access key; with a credentials file, selects its entry (DMSD_ACCESS_KEY)")
	fs.StringVar(&c.secretKey, "secret-key", "", "secret key (DMSD_SECRET_KEY)")
	fs.StringVar(&c.projectID, "project-id", "", "project id (DMSD_PROJECT_ID)")
	fs.StringVar(&c.credentials, "credentials", "", "credentials `FILE` as dmsd reads it (DMSD_CREDENTIALS); without it and without a secret key, the file dmsd generated: $DMSD_DATA_DIR/credentials.json, default ./dmsd-data/credentials.json")
	return fs, &c
}

// client returns the API client the connection flags describe. Each value
// comes from its flag, else its DMSD_* variable. A credentials file is read
// when one is named (--credentials or DMSD_CREDENTIALS) or when no secret key
// is given, in which case it is the file dmsd generated in its data dir; its
// entry is the one of the access key given, else the first, and values given
// explicitly override the entry's.
func (c *cliConn) client(e *cliEnv) (*client.Client, error) {
	pick := func(flagValue, env string) string {
		if flagValue != "" {
			return flagValue
		}
		return e.getenv(env)
	}
	endpoint := pick(c.endpoint, "DMSD_ENDPOINT")
	if endpoint == "" {
		endpoint = cliDefaultEndpoint
	}
	cred := client.Credentials{
		AccessKey: pick(c.accessKey, "DMSD_ACCESS_KEY"),
		SecretKey: pick(c.secretKey, "DMSD_SECRET_KEY"),
		ProjectID: pick(c.projectID, "DMSD_PROJECT_ID"),
	}
	path := pick(c.credentials, "DMSD_CREDENTIALS")
	if path != "" || cred.SecretKey == "" {
		if path == "" {
			dataDir := e.getenv("DMSD_DATA_DIR")
			if dataDir == "" {
				dataDir = "./dmsd-data"
			}
			path = filepath.Join(dataDir, "credentials.json")
		}
		entry, err := cliCredential(path, cred.AccessKey)
		if err != nil {
			return nil, err
		}
		cred.AccessKey = entry.AccessKey
		if cred.SecretKey == "" {
			cred.SecretKey = entry.SecretKey
		}
		if cred.ProjectID == "" {
			cred.ProjectID = entry.ProjectID
		}
	}
	switch {
	case cred.AccessKey == "":
		return nil, errors.New("no access key: give --access-key (DMSD_ACCESS_KEY) or --credentials FILE")
	case cred.ProjectID == "":
		return nil, errors.New("no project id: give --project-id (DMSD_PROJECT_ID) or --credentials FILE")
	}
	return client.New(endpoint, cred), nil
}

// cliCredential returns the entry of the credentials file at path whose
// access key is accessKey, or the first entry when accessKey is "".
func cliCredential(path, accessKey string) (dmsd.Credential, error) {
	creds, err := loadCredentials(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return dmsd.Credential{}, fmt.Errorf("credentials: %w; give --credentials FILE, or --access-key, --secret-key and --project-id", err)
		}
		return dmsd.Credential{}, fmt.Errorf("credentials: %w", err)
	}
	if accessKey == "" {
		return creds[0], nil
	}
	for _, c := range creds {
		if c.AccessKey == accessKey {
			return c, nil
		}
	}
	return dmsd.Credential{}, fmt.Errorf("credentials: %s has no access key %s", path, accessKey)
}

// cliParse parses args with fs, flags and arguments in any order, and
// returns the arguments; everything after "--" is an argument.
func cliParse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// cliTarget parses a command's arguments and returns the API client and the
// instance and task ids they name (see cliIDs for withTask and taskOptional).
// instance is the --instance flag's value, read after parsing.
func (e *cliEnv) cliTarget(fs *flag.FlagSet, conn *cliConn, instance *string, args []string, withTask, taskOptional bool) (*client.Client, string, string, error) {
	pos, err := cliParse(fs, args)
	if err != nil {
		return nil, "", "", err
	}
	instanceID, taskID, err := cliIDs(*instance, pos, withTask, taskOptional)
	if err != nil {
		return nil, "", "", err
	}
	c, err := conn.client(e)
	return c, instanceID, taskID, err
}

// cliIDs returns the instance id, from --instance or else the first
// argument, and then, when withTask, the task id from the next argument. A
// missing task id is an error unless taskOptional. Extra arguments are an
// error.
func cliIDs(instanceFlag string, args []string, withTask, taskOptional bool) (instanceID, taskID string, err error) {
	instanceID = instanceFlag
	if instanceID == "" {
		if len(args) == 0 {
			return "", "", errors.New("missing instance id: give --instance ID or the id as the first argument")
		}
		instanceID, args = args[0], args[1:]
	}
	if withTask {
		switch {
		case len(args) > 0:
			taskID, args = args[0], args[1:]
		case !taskOptional:
			return "", "", errors.New("missing task id")
		}
	}
	if len(args) > 0 {
		return "", "", fmt.Errorf("unexpected argument %q", args[0])
	}
	return instanceID, taskID, nil
}

// cliWriteJSON writes v as indented JSON.
func cliWriteJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// cliTable returns a tabwriter for aligned columns; Flush it.
func cliTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// cliTime formats a time for people, in local time; the zero time is "-".
func cliTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// cliOr returns s, or "-" when it is empty, for table cells.
func cliOr(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cliIsTerminal reports whether w is a terminal: an *os.File on a character
// device.
func cliIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// cliWithTimeout returns ctx bounded by d, unless d is 0. Pass the errors of
// calls under it through cliTimedOut.
func cliWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// cliProgress shows a task's progress as WaitTask reports it: on a terminal,
// one line redrawn in place with a bar and the current step; elsewhere one
// plain line per change, such as "12:00:01 EXECUTING 50% START_BROKERS".
type cliProgress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	last  string // the last plain line's state
	width int    // the length of the terminal line drawn last
}

func newCLIProgress(w io.Writer) *cliProgress {
	return &cliProgress{w: w, tty: cliIsTerminal(w), now: time.Now}
}

// update shows the state of t and p.
func (c *cliProgress) update(t client.Task, p client.Progress) {
	state := fmt.Sprintf("%s %d%%", t.Status, p.Percentage)
	if step, ok := p.CurrentStep(); ok {
		state += " " + step.Name
	}
	if !c.tty {
		if state != c.last {
			c.last = state
			fmt.Fprintf(c.w, "%s %s\n", c.now().Format("15:04:05"), state)
		}
		return
	}
	const barWidth = 24
	filled := min(max(p.Percentage, 0), 100) * barWidth / 100
	line := fmt.Sprintf("%s [%s%s] %s", t.Name, strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled), state)
	if !t.Status.Finished() && p.RemainSeconds > 0 {
		line += fmt.Sprintf(" (~%ds left)", p.RemainSeconds)
	}
	fmt.Fprintf(c.w, "\r%s%s", line, strings.Repeat(" ", max(c.width-len(line), 0)))
	c.width = len(line)
}

// done ends the terminal line, if one was drawn.
func (c *cliProgress) done() {
	if c.tty && c.width > 0 {
		fmt.Fprintln(c.w)
		c.width = 0
	}
}

// cliWait follows a task to its end, showing its progress on w unless w is
// nil, and returns it as it ended.
func cliWait(ctx context.Context, c *client.Client, w io.Writer, instanceID, taskID string) (client.Task, error) {
	var onProgress func(client.Task, client.Progress)
	if w != nil {
		p := newCLIProgress(w)
		defer p.done()
		onProgress = p.update
	}
	return c.WaitTask(ctx, instanceID, taskID, onProgress)
}

// cliTimedOut returns err, saying so when it is due to ctx's deadline, the
// --timeout of a wait.
func cliTimedOut(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("gave up waiting at --timeout: %w", err)
	}
	return err
}

// cliTaskOutcome returns the error that a finished task makes dmsd exit
// with: nil for SUCCESS, an error with the reason for FAILED, an error for
// CANCELLED and for a task that is not finished.
func cliTaskOutcome(t client.Task) error {
	switch t.Status {
	case dmsd.TaskSuccess:
		return nil
	case dmsd.TaskFailed:
		reason := t.Reason
		if reason == "" {
			reason = "no reason given"
		}
		return fmt.Errorf("task %s (%s) FAILED: %s", t.ID, t.Name, reason)
	case dmsd.TaskCancelled:
		return fmt.Errorf("task %s (%s) was CANCELLED", t.ID, t.Name)
	}
	return fmt.Errorf("task %s (%s) is not finished: %s", t.ID, t.Name, t.Status)
}
