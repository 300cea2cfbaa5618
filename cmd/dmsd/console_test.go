package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/console"
)

// The console is served by the real program: / sends the browser to it, and
// its files come with their security headers. No browser needed.
func TestConsoleServed(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())

	resp, err := http.Get(s.url + "/") // follows the redirect
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "/console/", resp.Request.URL.Path)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Equal(t, console.ContentSecurityPolicy, resp.Header.Get("Content-Security-Policy"))
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Contains(t, string(body), `<script src="app.js" defer></script>`)

	for path, contentType := range map[string]string{"/console/app.js": "text/javascript; charset=utf-8", "/console/app.css": "text/css; charset=utf-8"} {
		resp, err := http.Get(s.url + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Equal(t, contentType, resp.Header.Get("Content-Type"), path)
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
	}
}

// chromiumPath returns the Chromium binary the browser tests drive, skipping
// the test when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Log("SKIPPING the console's browser tests: no chromium binary on PATH or at /usr/bin/chromium (install Debian's chromium package)")
	t.Skip("no chromium binary")
	return ""
}

// artifactsDir is where the browser tests save screenshots: DMSD_ARTIFACTS_DIR
// when set, else a temporary directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("DMSD_ARTIFACTS_DIR"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	return t.TempDir()
}

// consolePage is one browser tab on the console of a test server.
type consolePage struct {
	t         *testing.T
	ctx       context.Context
	artifacts string

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

// openConsole starts headless Chromium with a fresh profile and returns a tab
// that has not navigated yet. It records what the page writes to its console.
func openConsole(t *testing.T) *consolePage {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	// Cleanups run last-in first-out: the browser is gone before its
	// profile directory is removed.
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})

	p := &consolePage{t: t, ctx: ctx, artifacts: artifactsDir(t)}
	messages := chromedp.Console(ctx) // starts the browser; subscribes before any page loads
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.messages = append(p.messages, m)
			p.mu.Unlock()
		}
	}()
	return p
}

// actionTimeout bounds each step the test takes in the tab, well inside the
// test's overall deadline, so a step that cannot complete fails with what
// the page shows rather than with the tab's context gone.
const actionTimeout = 30 * time.Second

// do runs actions in the tab, each call within actionTimeout.
func (p *consolePage) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.failed(err, "actions in the page")
	}
}

// setValue sets the value of the input with the id as a user would leave it,
// with its input and change events. (chromedp.SetValue cannot set "".)
func (p *consolePage) setValue(id, value string) {
	p.t.Helper()
	v, err := json.Marshal(value)
	require.NoError(p.t, err)
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
	})()`, id, v)))
}

// waitFor waits until the JavaScript expression is truthy.
func (p *consolePage) waitFor(what, expr string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		p.failed(err, "waiting for "+what)
	}
}

// text returns the visible text of the first element the CSS selector matches.
func (p *consolePage) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.failed(err, "text of "+sel)
	}
	return strings.TrimSpace(s)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *consolePage, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	require.NoError(p.t, err, "evaluating %s", expr)
	return v
}

// state describes what the page shows, for failure messages.
func (p *consolePage) state() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const q = (s) => document.querySelector(s);
		const banner = q('#error-banner');
		const d = q('#confirm-dialog');
		return 'view: ' + document.body.dataset.view + '\nconfirm dialog open: ' + (d && d.open) + '\nfocus: ' + (document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : '') + '\nerror banner: ' + (banner && !banner.hidden ? q('#error-text').textContent : '(hidden)') +
			'\ntasks: ' + (q('#tasks-body') ? q('#tasks-body').innerText : '') + '\nsummary: ' + (q('#tasks-summary') ? q('#tasks-summary').textContent : '');
	})()`))
	if err != nil {
		s = "(page state unavailable: " + err.Error() + ")"
	}
	p.mu.Lock()
	for _, m := range p.messages {
		s += fmt.Sprintf("\nconsole %s: %s (source %q, %s:%d)", m.Type, m, m.Source, m.URL, m.Line)
	}
	p.mu.Unlock()
	return "page state:\n" + s
}

// failed fails the test with err, what the page shows and a screenshot of it.
func (p *consolePage) failed(err error, what string) {
	p.t.Helper()
	msg := what + "\n" + p.state()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		path := filepath.Join(p.artifacts, "console-failure.png")
		if os.WriteFile(path, png, 0o644) == nil {
			msg += "\nscreenshot: " + path
		}
	}
	require.NoError(p.t, err, msg)
}

