package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

// joinGroup starts a member of group on topic that polls until the test
// ends, and returns the client.
func joinGroup(t *testing.T, inst *model.ShowInstanceResponse, group, topic string) *kgo.Client {
	t.Helper()
	return pollAsMember(t, kafkaClient(t, inst, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic)))
}

// pollAsMember polls with member, a client of a consumer group, until the
// test ends, and returns it.
func pollAsMember(t *testing.T, member *kgo.Client) *kgo.Client {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			member.PollFetches(ctx)
		}
	}()
	t.Cleanup(func() { stop(); <-done })
	return member
}

// startRebalanceLog turns the instance's rebalance log on through c and
// waits for its task.
func startRebalanceLog(t *testing.T, c *kafkasdk.KafkaClient, id string) {
	t.Helper()
	started, err := c.CreateKafkaRebalanceLogTask(&model.CreateKafkaRebalanceLogTaskRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *started.JobId).Status)
}

// A rebalance log is kept in the database: after a restart on the same data
// dir it still holds its entries, and it goes on collecting.
func TestRebalanceLogSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client(0)
	inst := createInstance(t, c, "durable-log", 1, false)
	id := *inst.InstanceId
	_, err := kadm.NewClient(kafkaClient(t, inst)).CreateTopic(context.Background(), 1, 1, nil, "events")
	require.NoError(t, err)

	startRebalanceLog(t, c, id)
	started, err := c.StartKafkaLogTask(&model.StartKafkaLogTaskRequest{InstanceId: id, LogType: model.GetStartKafkaLogTaskRequestLogTypeEnum().TOPIC_LOG,
		Body: &model.StartKafkaLogTaskReq{}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *started.JobId).Status)
	joinGroup(t, inst, "before", "events")
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, s, id)
		return hasEvent(entries, "before", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond)
	shown, err := c.ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)

	s.stop()
	s = startServer(t, dir)
	c = s.client(0)
	again, err := c.ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, *shown.Id, *again.Id, "the same log")
	require.Equal(t, "OPEN", *again.Status)
	status, entries := rebalanceEntries(t, s, id)
	require.Equal(t, "OPEN", status)
	require.True(t, hasEvent(entries, "before", dmsd.EventMemberJoined), "the entries survived the restart: %v", entries)

	// The restarted dmsd resumed collecting: a new member is recorded, and
	// so is a line its broker logs.
	joinGroup(t, inst, "after", "events")
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, s, id)
		return hasEvent(entries, "after", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond)
	list := logTasks(t, s, id, dmsd.LogTypeTopic)
	require.Len(t, list, 1)
	require.Equal(t, "OPEN", list[0].Status)
	sendMalformedRequest(t, *inst.ConnectAddress+":"+strconv.Itoa(int(*inst.Port)))
	require.Eventually(t, func() bool {
		return hasLine(logTasks(t, s, id, dmsd.LogTypeTopic)[0].Lines, "unable to parse request")
	}, 30*time.Second, 100*time.Millisecond)
}

// On PostgreSQL the log is the database's: the replica that does not host
// the instance answers it as the hosting one collects it, and stops it.
func TestRebalanceLogOnTwoReplicas(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	a, b := startReplicas(t, dbURL, "replica-a", "replica-b")
	inst := createInstance(t, a.client(0), "shared-log", 1, false)
	id := *inst.InstanceId
	_, err := kadm.NewClient(kafkaClient(t, inst)).CreateTopic(context.Background(), 1, 1, nil, "events")
	require.NoError(t, err)

	startRebalanceLog(t, b.client(0), id) // Accepted by B, run by A, which hosts the cluster.
	joinGroup(t, inst, "audit", "events")
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, b, id)
		return hasEvent(entries, "audit", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond, "B answers what A collects")
	fromA, err := a.client(0).ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)
	fromB, err := b.client(0).ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, *fromA.Id, *fromB.Id)

	stopped, err := b.client(0).StopKafkaRebalanceLogTask(&model.StopKafkaRebalanceLogTaskRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, b.client(0), id, *stopped.JobId).Status)
	status, _ := rebalanceEntries(t, a, id)
	require.Equal(t, "CLOSE", status)
}

