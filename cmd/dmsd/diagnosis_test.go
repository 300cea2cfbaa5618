package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// diagnose starts a diagnosis of group on topic and returns the finished
// report's list entry and details.
func diagnose(t *testing.T, c *kafkasdk.KafkaClient, instanceID, group, topic string) (model.KafkaMessageDiagnosisReportInfoEntity, *model.ShowMessageDiagnosisReportResponse) {
	t.Helper()
	created, err := c.CreateMessageDiagnosisTask(&model.CreateMessageDiagnosisTaskRequest{InstanceId: instanceID,
		Body: &model.CreateMessageDiagnosisTaskReq{GroupName: group, TopicName: topic}})
	require.NoError(t, err)
	var info model.KafkaMessageDiagnosisReportInfoEntity
	require.Eventually(t, func() bool {
		list, err := c.ListMessageDiagnosisReports(&model.ListMessageDiagnosisReportsRequest{InstanceId: instanceID, Limit: ptr(int32(50))})
		require.NoError(t, err)
		i := slices.IndexFunc(*list.ReportList, func(r model.KafkaMessageDiagnosisReportInfoEntity) bool { return r.ReportId == *created.ReportId })
		require.GreaterOrEqual(t, i, 0)
		info = (*list.ReportList)[i]
		return info.Status.Value() != dmsd.ReportDiagnosing
	}, 30*time.Second, 50*time.Millisecond)
	show, err := c.ShowMessageDiagnosisReport(&model.ShowMessageDiagnosisReportRequest{InstanceId: instanceID, ReportId: *created.ReportId})
	require.NoError(t, err)
	return info, show
}

// item returns the named item of a report.
func item(t *testing.T, r *model.ShowMessageDiagnosisReportResponse, name string) model.KafkaMessageDiagnosisItemEntity {
	t.Helper()
	for _, d := range *r.DiagnosisDimensionList {
		for _, it := range d.DiagnosisItemList {
			if it.Name == name {
				return it
			}
		}
	}
	t.Fatalf("no item %s", name)
	return model.KafkaMessageDiagnosisItemEntity{}
}

func causes(it model.KafkaMessageDiagnosisItemEntity) []int32 {
	var ids []int32
	if it.CauseIds != nil {
		for _, c := range *it.CauseIds {
			ids = append(ids, c.Id)
		}
	}
	return ids
}

