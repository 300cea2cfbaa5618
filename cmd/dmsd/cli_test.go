package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
)

// cliRun runs dmsd with args in-process, as a user runs the client, with
// getenv's environment, and returns what it printed.
func cliRun(getenv func(string) string, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

func cliNoEnv(string) string { return "" }

// cli returns a function that runs the client against s with the test
// credentials file, whose first entry is alice's.
func cliAgainst(s *testServer) func(args ...string) (string, string, error) {
	creds := filepath.Join(s.dataDir, "test-credentials.json")
	return func(args ...string) (string, string, error) {
		return cliRun(cliNoEnv, append(args, "--endpoint", s.url, "--credentials", creds)...)
	}
}

// cliMust is cli that must succeed; it returns stdout.
func cliMust(t *testing.T, cli func(args ...string) (string, string, error), args ...string) string {
	t.Helper()
	stdout, stderr, err := cli(args...)
	require.NoError(t, err, "dmsd %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), stdout, stderr)
	return stdout
}

// requireColumn asserts that the table's first line has the column header
// and that row holds value at the header's offset.
func requireColumn(t *testing.T, table, header, row, value string) {
	t.Helper()
	lines := strings.Split(table, "\n")
	col := strings.Index(lines[0], header)
	require.GreaterOrEqual(t, col, 0, "no column %s in\n%s", header, table)
	for _, line := range lines[1:] {
		if strings.Contains(line, row) {
			require.Equal(t, col, strings.Index(line, value), "column %s of the row %s in\n%s", header, row, table)
			return
		}
	}
	t.Fatalf("no row %s in\n%s", row, table)
}

var (
	cliTaskID    = regexp.MustCompile(`^[0-9a-f]{32}\n$`)
	cliPlainLine = regexp.MustCompile(`^\d\d:\d\d:\d\d (CREATED|EXECUTING|SUCCESS) \d{1,3}%( [A-Z_]+)?$`)
)

func TestCLIInstancesAndTasks(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	cli := cliAgainst(s)

	// Create and wait: the id alone on stdout, the progress on stderr.
	stdout, stderr, err := cli("instances", "create", "--name", "cli-orders", "--brokers", "1", "--storage", "100", "--auto-topic", "--wait")
	require.NoError(t, err, stderr)
	id := strings.TrimSpace(stdout)
	require.True(t, dmsd.ValidInstanceID(id), stdout)
	require.Contains(t, stderr, " SUCCESS 100%\n")
	require.Contains(t, stderr, "instance "+id+" is RUNNING; Kafka at 127.0.0.1:")

	table := cliMust(t, cli, "instances", "list")
	require.True(t, strings.HasPrefix(table, "INSTANCE ID "), table)
	requireColumn(t, table, "NAME", id, "cli-orders")
	requireColumn(t, table, "STATUS", id, "RUNNING")
	requireColumn(t, table, "STORAGE", id, "100 GB")
	requireColumn(t, table, "ADDRESS", id, "127.0.0.1:")

	var list []client.Instance
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "instances", "list", "--json")), &list))
	require.Len(t, list, 1)
	require.Equal(t, id, list[0].ID)
	require.Equal(t, dmsd.InstanceRunning, list[0].Status)

	shown := cliMust(t, cli, "instances", "show", id)
	require.Regexp(t, `(?m)^STATUS: +RUNNING$`, shown)
	require.Regexp(t, `(?m)^AUTO TOPIC: +true$`, shown)
	require.Regexp(t, `(?m)^USER: +alice \(`, shown)
	var inst client.Instance
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "instances", "show", "--json", "--instance", id)), &inst))
	require.Equal(t, list[0], inst)
	require.True(t, inst.EnableAutoTopic)
	require.Equal(t, []string{dmsd.DefaultZoneID}, inst.AvailableZones)

	// Restart prints its task's id; tasks wait follows it in plain lines,
	// as its stdout is no terminal.
	stdout = cliMust(t, cli, "instances", "restart", id)
	require.Regexp(t, cliTaskID, stdout)
	restartID := strings.TrimSpace(stdout)
	waited := cliMust(t, cli, "tasks", "wait", id, restartID)
	lines := strings.Split(strings.TrimSuffix(waited, "\n"), "\n")
	for _, line := range lines {
		require.Regexp(t, cliPlainLine, line)
	}
	require.Regexp(t, `^\d\d:\d\d:\d\d SUCCESS 100%$`, lines[len(lines)-1])
	require.NotContains(t, waited, "\r")

	var page client.TaskPage
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "tasks", "list", "--json", "--instance", id)), &page))
	require.Equal(t, 2, page.Count)
	require.Len(t, page.Tasks, 2)
	require.Equal(t, restartID, page.Tasks[0].ID)
	require.Equal(t, "restartInstance", page.Tasks[0].Name)
	require.Equal(t, dmsd.TaskSuccess, page.Tasks[0].Status)
	require.Equal(t, "createInstance", page.Tasks[1].Name)
	require.Equal(t, id, page.Tasks[1].InstanceID)
	createID := page.Tasks[1].ID

	table = cliMust(t, cli, "tasks", "list", id)
	requireColumn(t, table, "NAME", restartID, "restartInstance")
	requireColumn(t, table, "STATUS", createID, "SUCCESS")
	requireColumn(t, table, "USER", createID, "alice")
	table = cliMust(t, cli, "tasks", "list", id, "--limit", "1", "--begin", "2000-01-01", "--end", "20991231235959")
	require.Contains(t, table, restartID)
	require.NotContains(t, table, createID)
	require.Contains(t, table, "(1 of 2 tasks; see --offset and --limit)")

	shown = cliMust(t, cli, "tasks", "show", id, restartID)
	require.Regexp(t, `(?m)^NAME: +restartInstance$`, shown)
	require.Regexp(t, `(?m)^STATUS: +SUCCESS$`, shown)
	var task client.Task
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "tasks", "show", "--instance", id, restartID, "--json")), &task))
	require.Equal(t, page.Tasks[0], task)

	progress := cliMust(t, cli, "tasks", "progress", id, restartID)
	require.Contains(t, progress, "PROGRESS: 100%")
	for _, step := range []string{"STOP_BROKERS", "START_BROKERS", "CHECK_CLUSTER"} {
		requireColumn(t, progress[strings.Index(progress, "STEP"):], "STATUS", step, "SUCCESS")
	}
	var p client.Progress
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "tasks", "progress", id, restartID, "--json")), &p))
	require.Equal(t, 100, p.Percentage)
	require.Len(t, p.Steps, 3)

	// tasks wait --json on a finished task prints it and succeeds.
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "tasks", "wait", "--json", id)), &task))
	require.Equal(t, restartID, task.ID)

	// A deleted task is gone; the error names the DMS code.
	require.Equal(t, "deleted task "+createID+"\n", cliMust(t, cli, "tasks", "delete", id, createID))
	_, _, err = cli("tasks", "show", id, createID)
	require.ErrorContains(t, err, dmsd.ETASKNOTFOUND)
	require.ErrorContains(t, err, "HTTP 404, request id ")

	// Credentials: a wrong secret is refused; another entry of the file is
	// another project, which does not see this instance.
	_, _, err = cliRun(cliNoEnv, "instances", "list", "--endpoint", s.url,
		"--access-key", s.creds[0].AccessKey, "--secret-key", "wrong", "--project-id", s.creds[0].ProjectID)
	require.ErrorContains(t, err, dmsd.ETOKENINVALID)
	_, _, err = cli("instances", "show", id, "--access-key", s.creds[1].AccessKey)
	require.ErrorContains(t, err, dmsd.EINSTANCENOTFOUND)
	// The environment works as the flags do.
	env := map[string]string{
		"DMSD_ENDPOINT":   s.url,
		"DMSD_ACCESS_KEY": s.creds[0].AccessKey,
		"DMSD_SECRET_KEY": s.creds[0].SecretKey,
		"DMSD_PROJECT_ID": s.creds[0].ProjectID,
	}
	stdout, _, err = cliRun(func(k string) string { return env[k] }, "instances", "list")
	require.NoError(t, err)
	require.Contains(t, stdout, id)

	// Delete and wait: the task takes the instance and its records along.
	stdout, stderr, err = cli("instances", "delete", id, "--wait")
	require.NoError(t, err, stderr)
	_, _, err = cli("instances", "show", id)
	require.ErrorContains(t, err, dmsd.EINSTANCENOTFOUND)
}