// logTasks returns the instance's log tasks of a type as dmsd serves them,
// with the fields of its own the SDK ignores.
func logTasks(t *testing.T, s *testServer, instanceID, typ string) []logTaskAnswer {
	t.Helper()
	status, body := s.signedGet(t, 0, fmt.Sprintf("/v2/%s/kafka/instances/%s/logs/%s", s.creds[0].ProjectID, instanceID, typ))
	require.Equal(t, http.StatusOK, status, body)
	var out struct {
		List []logTaskAnswer `json:"log_response_list"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	return out.List
}

type logTaskAnswer struct {
	ID      string                `json:"id"`
	Status  string                `json:"status"`
	Lines   []string              `json:"lines"`
	Entries []dmsd.RebalanceEntry `json:"entries"`
}

// sendMalformedRequest sends the broker at addr a Metadata request whose body
// is cut short, which kfake logs as a request it could not parse.
func sendMalformedRequest(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	// key 3 (Metadata), version 1, correlation id 1, null client id, then
	// one byte where an int32 array length belongs.
	body := []byte{0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0x7f}
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	_, err = conn.Write(append(msg, body...))
	require.NoError(t, err)
}

func hasLine(lines []string, part string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, part) })
}

// The SDK's log tasks: topic_log collects the embedded brokers' own lines
// while it is on, REBALANCE is the rebalance log.
func TestLogTasks(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)
	inst := createInstance(t, c, "logged", 1, false)
	id := *inst.InstanceId
	broker := *inst.ConnectAddress + ":" + strconv.Itoa(int(*inst.Port))
	topicLog := model.GetStartKafkaLogTaskRequestLogTypeEnum().TOPIC_LOG

	shown, err := c.ShowKafkaLogTask(&model.ShowKafkaLogTaskRequest{InstanceId: id, LogType: model.GetShowKafkaLogTaskRequestLogTypeEnum().TOPIC_LOG})
	require.NoError(t, err)
	require.Empty(t, *shown.LogResponseList, "no log task before the first start")

	started, err := c.StartKafkaLogTask(&model.StartKafkaLogTaskRequest{InstanceId: id, LogType: topicLog,
		Body: &model.StartKafkaLogTaskReq{LogTaskList: &[]model.StartKafkaLogTaskReqEntity{{LogGroupName: ptr("g"), LogStreamName: ptr("s"), LogFileName: ptr("server.log")}}}})
	require.NoError(t, err)
	task := waitTask(t, c, id, *started.JobId)
	require.Equal(t, "kafkaTopicLogStart", *task.Name)
	require.Equal(t, "SUCCESS", *task.Status)
	_, err = c.StartKafkaLogTask(&model.StartKafkaLogTaskRequest{InstanceId: id, LogType: topicLog, Body: &model.StartKafkaLogTaskReq{}})
	requireDMSError(t, err, http.StatusConflict, dmsd.ELOGRUNNING)

	// The broker logs a request it cannot parse; the log task has the line.
	sendMalformedRequest(t, broker)
	require.Eventually(t, func() bool {
		list := logTasks(t, s, id, dmsd.LogTypeTopic)
		return len(list) == 1 && hasLine(list[0].Lines, "unable to parse request (key=3, version=1)")
	}, 30*time.Second, 100*time.Millisecond)
	shown, err = c.ShowKafkaLogTask(&model.ShowKafkaLogTaskRequest{InstanceId: id, LogType: model.GetShowKafkaLogTaskRequestLogTypeEnum().TOPIC_LOG})
	require.NoError(t, err)
	require.Len(t, *shown.LogResponseList, 1)
	entity := (*shown.LogResponseList)[0]
	require.Equal(t, "OPEN", *entity.Status)
	require.Equal(t, dmsd.LogTypeTopic, *entity.LogType)
	require.Equal(t, "server.log", *entity.LogFileName)
	require.Equal(t, id, *entity.InstanceId)
	require.InDelta(t, time.Now().UnixMilli(), *entity.CreatedAt, float64(time.Minute.Milliseconds()))
	require.GreaterOrEqual(t, *entity.UpdatedAt, *entity.CreatedAt)

	stopped, err := c.StopKafkaLogTask(&model.StopKafkaLogTaskRequest{InstanceId: id, LogType: model.GetStopKafkaLogTaskRequestLogTypeEnum().TOPIC_LOG})
	require.NoError(t, err)
	task = waitTask(t, c, id, *stopped.JobId)
	require.Equal(t, "kafkaTopicLogStop", *task.Name)
	require.Equal(t, "SUCCESS", *task.Status)
	list := logTasks(t, s, id, dmsd.LogTypeTopic)
	require.Len(t, list, 1)
	require.Equal(t, "CLOSE", list[0].Status)
	before := len(list[0].Lines)
	_, err = c.StopKafkaLogTask(&model.StopKafkaLogTaskRequest{InstanceId: id, LogType: model.GetStopKafkaLogTaskRequestLogTypeEnum().TOPIC_LOG})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ELOGNOTRUNNING)
	sendMalformedRequest(t, broker)
	require.Never(t, func() bool { return len(logTasks(t, s, id, dmsd.LogTypeTopic)[0].Lines) != before },
		1500*time.Millisecond, 100*time.Millisecond, "the closed log recorded more")

	// REBALANCE through StartKafkaLogTask is the rebalance log.
	_, err = kadm.NewClient(kafkaClient(t, inst)).CreateTopic(context.Background(), 1, 1, nil, "events")
	require.NoError(t, err)
	started, err = c.StartKafkaLogTask(&model.StartKafkaLogTaskRequest{InstanceId: id, LogType: model.GetStartKafkaLogTaskRequestLogTypeEnum().REBALANCE,
		Body: &model.StartKafkaLogTaskReq{LogTaskList: &[]model.StartKafkaLogTaskReqEntity{}}})
	require.NoError(t, err)
	task = waitTask(t, c, id, *started.JobId)
	require.Equal(t, "kafkaRebalanceLogStart", *task.Name)
	require.Equal(t, "SUCCESS", *task.Status)
	joinGroup(t, inst, "audit", "events")
	require.Eventually(t, func() bool {
		list := logTasks(t, s, id, dmsd.LogTypeRebalance)
		return len(list) == 1 && list[0].Status == "OPEN" && hasEvent(list[0].Entries, "audit", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond)
	rebalance, err := c.ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, logTasks(t, s, id, dmsd.LogTypeRebalance)[0].ID, *rebalance.Id, "one log, two ways to it")
	stopped, err = c.StopKafkaLogTask(&model.StopKafkaLogTaskRequest{InstanceId: id, LogType: model.GetStopKafkaLogTaskRequestLogTypeEnum().REBALANCE})
	require.NoError(t, err)
	require.Equal(t, "kafkaRebalanceLogStop", *waitTask(t, c, id, *stopped.JobId).Name)
	require.Equal(t, "CLOSE", logTasks(t, s, id, dmsd.LogTypeRebalance)[0].Status)

	// An external cluster's brokers are not dmsd's: topic_log is refused.
	external := s.createExternal(t, "external-logged", map[string]any{"bootstrap_servers": startExternalKafka(t, "-brokers", "1")})
	_, err = c.StartKafkaLogTask(&model.StartKafkaLogTaskRequest{InstanceId: external, LogType: topicLog, Body: &model.StartKafkaLogTaskReq{}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ENOBROKERLOG)

	// Another project's instance does not exist for this one.
	other := s.client(1)
	_, err = other.ShowKafkaLogTask(&model.ShowKafkaLogTaskRequest{InstanceId: id, LogType: model.GetShowKafkaLogTaskRequestLogTypeEnum().TOPIC_LOG})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)
	_, err = other.StartKafkaLogTask(&model.StartKafkaLogTaskRequest{InstanceId: id, LogType: topicLog, Body: &model.StartKafkaLogTaskReq{}})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)
	_, err = other.StopKafkaLogTask(&model.StopKafkaLogTaskRequest{InstanceId: id, LogType: model.GetStopKafkaLogTaskRequestLogTypeEnum().TOPIC_LOG})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)

	// A log type the SDK does not name is refused.
	status, body := s.signedGet(t, 0, fmt.Sprintf("/v2/%s/kafka/instances/%s/logs/GC", s.creds[0].ProjectID, id))
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, dmsd.EINVALID)
}

// A replica that loses its lock stops its log collectors with its clusters,
// before it says it stopped working the replica, as another process may take
// the replica and collect the same logs; once it has the lock back it
// collects again, each change recorded once.
func TestRebalanceLogSuspendedWithTheReplicaLock(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	s := startServer(t, t.TempDir(), "--database-url", dbURL, "--replica-id", "log-holder", "--log-level", "info")
	c := s.client(0)
	inst := createInstance(t, c, "held-log", 1, false)
	id := *inst.InstanceId
	_, err := kadm.NewClient(kafkaClient(t, inst)).CreateTopic(context.Background(), 1, 1, nil, "events")
	require.NoError(t, err)
	startRebalanceLog(t, c, id)

	require.Equal(t, 1, terminateReplicaLock(t, dbURL, "log-holder"))
	waitLog(t, s, "stopped working this replica", 30*time.Second)
	logs := s.logs.String()
	suspended := strings.Index(logs, "log collectors suspended with the replica's lock")
	require.GreaterOrEqual(t, suspended, 0, "the collectors were suspended:\n%s", logs)
	require.Contains(t, logs[suspended:], "collectors_stopped=1", "its one collector stopped")
	require.Less(t, suspended, strings.Index(logs, "stopped working this replica"), "before the replica is given up")

	waitLog(t, s, "took the lock of this replica again", 30*time.Second)
	joinGroup(t, inst, "after-lock", "events")
	var entries []dmsd.RebalanceEntry
	require.Eventually(t, func() bool {
		_, entries = rebalanceEntries(t, s, id)
		return hasEvent(entries, "after-lock", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond, "collected again once the lock is back")
	joined := 0
	for _, e := range entries {
		if e.Group == "after-lock" && e.Event == dmsd.EventMemberJoined {
			joined++
		}
	}
	require.Equal(t, 1, joined, "one collector records the change: %v", entries)
}