// screenshot saves a full-page PNG as an artefact and logs its path.
func (p *consolePage) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	require.NoError(p.t, err)
	path := filepath.Join(p.artifacts, name)
	require.NoError(p.t, os.WriteFile(path, png, 0o644))
	p.t.Logf("screenshot: %s", path)
}

// requireCleanConsole fails if the page threw, logged an error of its own or
// hit the Content-Security-Policy. Failed API calls (401, 404) are expected
// entries of the network log and do not count.
func (p *consolePage) requireCleanConsole() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.messages {
		bad := m.IsException() || m.Source == "security" ||
			(m.Type == chromedp.ConsoleError && m.Source != "network")
		require.False(p.t, bad, "the page's console: %s (source %q, %s:%d)", m, m.Source, m.URL, m.Line)
	}
}

// taskRow is a row of the background task table as a user reads it.
type taskRow struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Word      string `json:"word"`
	User      string `json:"user"`
	Created   string `json:"created"`
	Updated   string `json:"updated"`
	HasDelete bool   `json:"hasDelete"`
}

func (p *consolePage) taskRows() []taskRow {
	p.t.Helper()
	return eval[[]taskRow](p, `Array.from(document.querySelectorAll('#tasks-body tr[data-task-id]'), (r) => ({
		id: r.dataset.taskId, name: r.dataset.taskName, status: r.dataset.status,
		word: r.querySelector('.status').innerText.trim(), user: r.querySelector('td.user').innerText.trim(),
		created: r.cells[4].innerText.trim(), updated: r.cells[5].innerText.trim(),
		hasDelete: !!r.querySelector('button[data-action="delete"]'),
	}))`)
}

// requireDeleteOnlyWhenFinished checks every shown task: a Delete button for
// SUCCESS, FAILED and CANCELLED, none for CREATED and EXECUTING.
func (p *consolePage) requireDeleteOnlyWhenFinished() {
	p.t.Helper()
	for _, r := range p.taskRows() {
		require.Equal(p.t, dmsd.TaskStatus(r.Status).Finished(), r.HasDelete, "task %s (%s) is %s", r.ID, r.Name, r.Status)
	}
}

// watchTaskRows checks every rendering of the task table from now on, not
// only those the test stops at: no Delete button on a CREATED or EXECUTING
// task, ever. It also notes the statuses it saw, since whether the page
// catches a task running depends on timing.
func (p *consolePage) watchTaskRows() {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](`(() => {
		window.__watch = { statuses: {}, violations: [], runningWithProgress: 0 };
		const check = () => {
			for (const r of document.querySelectorAll('#tasks-body tr[data-task-id]')) {
				const st = r.dataset.status;
				window.__watch.statuses[st] = true;
				const del = !!r.querySelector('button[data-action="delete"]');
				if ((st === 'CREATED' || st === 'EXECUTING') === del) window.__watch.violations.push(r.dataset.taskId + ' ' + st + ' delete=' + del);
				if ((st === 'CREATED' || st === 'EXECUTING') && r.nextElementSibling && r.nextElementSibling.dataset.progressFor === r.dataset.taskId) window.__watch.runningWithProgress++;
			}
		};
		new MutationObserver(check).observe(document.querySelector('#tasks-body'), { childList: true, subtree: true, attributes: true });
		check();
	})()`))
}

func (p *consolePage) requireWatchedRowsFine() {
	p.t.Helper()
	w := eval[struct {
		Statuses            map[string]bool `json:"statuses"`
		Violations          []string        `json:"violations"`
		RunningWithProgress int             `json:"runningWithProgress"`
	}](p, `window.__watch`)
	require.Empty(p.t, w.Violations, "a rendering offered Delete for a running task or withheld it from a finished one")
	p.t.Logf("task statuses the page rendered: %v; renderings of a running task with its progress steps: %d", w.Statuses, w.RunningWithProgress)
}

// rowsAre is an expression true when the task table shows exactly the ids.
func rowsAre(ids ...string) string {
	return fmt.Sprintf(`(() => {
		const want = %q.split(',').filter(Boolean).sort().join(',');
		const got = Array.from(document.querySelectorAll('#tasks-body tr[data-task-id]'), (r) => r.dataset.taskId).sort().join(',');
		return document.querySelector('#panel-background').dataset.state === 'ready' && got === want;
	})()`, strings.Join(ids, ","))
}