func TestCLITaskOutcome(t *testing.T) {
	t.Parallel()
	task := client.Task{ID: "0123456789abcdef0123456789abcdef", Name: "restartInstance"}

	task.Status = dmsd.TaskSuccess
	require.NoError(t, cliTaskOutcome(task))

	task.Status, task.Reason = dmsd.TaskFailed, "CHECK_CLUSTER: broker 2 did not answer"
	require.EqualError(t, cliTaskOutcome(task), "task 0123456789abcdef0123456789abcdef (restartInstance) FAILED: CHECK_CLUSTER: broker 2 did not answer")
	task.Reason = ""
	require.ErrorContains(t, cliTaskOutcome(task), "FAILED: no reason given")

	task.Status = dmsd.TaskCancelled
	require.ErrorContains(t, cliTaskOutcome(task), "was CANCELLED")
	task.Status = dmsd.TaskExecuting
	require.ErrorContains(t, cliTaskOutcome(task), "is not finished: EXECUTING")
}

func TestCLIProgress(t *testing.T) {
	t.Parallel()
	task := client.Task{Name: "restartInstance", Status: dmsd.TaskExecuting}
	steps := func(statuses ...dmsd.StepStatus) []client.Step {
		names := []string{"STOP_BROKERS", "START_BROKERS", "CHECK_CLUSTER"}
		out := make([]client.Step, len(statuses))
		for i, s := range statuses {
			out[i] = client.Step{Name: names[i], Status: s}
		}
		return out
	}
	w, e, s := dmsd.StepWaiting, dmsd.StepExecuting, dmsd.StepSuccess
	states := []struct {
		status   dmsd.TaskStatus
		progress client.Progress
	}{
		{dmsd.TaskCreated, client.Progress{Percentage: 0, RemainSeconds: 3, Steps: steps(w, w, w)}},
		{dmsd.TaskExecuting, client.Progress{Percentage: 0, RemainSeconds: 3, Steps: steps(e, w, w)}},
		{dmsd.TaskExecuting, client.Progress{Percentage: 0, RemainSeconds: 2, Steps: steps(e, w, w)}}, // no change to show
		{dmsd.TaskExecuting, client.Progress{Percentage: 33, RemainSeconds: 2, Steps: steps(s, w, w)}},
		{dmsd.TaskExecuting, client.Progress{Percentage: 66, RemainSeconds: 1, Steps: steps(s, s, e)}},
		{dmsd.TaskSuccess, client.Progress{Percentage: 100, Steps: steps(s, s, s)}},
	}

	var plain bytes.Buffer
	p := &cliProgress{w: &plain, now: func() time.Time { return time.Date(2025, 1, 1, 12, 0, 1, 0, time.Local) }}
	for _, st := range states {
		task.Status = st.status
		p.update(task, st.progress)
	}
	p.done()
	require.Equal(t, strings.Join([]string{
		"12:00:01 CREATED 0%",
		"12:00:01 EXECUTING 0% STOP_BROKERS",
		"12:00:01 EXECUTING 33% START_BROKERS",
		"12:00:01 EXECUTING 66% CHECK_CLUSTER",
		"12:00:01 SUCCESS 100%",
	}, "\n")+"\n", plain.String())

	var tty bytes.Buffer
	p = &cliProgress{w: &tty, tty: true, now: time.Now}
	task.Status = dmsd.TaskExecuting
	p.update(task, states[4].progress)
	task.Status = dmsd.TaskSuccess
	p.update(task, states[5].progress)
	p.done()
	first := "restartInstance [" + strings.Repeat("#", 15) + strings.Repeat("-", 9) + "] EXECUTING 66% CHECK_CLUSTER (~1s left)"
	second := "restartInstance [" + strings.Repeat("#", 24) + "] SUCCESS 100%"
	require.Equal(t, "\r"+first+"\r"+second+strings.Repeat(" ", len(first)-len(second))+"\n", tty.String())

	// Neither a buffer nor a regular file is a terminal.
	require.False(t, cliIsTerminal(&tty))
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	require.NoError(t, err)
	defer f.Close()
	require.False(t, cliIsTerminal(f))
}

