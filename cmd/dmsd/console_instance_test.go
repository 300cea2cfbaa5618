package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// duSize writes n bytes as du -h does, the way the disk usage API shows
// sizes: the test's own copy, so that a change of the API's format shows.
func duSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(max(n, 0), 10)
	}
	v := float64(n)
	unit := ""
	for _, u := range []string{"K", "M", "G", "T", "P"} {
		if v < 1024 {
			break
		}
		v /= 1024
		unit = u
	}
	if v < 10 {
		return fmt.Sprintf("%.1f%s", math.Ceil(v*10)/10, unit)
	}
	return fmt.Sprintf("%.0f%s", math.Ceil(v), unit)
}

// signInConsole opens the console of s in p, signs in with the first
// credentials and opens the instance's page on its background tasks.
func signInConsole(p *consolePage, s *testServer, instanceID string) {
	p.t.Helper()
	cred := s.creds[0]
	p.do(chromedp.Navigate(s.url+"/console/"), chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.ID("access-key"), cred.AccessKey),
		chromedp.SendKeys(chromedp.ID("secret-key"), cred.SecretKey),
		chromedp.SendKeys(chromedp.ID("project-id"), cred.ProjectID),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-action="open-instance"][data-instance-id=%q]`, instanceID))))
	p.waitFor("the background tasks", `document.querySelector('#panel-background').dataset.state === 'ready'`)
}

// requireNoBanner fails with what the page shows if it shows an error.
func (p *consolePage) requireNoBanner() {
	p.t.Helper()
	require.True(p.t, eval[bool](p, `document.querySelector('#error-banner').hidden`), p.state())
}

// The instance page's Topics and Consumer Groups tabs, driven as a user:
// what they show is what kadm reports for the same cluster, a reset of
// offsets started from the page runs as a task whose progress the page
// shows, and a delete there deletes the group on the cluster.
func TestConsoleInstancePages(t *testing.T) {
	t.Parallel()
	p := openConsole(t)
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "console-pages", 1, false)
	instanceID := *inst.InstanceId
	adm, _ := groupFixture(t, *inst.KafkaPrivateConnectAddress)

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; f(t) }) {
			t.FailNow()
		}
	}

	step("sign in", func(t *testing.T) { signInConsole(p, s, instanceID) })

	step("topics with partitions and disk usage", func(t *testing.T) {
		row := `#topics-body tr[data-topic="orders"]`
		p.do(chromedp.Click(chromedp.ID("tab-topics")), chromedp.WaitVisible(chromedp.CSS(row)))
		require.True(t, eval[bool](p, `document.querySelector('#task-filter').hidden && document.querySelector('#panel-background').hidden`), "the task filter belongs to the task tabs")
		require.Equal(t, "3", p.text(row+" td.partitions"))
		require.Equal(t, "1", p.text(row+" td:nth-child(3)"))

		parts := `tr[data-partitions-for="orders"]`
		p.do(chromedp.Click(chromedp.CSS(row+` button[data-action="partitions"]`)), chromedp.WaitVisible(chromedp.CSS(parts)))
		type partRow struct {
			Partition string `json:"partition"`
			LEO       string `json:"leo"`
			HW        string `json:"hw"`
			Usage     string `json:"usage"`
		}
		shown := eval[[]partRow](p, `Array.from(document.querySelectorAll('tr[data-partitions-for="orders"] tbody tr'), (r) => ({
			partition: r.dataset.partition, leo: r.querySelector('.leo').innerText.trim(), hw: r.querySelector('.hw').innerText.trim(), usage: r.querySelector('.usage').innerText.trim() }))`)
		ends := endOffsets(t, adm, "orders")
		dirs, err := adm.DescribeAllLogDirs(timeout(t, 10*time.Second), nil)
		require.NoError(t, err)
		require.Len(t, shown, 3)
		for i, r := range shown {
			require.Equal(t, strconv.Itoa(i), r.Partition)
			require.Equal(t, strconv.FormatInt(ends[int32(i)], 10), r.LEO, "partition %d", i)
			require.Equal(t, r.LEO, r.HW, "partition %d: one replica, everything committed", i)
			want := ""
			for broker, d := range dirs {
				d.EachPartition(func(lp kadm.DescribedLogDirPartition) {
					if lp.Topic == "orders" && lp.Partition == int32(i) {
						want = fmt.Sprintf("broker-%d: %s", broker, duSize(lp.Size))
					}
				})
			}
			require.NotEmpty(t, want, "kadm reports partition %d", i)
			require.Equal(t, want, r.Usage, "partition %d", i)
		}
		p.requireNoBanner()
		p.screenshot("console-topics.png")
	})

	groupRow := func(g string) string { return fmt.Sprintf(`#groups-body tr[data-group=%q]`, g) }

	step("consumer groups with lag per partition", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.ID("tab-groups")), chromedp.WaitVisible(chromedp.CSS(groupRow("billing"))), chromedp.WaitVisible(chromedp.CSS(groupRow("live"))))
		for _, g := range []string{"billing", "live"} {
			want := kadmLag(t, adm, g)
			require.Equal(t, want.State, p.text(groupRow(g)+" td:nth-child(2)"), g)
			require.Equal(t, strconv.FormatInt(want.Lag.Total(), 10), p.text(groupRow(g)+" td.lag"), g)
		}
		offsets := `tr[data-offsets-for="billing"]`
		p.do(chromedp.Click(chromedp.CSS(groupRow("billing")+` button[data-action="offsets"]`)), chromedp.WaitVisible(chromedp.CSS(offsets)))
		shown := eval[[]string](p, `Array.from(document.querySelectorAll('tr[data-offsets-for="billing"] tbody tr'), (r) => Array.from(r.cells, (c) => c.innerText.trim()).join(' '))`)
		var want []string
		for _, l := range kadmLag(t, adm, "billing").Lag.Sorted() {
			want = append(want, fmt.Sprintf("%s %d %d %d %d", l.Topic, l.Partition, l.Commit.At, l.End.Offset, l.Lag))
		}
		require.Equal(t, want, shown, "topic, partition, committed, end and lag as kadm computes them")
		p.requireNoBanner()
		p.screenshot("console-groups.png")
	})

	step("reset offsets runs as a task whose progress shows", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.CSS(groupRow("billing")+` button[data-action="reset-offsets"]`)), chromedp.WaitVisible(chromedp.ID("reset-dialog")))
		require.Equal(t, "orders", eval[string](p, `document.querySelector('#reset-topic').value`), "the group's topic is proposed")
		p.screenshot("console-reset-dialog.png")
		p.setValue("reset-partition", "-1")
		p.setValue("reset-offset", "0")
		p.do(chromedp.Click(chromedp.ID("reset-ok")))
		taskRowSel := `#tasks-body tr[data-task-name="kafkaResetConsumerOffset"]`
		p.waitFor("the reset task in Background Tasks", fmt.Sprintf(`document.querySelector('#tab-background').getAttribute('aria-selected') === 'true' && !!document.querySelector(%q)`, taskRowSel))
		p.requireNoBanner()
		taskID := eval[string](p, fmt.Sprintf(`document.querySelector(%q).dataset.taskId`, taskRowSel))
		waitTask(t, c, instanceID, taskID)
		progressSel := fmt.Sprintf(`tr[data-progress-for=%q]`, taskID)
		// Running, the page shows the steps by itself and follows the task;
		// finished, they are one click away.
		p.waitFor("the reset to show as Successful", fmt.Sprintf(`document.querySelector(%q)?.dataset.status === 'SUCCESS'`, taskRowSel))
		p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#tasks-body button[data-action="progress"][data-task-id=%q]`, taskID))), chromedp.WaitVisible(chromedp.CSS(progressSel)))
		require.Equal(t, "100%", p.text(progressSel+" .progress-pct"))
		steps := eval[[]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll('%s tr[data-step]'), (r) => r.dataset.step + ' ' + r.dataset.status)`, progressSel))
		require.Equal(t, []string{"RESET_CONSUMER_OFFSET COMPLETED"}, steps)
		require.Equal(t, "Reset consumer offset", p.text(taskRowSel+" td:first-child div"))
		p.screenshot("console-reset-task.png")

		lag := kadmLag(t, adm, "billing")
		require.Equal(t, int64(10), lag.Lag.Total(), "every partition of billing back at 0: %v", lag.Lag.Sorted())
		p.do(chromedp.Click(chromedp.ID("tab-groups")))
		p.waitFor("billing's lag of 10 in Consumer Groups", fmt.Sprintf(`document.querySelector(%q)?.innerText.trim() === '10' && Array.from(document.querySelectorAll('tr[data-offsets-for="billing"] td.committed'), (c) => c.innerText.trim()).join() === '0,0,0'`, groupRow("billing")+" td.lag"))
	})

	step("delete a group; one with live members is refused", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.CSS(groupRow("live")+` button[data-action="delete-group"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-dialog")),
			chromedp.Click(chromedp.ID("confirm-ok")),
			chromedp.WaitVisible(chromedp.ID("error-banner")))
		require.Contains(t, p.text("#error-text"), "Could not delete the consumer group “live”")
		require.Contains(t, p.text("#error-text"), dmsd.EGROUPACTIVE)
		p.waitFor("the list again", `document.querySelector('#panel-groups').dataset.state === 'ready'`)
		require.Contains(t, kafkaGroups(t, adm), "live")
		p.do(chromedp.Click(chromedp.ID("error-dismiss")))

		p.do(chromedp.Click(chromedp.CSS(groupRow("billing")+` button[data-action="delete-group"]`)),
			chromedp.WaitVisible(chromedp.ID("confirm-dialog")))
		require.Equal(t, "Delete Consumer Group", p.text("#confirm-title"))
		p.do(chromedp.Click(chromedp.ID("confirm-ok")), chromedp.WaitNotPresent(chromedp.CSS(groupRow("billing"))))
		p.requireNoBanner()
		require.NotContains(t, kafkaGroups(t, adm), "billing")
		_, err := c.ShowGroups(&model.ShowGroupsRequest{InstanceId: instanceID, Group: "billing"})
		requireDMSError(t, err, http.StatusNotFound, dmsd.EGROUPNOTFOUND)
		p.screenshot("console-groups-deleted.png")
	})

	seed := func(opts ...kgo.Opt) *kgo.Client {
		cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(*inst.KafkaPrivateConnectAddress))...)
		require.NoError(t, err)
		t.Cleanup(cl.Close)
		return cl
	}
	// On a topic of its own (Kafka finds a time by its time index, which
	// assumes times that grow with offsets): a record created an hour ago,
	// then one now, so that a time window finds the first alone.
	_, err := adm.CreateTopic(timeout(t, 10*time.Second), 2, 1, nil, "events")
	require.NoError(t, err)
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	producer := seed(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	old := producedRecords(t, producer, &kgo.Record{Topic: "events", Partition: 1, Key: []byte("k-old"), Value: []byte("an hour ago"), Timestamp: at})[0]
	producedRecords(t, producer, &kgo.Record{Topic: "events", Partition: 1, Value: []byte("now")})
	messageRows := func() []string {
		return eval[[]string](p, `Array.from(document.querySelectorAll('#messages-body tr'), (r) => Array.from(r.cells, (c) => c.innerText.trim()).join('|'))`)
	}
	query := func() {
		p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#messages-body').replaceChildren()`), chromedp.Click(chromedp.ID("mq-submit")))
		p.waitFor("the query's answer", `document.querySelector('#panel-messages').dataset.state === 'ready' && document.querySelector('#messages-body').dataset.count !== undefined && (document.querySelector('#messages-body').children.length > 0 || !document.querySelector('#messages-empty').hidden)`)
		p.requireNoBanner()
	}

	step("query a message by offset and by time", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.ID("tab-messages")), chromedp.WaitVisible(chromedp.ID("message-query")))
		p.waitFor("the topics offered", `!!document.querySelector('#mq-topics option[value="events"]')`)
		p.setValue("mq-topic", "events")
		p.setValue("mq-by", "offset")
		p.setValue("mq-partition", "1")
		p.setValue("mq-offset", strconv.FormatInt(old.Offset, 10))
		query()
		want := fmt.Sprintf("events|1|%d|k-old|an hour ago|%s|%s", old.Offset, p.text("#messages-body td:nth-child(6)"), at.Format("2006-01-02 15:04:05"))
		require.Equal(t, []string{want}, messageRows())

		p.setValue("mq-by", "time")
		p.setValue("mq-partition", "")
		p.setValue("mq-begin", at.Add(-time.Second).Format("2006-01-02T15:04:05"))
		p.setValue("mq-end", at.Add(time.Second).Format("2006-01-02T15:04:05"))
		query()
		require.Equal(t, []string{want}, messageRows(), "the window of two seconds around its creation finds it alone")
		p.screenshot("console-messages.png")

		p.setValue("mq-begin", at.Add(time.Minute).Format("2006-01-02T15:04:05"))
		p.setValue("mq-end", "")
		p.setValue("mq-keyword", "hour ago")
		query()
		require.Empty(t, messageRows(), "after it, nothing matches the keyword")
		require.Equal(t, "No messages found.", p.text("#messages-empty"))
	})

	step("send a message that franz-go reads", func(t *testing.T) {
		p.setValue("ms-topic", "orders")
		p.setValue("ms-key", "sent-key")
		p.setValue("ms-partition", "2")
		p.setValue("ms-body", "from the console")
		p.do(chromedp.Click(chromedp.ID("ms-submit")))
		p.waitFor("the send's answer", `!!document.querySelector('#send-result').dataset.offset`)
		p.requireNoBanner()
		require.Equal(t, "2", eval[string](p, `document.querySelector('#send-result').dataset.partition`))
		offset, err := strconv.ParseInt(eval[string](p, `document.querySelector('#send-result').dataset.offset`), 10, 64)
		require.NoError(t, err)
		got := consumeAt(t, seed, "orders", 2, offset)
		require.Equal(t, "from the console", string(got.Value))
		require.Equal(t, "sent-key", string(got.Key))
		p.screenshot("console-message-sent.png")
	})

	p.t = t
	p.requireCleanConsole()
}