// restart restarts an instance through the SDK and returns its finished task.
func restart(t *testing.T, s *testServer, instanceID string) model.ListBackgroundTasksRespTasks {
	t.Helper()
	c := s.client(0)
	_, err := c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{instanceID}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	newest := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: instanceID}).Tasks)[0]
	require.Equal(t, "restartInstance", *newest.Name)
	return newest
}

func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	p := openConsole(t)
	s := startServer(t, t.TempDir())
	c := s.client(0)
	cred := s.creds[0]
	inst := createInstance(t, c, "console-demo", 1, false)
	instanceID := *inst.InstanceId
	tasks := *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: instanceID}).Tasks
	require.Len(t, tasks, 1)
	createTask := tasks[0]
	var restartTask model.ListBackgroundTasksRespTasks

	// Each step builds on the one before: stop at the first that fails.
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; f(t) }) {
			t.FailNow()
		}
	}

	signIn := func(secret string) {
		for _, id := range []string{"access-key", "secret-key", "project-id"} {
			p.setValue(id, "")
		}
		p.do(
			chromedp.SendKeys(chromedp.ID("access-key"), cred.AccessKey),
			chromedp.SendKeys(chromedp.ID("secret-key"), secret),
			chromedp.SendKeys(chromedp.ID("project-id"), cred.ProjectID),
			chromedp.Click(chromedp.ID("signin-submit")),
		)
	}

	step("wrong secret shows the API's error", func(t *testing.T) {
		p.do(chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-form")))
		require.Equal(t, s.url+"/console/", eval[string](p, `location.href`), "/ sends the browser to the console")
		signIn("not-" + cred.SecretKey)
		p.do(chromedp.WaitVisible(chromedp.ID("error-banner")))
		msg := p.text("#error-text")
		require.Contains(t, msg, "Sign-in failed")
		require.Contains(t, msg, dmsd.ETOKENINVALID)
		require.Contains(t, msg, "The access key or the signature is invalid.")
		require.Contains(t, msg, "HTTP 401")
		require.True(t, eval[bool](p, `document.querySelector('#instances-view').hidden && !document.querySelector('#signin-view').hidden`), "still signed out")
		p.screenshot("console-signin-error.png")
	})

	step("sign-in lists the instance", func(t *testing.T) {
		signIn(cred.SecretKey)
		row := fmt.Sprintf(`#instances-body tr[data-instance-id=%q]`, instanceID)
		p.do(chromedp.WaitVisible(chromedp.CSS(row)))
		require.True(t, eval[bool](p, `document.querySelector('#error-banner').hidden`), p.state())
		require.Equal(t, "console-demo", p.text(row+" td:nth-child(1)"))
		require.Equal(t, instanceID, p.text(row+" td:nth-child(2)"))
		require.Equal(t, "Running", p.text(row+" td:nth-child(3)"))
		require.Equal(t, "RUNNING", eval[string](p, fmt.Sprintf(`document.querySelector(%q).dataset.status`, row)))
		require.Equal(t, "1", p.text(row+" td:nth-child(4)"))
		require.Equal(t, *inst.KafkaPrivateConnectAddress, p.text(row+" td:nth-child(5)"))
		require.Regexp(t, `^127\.0\.0\.1:\d+$`, p.text(row+" td:nth-child(5)"))
		require.Equal(t, cred.AccessKey, p.text("#session-ak"))

		// The secret is in no field, storage or cookie.
		require.Empty(t, eval[string](p, `document.querySelector('#secret-key').value`))
		require.Equal(t, 0, eval[int](p, `localStorage.length + sessionStorage.length + document.cookie.length`))
		require.NotContains(t, eval[string](p, `document.documentElement.outerHTML`), cred.SecretKey)
		p.screenshot("console-instances.png")
	})

	step("background tasks show the creation", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-action="open-instance"][data-instance-id=%q]`, instanceID))))
		p.waitFor("the creation task", rowsAre(*createTask.Id))
		p.watchTaskRows()
		require.Equal(t, "console-demo", p.text("#instance-title"))
		require.Equal(t, "true", eval[string](p, `document.querySelector('#tab-background').getAttribute('aria-selected')`))
		rows := p.taskRows()
		require.Len(t, rows, 1)
		r := rows[0]
		require.Equal(t, "createInstance", r.Name)
		require.Equal(t, "SUCCESS", r.Status)
		require.Equal(t, "Successful", r.Word)
		require.Equal(t, "alice", r.User)
		require.Equal(t, strings.Replace((*createTask.CreatedAt)[:19], "T", " ", 1), r.Created)
		require.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`, r.Updated)
		require.True(t, r.HasDelete)
		// Successful is shown in green, not in the colour of failure.
		require.Equal(t, "rgb(20, 108, 46)", eval[string](p, `getComputedStyle(document.querySelector('#tasks-body tr[data-task-id] .status')).color`))
	})

	step("progress of a finished task on demand", func(t *testing.T) {
		progressRow := fmt.Sprintf(`tr[data-progress-for=%q]`, *createTask.Id)
		p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-action="progress"][data-task-id=%q]`, *createTask.Id))),
			chromedp.WaitVisible(chromedp.CSS(progressRow)))
		require.Equal(t, "100%", p.text(progressRow+" .progress-pct"))
		steps := eval[[]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll('%s tr[data-step]'), (r) => r.dataset.step + ' ' + r.dataset.status + ' ' + r.cells[1].innerText.trim())`, progressRow))
		require.Equal(t, []string{"START_BROKERS COMPLETED Completed", "CHECK_CLUSTER COMPLETED Completed"}, steps)
	})

	step("keyword and time range narrow the list", func(t *testing.T) {
		// A restart the page learns of by its refresh button; if it catches
		// the task unfinished, its auto-refresh must carry it to Successful.
		restartTask = restart(t, s, instanceID)
		p.do(chromedp.Click(chromedp.ID("tasks-refresh")))
		p.waitFor("both tasks", rowsAre(*createTask.Id, *restartTask.Id))
		p.requireDeleteOnlyWhenFinished()
		restartRow := fmt.Sprintf(`#tasks-body tr[data-task-id=%q]`, *restartTask.Id)
		if status := eval[string](p, fmt.Sprintf(`document.querySelector(%q).dataset.status`, restartRow)); !dmsd.TaskStatus(status).Finished() {
			// Caught running (a restart takes seconds): the page shows its
			// steps, offers no Delete, and follows it to the end by itself.
			t.Logf("the page caught the restart %s; following it without a click", status)
			progressRow := fmt.Sprintf(`tr[data-progress-for=%q]`, *restartTask.Id)
			p.do(chromedp.WaitVisible(chromedp.CSS(progressRow)))
			steps := eval[[]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll('%s tr[data-step]'), (r) => r.dataset.step)`, progressRow))
			require.Equal(t, []string{"STOP_BROKERS", "START_BROKERS", "CHECK_CLUSTER"}, steps)
			p.screenshot("console-task-running.png")
		} else {
			t.Logf("the restart had finished before the page listed it (%s)", status)
		}
		waitTask(t, c, instanceID, *restartTask.Id)
		p.waitFor("the restart to show as Successful", fmt.Sprintf(`(() => { const r = document.querySelector(%q); return r && r.dataset.status === 'SUCCESS' && r.querySelector('.status').innerText.trim() === 'Successful'; })()`, restartRow))
		p.do(chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf(`tr[data-progress-for=%q]`, *restartTask.Id))))
		p.requireDeleteOnlyWhenFinished()
		require.True(t, eval[bool](p, `document.querySelector('#error-banner').hidden`), p.state())
		p.screenshot("console-tasks.png")

		search := func(keyword string) {
			p.setValue("task-search", "")
			if keyword != "" {
				p.do(chromedp.SendKeys(chromedp.ID("task-search"), keyword))
			}
		}
		search("restart") // task name
		p.waitFor("the restart task only", rowsAre(*restartTask.Id))
		require.Contains(t, p.text("#tasks-summary"), "1 of 2 tasks match “restart”")
		search("ALICE") // user name, in any case
		p.waitFor("both tasks", rowsAre(*createTask.Id, *restartTask.Id))
		search(`"broker_num":1`) // parameters: only the creation has them
		require.Contains(t, *createTask.Params, `"broker_num":1`)
		p.waitFor("the creation task only", rowsAre(*createTask.Id))
		search("no-such-task")
		p.waitFor("no task", rowsAre())
		require.Equal(t, "No background tasks match the keyword.", p.text("#tasks-empty"))
		search("")
		p.waitFor("both tasks", rowsAre(*createTask.Id, *restartTask.Id))

		rangeOf := func(begin, end string) {
			p.setValue("task-begin", begin)
			p.setValue("task-end", end)
			p.do(chromedp.Click(chromedp.ID("task-search-submit")))
		}
		rangeOf(time.Now().UTC().AddDate(1, 0, 0).Format("2006-01-02T15:04:05"), "")
		p.waitFor("no task in the future", rowsAre())
		require.Equal(t, "No background tasks in this time range.", p.text("#tasks-empty"))
		rangeOf(time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04"), time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04"))
		p.waitFor("both tasks in the last hour", rowsAre(*createTask.Id, *restartTask.Id))
		rangeOf("", "2001-01-01T00:00:00")
		p.waitFor("no task in the past", rowsAre())
		p.do(chromedp.Click(chromedp.ID("task-range-clear")))
		p.waitFor("both tasks at any time", rowsAre(*createTask.Id, *restartTask.Id))
		require.True(t, eval[bool](p, `document.querySelector('#error-banner').hidden`), p.state())
	})

	step("delete through the confirmation dialog", func(t *testing.T) {
		deleteSel := fmt.Sprintf(`#tasks-body button[data-action="delete"][data-task-id=%q]`, *restartTask.Id)
		deleteButton := chromedp.CSS(deleteSel)

		// Cancel keeps the task.
		p.do(chromedp.Click(deleteButton), chromedp.WaitVisible(chromedp.ID("confirm-dialog")))
		require.Equal(t, "Delete Task", p.text("#confirm-title"))
		require.Contains(t, p.text("#confirm-text"), *restartTask.Id)
		require.True(t, eval[bool](p, `document.querySelector('#confirm-dialog').open && document.querySelector('#confirm-dialog').matches(':modal')`))
		p.screenshot("console-delete-dialog.png")
		p.do(chromedp.Click(chromedp.ID("confirm-cancel")))
		p.waitFor("the dialog to close", `!document.querySelector('#confirm-dialog').open`)
		require.Len(t, p.taskRows(), 2)
		_, err := c.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: instanceID, TaskId: *restartTask.Id})
		require.NoError(t, err, "Cancel deleted nothing")

		// OK deletes it from the page and from the API, also when it answers
		// a Delete asked again at once after a Cancel: the close event of the
		// cancelled dialog is queued, and on a loaded machine it came after
		// the dialog had opened again, where it once answered the new
		// question with "no" and left OK doing nothing. Cancel and the next
		// Delete run here in one task, so the queued event always comes last.
		p.do(chromedp.Click(deleteButton), chromedp.WaitVisible(chromedp.ID("confirm-dialog")),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('#confirm-cancel').click(); document.querySelector(%q).click()`, deleteSel)),
			chromedp.WaitVisible(chromedp.ID("confirm-dialog")),
			chromedp.Click(chromedp.ID("confirm-ok")),
			chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf(`#tasks-body tr[data-task-id=%q]`, *restartTask.Id))))
		p.waitFor("the creation task only", rowsAre(*createTask.Id))
		require.True(t, eval[bool](p, `document.querySelector('#error-banner').hidden`), p.state())
		_, err = c.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: instanceID, TaskId: *restartTask.Id})
		requireDMSError(t, err, http.StatusNotFound, dmsd.ETASKNOTFOUND)
	})

	step("a refused delete shows the API's error", func(t *testing.T) {
		// The page shows a finished task that someone else deletes meanwhile:
		// the page's own delete is refused with 404 DMS.00404070.
		gone := restart(t, s, instanceID)
		waitTask(t, c, instanceID, *gone.Id)
		p.do(chromedp.Click(chromedp.ID("tasks-refresh")))
		p.waitFor("the new restart", rowsAre(*createTask.Id, *gone.Id))
		p.requireDeleteOnlyWhenFinished()
		_, err := c.DeleteBackgroundTask(&model.DeleteBackgroundTaskRequest{InstanceId: instanceID, TaskId: *gone.Id})
		require.NoError(t, err)

		p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#tasks-body button[data-action="delete"][data-task-id=%q]`, *gone.Id))),
			chromedp.WaitVisible(chromedp.ID("confirm-dialog")),
			chromedp.Click(chromedp.ID("confirm-ok")),
			chromedp.WaitVisible(chromedp.ID("error-banner")))
		msg := p.text("#error-text")
		require.Contains(t, msg, "Could not delete the task “Restart instance”")
		require.Contains(t, msg, dmsd.ETASKNOTFOUND)
		require.Contains(t, msg, "HTTP 404")
		// The page refreshes after the refusal; the banner stays.
		p.waitFor("the creation task only", rowsAre(*createTask.Id))
		require.False(t, eval[bool](p, `document.querySelector('#error-banner').hidden`))
		p.screenshot("console-delete-refused.png")
		p.do(chromedp.Click(chromedp.ID("error-dismiss")))
		p.waitFor("the banner to go", `document.querySelector('#error-banner').hidden`)
	})

	step("scheduled tasks tab shows a scheduled reassignment and cancels it", func(t *testing.T) {
		_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: instanceID, Body: &model.CreateInstanceTopicReq{
			Id: "console-topic", Partition: ptr(int32(1)), Replication: ptr(int32(1)),
		}})
		require.NoError(t, err)
		resp, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: instanceID, Body: &model.PartitionReassignRequest{
			Reassignments: []model.PartitionReassignEntity{{Topic: "console-topic", Brokers: &[]int32{0}}},
			IsSchedule:    ptr(true), ExecuteAt: ptr(time.Now().Add(time.Hour).UnixMilli()),
		}})
		require.NoError(t, err)
		jobID := *resp.JobId
		row := fmt.Sprintf(`#scheduled-body tr[data-task-id=%q]`, jobID)

		p.do(chromedp.Click(chromedp.ID("tab-scheduled")), chromedp.WaitVisible(chromedp.CSS(row)))
		require.Equal(t, "CREATED", eval[string](p, fmt.Sprintf(`document.querySelector(%q).dataset.status`, row)))
		require.Equal(t, "kafkaReassignment", eval[string](p, fmt.Sprintf(`document.querySelector(%q).dataset.taskName`, row)))
		p.screenshot("console-scheduled.png")
		require.True(t, eval[bool](p, `document.querySelector('#error-banner').hidden && document.querySelector('#panel-background').hidden`), p.state())
		require.Equal(t, "true", eval[string](p, `document.querySelector('#tab-scheduled').getAttribute('aria-selected')`))

		p.do(chromedp.Click(chromedp.CSS(row+` button[data-action="cancel-scheduled"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-dialog")),
			chromedp.Click(chromedp.ID("confirm-ok")))
		p.waitFor("the task cancelled", fmt.Sprintf(`document.querySelector(%q)?.dataset.status === 'CANCELLED'`, row))
		require.True(t, eval[bool](p, `document.querySelector('#error-banner').hidden`), p.state())

		_, err = c.DeleteScheduledTask(&model.DeleteScheduledTaskRequest{InstanceId: instanceID, TaskId: jobID})
		require.NoError(t, err)
		p.do(chromedp.Click(chromedp.ID("tab-background")))
		p.waitFor("the background tasks again", rowsAre(*createTask.Id))
		p.do(chromedp.Click(chromedp.ID("tab-scheduled")), chromedp.WaitVisible(chromedp.ID("scheduled-empty")))
		require.Equal(t, "No scheduled tasks.", p.text("#scheduled-empty"))
		p.do(chromedp.Click(chromedp.ID("tab-background")))
		p.waitFor("the background tasks again", rowsAre(*createTask.Id))
	})

	step("a network failure is shown in words", func(t *testing.T) {
		s.stop()
		p.do(chromedp.Click(chromedp.ID("tasks-refresh")), chromedp.WaitVisible(chromedp.ID("error-banner")))
		msg := p.text("#error-text")
		require.Contains(t, msg, "Could not load the background tasks")
		require.Contains(t, msg, "Network error: the request to the server failed")
		require.Equal(t, "error", eval[string](p, `document.querySelector('#panel-background').dataset.state`))
		require.Len(t, p.taskRows(), 1, "the last list stays on the page")
	})

	step("sign out forgets the keys", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("signin-form")))
		require.True(t, eval[bool](p, `document.querySelector('#instance-view').hidden && document.querySelector('#session').hidden`))
		require.Empty(t, eval[string](p, `document.querySelector('#secret-key').value + document.querySelector('#access-key').value`))
		require.Equal(t, 0, eval[int](p, `document.querySelectorAll('#tasks-body tr, #instances-body tr').length`))
		require.Equal(t, 0, eval[int](p, `localStorage.length + sessionStorage.length + document.cookie.length`))
	})

	p.t = t
	p.requireCleanConsole()
	p.requireWatchedRowsFine()
}