func TestCLIConnection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	creds := credentialsFile{Credentials: []dmsd.Credential{
		{AccessKey: "AKFIRST", SecretKey: "secret-first", ProjectID: dmsd.NewID()},
		{AccessKey: "AKSECOND", SecretKey: "secret-second", ProjectID: dmsd.NewID()},
	}}
	data, err := json.Marshal(creds)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "credentials.json"), data, 0o600))

	connect := func(env map[string]string, args ...string) (*client.Client, error) {
		e := &cliEnv{getenv: func(k string) string { return env[k] }, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		fs, conn := e.cliFlags("test", "", "")
		if _, err := cliParse(fs, args); err != nil {
			return nil, err
		}
		return conn.client(e)
	}

	// The generated file in the data dir, first entry, default endpoint.
	c, err := connect(map[string]string{"DMSD_DATA_DIR": dir})
	require.NoError(t, err)
	require.Equal(t, cliDefaultEndpoint, c.Endpoint())
	require.Equal(t, creds.Credentials[0].ProjectID, c.ProjectID())

	// --access-key picks the entry; flags beat the environment.
	c, err = connect(map[string]string{"DMSD_CREDENTIALS": filepath.Join(dir, "credentials.json"), "DMSD_ENDPOINT": "http://env:1"},
		"--access-key", "AKSECOND", "--endpoint", "127.0.0.1:9999/")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9999", c.Endpoint())
	require.Equal(t, creds.Credentials[1].ProjectID, c.ProjectID())
	_, err = connect(map[string]string{"DMSD_DATA_DIR": dir}, "--access-key", "AKNONE")
	require.ErrorContains(t, err, "has no access key AKNONE")

	// Keys without a file.
	c, err = connect(map[string]string{"DMSD_DATA_DIR": t.TempDir(), "DMSD_ENDPOINT": "http://env:1"},
		"--access-key", "AK", "--secret-key", "SK", "--project-id", "p1")
	require.NoError(t, err)
	require.Equal(t, "http://env:1", c.Endpoint())
	require.Equal(t, "p1", c.ProjectID())
	_, err = connect(map[string]string{"DMSD_DATA_DIR": t.TempDir()}, "--secret-key", "SK")
	require.ErrorContains(t, err, "no access key")

	// No credentials anywhere.
	_, err = connect(map[string]string{"DMSD_DATA_DIR": t.TempDir()})
	require.ErrorContains(t, err, "give --credentials FILE")
}