func TestMessageDiagnosis(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--diagnosis-interval", "300ms")
	c := s.client(0)
	inst := createInstance(t, c, "diagnosed", 3, false)
	id := *inst.InstanceId
	ctx := context.Background()
	cl := kafkaClient(t, inst, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	adm := kadm.NewClient(cl)
	_, err := adm.CreateTopic(ctx, 4, 1, nil, "orders")
	require.NoError(t, err)
	_, err = adm.CreateTopic(ctx, 1, 1, nil, "other")
	require.NoError(t, err)
	for i := range 20 {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Partition: int32(i % 4), Value: []byte("v")}).FirstErr())
	}

	// A group with committed offsets, a backlog and no consumer.
	var offs kadm.Offsets
	for p := range int32(4) {
		offs.Add(kadm.Offset{Topic: "orders", Partition: p, At: 1})
	}
	_, err = adm.CommitOffsets(ctx, "idle", offs)
	require.NoError(t, err)

	checks, err := c.ShowDiagnosisPreCheck(&model.ShowDiagnosisPreCheckRequest{InstanceId: id, Group: "idle", Topic: "orders"})
	require.NoError(t, err)
	for _, ch := range *checks.Body {
		require.True(t, ch.Success, "%s: %s", ch.Name, ch.Reason)
	}
	checks, err = c.ShowDiagnosisPreCheck(&model.ShowDiagnosisPreCheckRequest{InstanceId: id, Group: "nobody", Topic: "orders"})
	require.NoError(t, err)
	require.Contains(t, *checks.Body, model.KafkaDiagnosisCheckEntity{Name: "group_exists", Reason: "The consumer group nobody does not exist.", Success: false})

	info, idle := diagnose(t, c, id, "idle", "orders")
	require.Equal(t, dmsd.ReportAbnormal, info.Status.Value())
	require.Equal(t, int32(4), info.AccumulatedPartitions)
	require.Equal(t, "idle", info.GroupName)
	require.NotNil(t, info.EndTime)
	online := item(t, idle, dmsd.ItemConsumerOnline)
	require.Equal(t, dmsd.ResultAbnormal, online.Result)
	require.Equal(t, []int32{dmsd.CauseNoConsumers}, causes(online))
	require.Equal(t, []int32{0, 1, 2, 3}, *online.Partitions)
	require.GreaterOrEqual(t, *idle.AbnormalItemNum, int32(1))

	// A group of two members, one holding every partition of orders, the
	// other none (it consumes another topic).
	holder := kafkaClient(t, inst, kgo.ConsumerGroup("uneven"), kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	idler := kafkaClient(t, inst, kgo.ConsumerGroup("uneven"), kgo.ConsumeTopics("other"))
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	for _, k := range []*kgo.Client{holder, idler} {
		go func() {
			for pollCtx.Err() == nil {
				k.PollFetches(pollCtx)
			}
		}()
	}
	require.Eventually(t, func() bool {
		g, err := adm.DescribeGroups(ctx, "uneven")
		if err != nil || g["uneven"].State != "Stable" || len(g["uneven"].Members) != 2 {
			return false
		}
		ug := g["uneven"]
		return len(ug.AssignedPartitions()["orders"]) == 4
	}, 30*time.Second, 50*time.Millisecond)
	info, uneven := diagnose(t, c, id, "uneven", "orders")
	require.Equal(t, dmsd.ReportAbnormal, info.Status.Value())
	assign := item(t, uneven, dmsd.ItemAssignment)
	require.Equal(t, dmsd.ResultAbnormal, assign.Result)
	require.Contains(t, causes(assign), dmsd.CauseUnevenAssignment)
	require.Equal(t, dmsd.ResultNormal, item(t, uneven, dmsd.ItemConsumerOnline).Result)

	// Reports list newest first, and delete one by one.
	list, err := c.ListMessageDiagnosisReports(&model.ListMessageDiagnosisReportsRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, int32(2), *list.TotalNum)
	require.Equal(t, "uneven", (*list.ReportList)[0].GroupName)
	first := (*list.ReportList)[1].ReportId
	del, err := c.BatchDeleteMessageDiagnosisReports(&model.BatchDeleteMessageDiagnosisReportsRequest{InstanceId: id,
		Body: &model.BatchDeleteMessageDiagnosisReportsReq{ReportIdList: []string{first, "no-such-report"}}})
	require.NoError(t, err)
	require.Equal(t, []model.BatchDeleteMessageDiagnosisRespResults{{Result: true, Id: first}, {Result: false, Id: "no-such-report"}}, *del.Results)
	_, err = c.ShowMessageDiagnosisReport(&model.ShowMessageDiagnosisReportRequest{InstanceId: id, ReportId: first})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EREPORTNOTFOUND)
	list, err = c.ListMessageDiagnosisReports(&model.ListMessageDiagnosisReportsRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, int32(1), *list.TotalNum)

	// Bad input is refused.
	_, err = c.CreateMessageDiagnosisTask(&model.CreateMessageDiagnosisTaskRequest{InstanceId: id,
		Body: &model.CreateMessageDiagnosisTaskReq{GroupName: "idle", TopicName: "missing"}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)
	_, err = c.CreateMessageDiagnosisTask(&model.CreateMessageDiagnosisTaskRequest{InstanceId: id,
		Body: &model.CreateMessageDiagnosisTaskReq{GroupName: "nobody", TopicName: "orders"}})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EGROUPNOTFOUND)
}