// The operations that start tasks, started from the console as a user
// would: buying an instance, restarting it, turning automatic topic
// creation on, changing a Kafka parameter and deleting it. Each shows its
// task in Background Tasks, with its steps, and the API sees its effect.
func TestConsoleStartsTasks(t *testing.T) {
	t.Parallel()
	p := openConsole(t)
	s := startServer(t, t.TempDir())
	c := s.client(0)
	cred := s.creds[0]
	var instanceID string

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { p.t = t; f(t) }) {
			t.FailNow()
		}
	}
	// seen lists the tasks finished already: two kinds of task show one
	// name (kafkaConfigModify).
	seen := []string{}
	// newRow is the JavaScript expression of the row of the newest task of
	// that name not seen yet, or undefined.
	newRow := func(name string) string {
		ids, _ := json.Marshal(seen)
		return fmt.Sprintf(`Array.from(document.querySelectorAll('#tasks-body tr[data-task-name=%q]')).find((r) => !%s.includes(r.dataset.taskId))`, name, ids)
	}
	// finished waits for the page to show the new task of that name
	// Successful and checks the steps it shows for it.
	finished := func(t *testing.T, name string, steps ...string) (taskID string) {
		p.waitFor("the "+name+" task in Background Tasks", fmt.Sprintf(`document.querySelector('#tab-background').getAttribute('aria-selected') === 'true' && !!%s`, newRow(name)))
		p.requireNoBanner()
		taskID = eval[string](p, newRow(name)+`.dataset.taskId`)
		taskRow := fmt.Sprintf(`#tasks-body tr[data-task-id=%q]`, taskID)
		require.Equal(t, "SUCCESS", *waitTask(t, c, instanceID, taskID).Status)
		p.waitFor(name+" to show as Successful", fmt.Sprintf(`document.querySelector(%q)?.dataset.status === 'SUCCESS'`, taskRow))
		progressSel := fmt.Sprintf(`tr[data-progress-for=%q]`, taskID)
		p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#tasks-body button[data-action="progress"][data-task-id=%q]`, taskID))), chromedp.WaitVisible(chromedp.CSS(progressSel)))
		require.Equal(t, "100%", p.text(progressSel+" .progress-pct"))
		shown := eval[[]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll('%s tr[data-step]'), (r) => r.dataset.step + ' ' + r.dataset.status)`, progressSel))
		var want []string
		for _, st := range steps {
			want = append(want, st+" COMPLETED")
		}
		require.Equal(t, want, shown, name)
		p.requireNoBanner()
		seen = append(seen, taskID)
		return taskID
	}
	confirm := func(title string) {
		p.do(chromedp.WaitVisible(chromedp.ID("confirm-dialog")))
		require.Equal(p.t, title, p.text("#confirm-title"))
		p.do(chromedp.Click(chromedp.ID("confirm-ok")))
	}

	step("buy an instance", func(t *testing.T) {
		p.do(chromedp.Navigate(s.url+"/console/"), chromedp.WaitVisible(chromedp.ID("signin-form")),
			chromedp.SendKeys(chromedp.ID("access-key"), cred.AccessKey),
			chromedp.SendKeys(chromedp.ID("secret-key"), cred.SecretKey),
			chromedp.SendKeys(chromedp.ID("project-id"), cred.ProjectID),
			chromedp.Click(chromedp.ID("signin-submit")),
			chromedp.WaitVisible(chromedp.ID("instances-empty")),
			chromedp.Click(chromedp.ID("instance-create")),
			chromedp.WaitVisible(chromedp.ID("create-dialog")))
		p.setValue("create-name", "console-made")
		p.screenshot("console-create-dialog.png")
		p.do(chromedp.Click(chromedp.ID("create-ok")), chromedp.WaitVisible(chromedp.ID("instance-view")))
		p.watchTaskRows()
		instanceID = eval[string](p, `document.querySelector('#instance-id').textContent`)
		require.NotEmpty(t, instanceID)
		require.Equal(t, "console-made", p.text("#instance-title"))
		finished(t, "createInstance", "START_BROKERS", "CHECK_CLUSTER")
		inst := waitInstance(t, c, instanceID, string(dmsd.InstanceRunning))
		require.Equal(t, "console-made", *inst.Name)
		require.False(t, *inst.EnableAutoTopic)
		p.waitFor("the instance Running", `document.querySelector('#instance-status .status')?.dataset.status === 'RUNNING'`)
		require.Equal(t, "disabled", p.text("#instance-autotopic"))
	})

	step("restart it", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.ID("instance-restart")))
		confirm("Restart Instance")
		finished(t, "restartInstance", "STOP_BROKERS", "START_BROKERS", "CHECK_CLUSTER")
		p.screenshot("console-restarted.png")
	})

	step("enable automatic topic creation", func(t *testing.T) {
		require.Equal(t, "Enable automatic topic creation", p.text("#instance-autotopic-toggle"))
		p.do(chromedp.Click(chromedp.ID("instance-autotopic-toggle")))
		confirm("Enable Automatic Topic Creation")
		taskID := finished(t, "kafkaConfigModify", "UPDATE_AUTO_TOPIC_CONFIG", "STOP_BROKERS", "START_BROKERS", "CHECK_CLUSTER")
		require.Equal(t, "Modify automatic topic creation", p.text(fmt.Sprintf(`#tasks-body tr[data-task-id=%q] td div`, taskID)),
			"the console tells the change of automatic topic creation from a parameter change by its params")
		inst, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: instanceID})
		require.NoError(t, err)
		require.True(t, *inst.EnableAutoTopic)
		p.do(chromedp.Click(chromedp.ID("tasks-refresh")))
		p.waitFor("the header to say enabled", `document.querySelector('#instance-autotopic').textContent === 'enabled'`)
		require.Equal(t, "Disable automatic topic creation", p.text("#instance-autotopic-toggle"))
	})

	step("modify a Kafka parameter", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.ID("instance-config")), chromedp.WaitVisible(chromedp.ID("config-dialog")))
		require.True(t, eval[bool](p, `!!document.querySelector('#config-names option[value="log.retention.hours"]')`), "the instance's parameters are offered")
		p.setValue("config-name", "log.retention.hours")
		p.setValue("config-value", "100")
		p.do(chromedp.Click(chromedp.ID("config-ok")))
		finished(t, "kafkaConfigModify", "MODIFY_DYNAMIC_CONFIGS", "SAVE_STATIC_CONFIGS")
		configs, err := c.ShowInstanceConfigs(&model.ShowInstanceConfigsRequest{InstanceId: instanceID})
		require.NoError(t, err)
		var got string
		for _, cfg := range *configs.KafkaConfigs {
			if *cfg.Name == "log.retention.hours" {
				got = *cfg.Value
			}
		}
		require.Equal(t, "100", got)
		p.screenshot("console-task-started.png")
	})

	step("delete it", func(t *testing.T) {
		p.do(chromedp.Click(chromedp.ID("instance-delete")))
		confirm("Delete Instance")
		p.do(chromedp.WaitVisible(chromedp.ID("instances-view")))
		// The list follows the instance while it is DELETING, until it is gone.
		p.waitFor("the instance gone from the list", `!document.querySelector('#instances-body tr') && !document.querySelector('#instances-empty').hidden`)
		p.requireNoBanner()
		_, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: instanceID})
		requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)
	})

	p.t = t
	p.requireCleanConsole()
	p.requireWatchedRowsFine()
}