func TestCLIUsage(t *testing.T) {
	t.Parallel()
	_, stderr, err := cliRun(cliNoEnv, "tasks")
	require.EqualError(t, err, "tasks: missing command")
	require.Contains(t, stderr, "Usage: dmsd tasks COMMAND")
	require.Contains(t, stderr, "  wait ")

	_, stderr, err = cliRun(cliNoEnv, "instances", "-h")
	require.NoError(t, err)
	require.Contains(t, stderr, "  restart ")

	_, _, err = cliRun(cliNoEnv, "instances", "resize")
	require.EqualError(t, err, `instances: unknown command "resize"`)

	_, stderr, err = cliRun(cliNoEnv, "tasks", "wait", "-h")
	require.NoError(t, err)
	require.Contains(t, stderr, "Usage: dmsd tasks wait [flags] [--instance] INSTANCE_ID [TASK_ID]")
	require.Contains(t, stderr, "-timeout")

	_, _, err = cliRun(cliNoEnv, "tasks", "show", "--endpoint", "http://127.0.0.1:1")
	require.ErrorContains(t, err, "missing instance id")
	_, _, err = cliRun(cliNoEnv, "tasks", "show", "--instance", "i")
	require.ErrorContains(t, err, "missing task id")
	_, _, err = cliRun(cliNoEnv, "tasks", "show", "i", "t", "extra")
	require.ErrorContains(t, err, `unexpected argument "extra"`)
	_, _, err = cliRun(cliNoEnv, "instances", "create")
	require.ErrorContains(t, err, "--name is required")
	_, _, err = cliRun(cliNoEnv, "tasks", "list", "i", "--begin", "yesterday")
	require.ErrorContains(t, err, `--begin: "yesterday" is not a time`)

	// Flags and arguments mix; "--" ends the flags.
	fs, _ := (&cliEnv{getenv: cliNoEnv, stderr: &bytes.Buffer{}}).cliFlags("x", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, err := cliParse(fs, []string{"a", "--json", "b", "--", "--c"})
	require.NoError(t, err)
	require.True(t, *asJSON)
	require.Equal(t, []string{"a", "b", "--c"}, pos)

	// dmsd that is not there: the error says where it looked.
	_, _, err = cliRun(cliNoEnv, "instances", "list", "--endpoint", "http://127.0.0.1:1", "--access-key", "AK", "--secret-key", "SK", "--project-id", dmsd.NewID())
	require.ErrorContains(t, err, "is dmsd serving there?")
}

func TestCLIWaitTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	cli := cliAgainst(s)
	id := strings.TrimSpace(cliMust(t, cli, "instances", "create", "--name", "cli-timeout", "--brokers", "1"))
	// A timeout that has passed before the first poll ends: nothing is
	// waited for, and the error says so.
	_, _, err := cli("tasks", "wait", id, "--timeout", "1ns")
	require.ErrorContains(t, err, "--timeout")
	cliMust(t, cli, "tasks", "wait", id, "--json") // let it finish before cleanup
}