// rebalanceEntries returns the rebalance log's entries as dmsd serves them.
func rebalanceEntries(t *testing.T, s *testServer, instanceID string) (string, []dmsd.RebalanceEntry) {
	t.Helper()
	status, body := s.signedGet(t, 0, fmt.Sprintf("/v2/kafka/%s/instances/%s/log/rebalance-log", s.creds[0].ProjectID, instanceID))
	require.Equal(t, http.StatusOK, status, body)
	var out struct {
		Status  string                `json:"status"`
		Entries []dmsd.RebalanceEntry `json:"entries"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	return out.Status, out.Entries
}

func hasEvent(entries []dmsd.RebalanceEntry, group, event string) bool {
	return slices.ContainsFunc(entries, func(e dmsd.RebalanceEntry) bool { return e.Group == group && e.Event == event })
}

func TestRebalanceLog(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "rebalanced", 1, false)
	id := *inst.InstanceId
	ctx := context.Background()
	adm := kadm.NewClient(kafkaClient(t, inst))
	_, err := adm.CreateTopic(ctx, 2, 1, nil, "events")
	require.NoError(t, err)

	_, err = c.ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ELOGNOTRUNNING)
	started, err := c.CreateKafkaRebalanceLogTask(&model.CreateKafkaRebalanceLogTaskRequest{InstanceId: id})
	require.NoError(t, err)
	task := waitTask(t, c, id, *started.JobId)
	require.Equal(t, "kafkaRebalanceLogStart", *task.Name)
	require.Equal(t, "SUCCESS", *task.Status)
	shown, err := c.ShowKafkaRebalanceLog(&model.ShowKafkaRebalanceLogRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "OPEN", *shown.Status)
	require.Equal(t, id, *shown.InstanceId)
	// The same answer as the Node.js SDK's model reads it: snake_case,
	// times as numbers.
	_, body := s.signedGet(t, 0, fmt.Sprintf("/v2/kafka/%s/instances/%s/log/rebalance-log", s.creds[0].ProjectID, id))
	var snake struct {
		InstanceID string `json:"instance_id"`
		LogStream  string `json:"log_stream_id"`
		LogType    string `json:"log_type"`
		CreatedAt  int64  `json:"created_at"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &snake), body)
	require.Equal(t, id, snake.InstanceID)
	require.Equal(t, *shown.LogStreamId, snake.LogStream)
	require.Equal(t, dmsd.LogTypeRebalance, snake.LogType)
	require.Equal(t, *shown.CreateAt, strconv.FormatInt(snake.CreatedAt, 10))

	// A member joins and leaves, and the log records both.
	member := kafkaClient(t, inst, kgo.ConsumerGroup("audit"), kgo.ConsumeTopics("events"))
	pollCtx, stopPolling := context.WithCancel(ctx)
	go func() {
		for pollCtx.Err() == nil {
			member.PollFetches(pollCtx)
		}
	}()
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, s, id)
		return hasEvent(entries, "audit", dmsd.EventMemberJoined)
	}, 30*time.Second, 100*time.Millisecond)
	stopPolling()
	member.Close() // Leaves the group.
	require.Eventually(t, func() bool {
		_, entries := rebalanceEntries(t, s, id)
		return hasEvent(entries, "audit", dmsd.EventMemberLeft)
	}, 30*time.Second, 100*time.Millisecond)

	stopped, err := c.StopKafkaRebalanceLogTask(&model.StopKafkaRebalanceLogTaskRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *stopped.JobId).Status)
	status, before := rebalanceEntries(t, s, id)
	require.Equal(t, "CLOSE", status, "as the Terraform provider reads a closed log")
	_, err = c.StopKafkaRebalanceLogTask(&model.StopKafkaRebalanceLogTaskRequest{InstanceId: id})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ELOGNOTRUNNING)

	// After the stop, a joining member is not recorded.
	late := kafkaClient(t, inst, kgo.ConsumerGroup("late"), kgo.ConsumeTopics("events"))
	lateCtx, stopLate := context.WithCancel(ctx)
	defer stopLate()
	go func() {
		for lateCtx.Err() == nil {
			late.PollFetches(lateCtx)
		}
	}()
	require.Eventually(t, func() bool {
		g, err := adm.DescribeGroups(ctx, "late")
		return err == nil && len(g["late"].Members) == 1
	}, 30*time.Second, 50*time.Millisecond)
	require.Never(t, func() bool {
		_, entries := rebalanceEntries(t, s, id)
		return len(entries) != len(before)
	}, 1500*time.Millisecond, 100*time.Millisecond, "the stopped log recorded more")
}
