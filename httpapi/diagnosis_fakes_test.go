package httpapi

import (
	"context"
	"time"

	"github.com/dmsd/dmsd"
)

// fakeReportID is the report the fakes hold.
const fakeReportID = "3f2e1d0c-4b5a-4978-8a6b-5c4d3e2f1a0b"

type fakeDiagnosis struct{ *fakes }

func (s fakeDiagnosis) PreCheck(ctx context.Context, actor dmsd.Actor, instanceID, group, topic string) ([]dmsd.PreCheck, error) {
	return []dmsd.PreCheck{{Name: "topic_exists", Success: true}}, s.record(ctx, "PreCheck", actor, instanceID, group, topic)
}

func (s fakeDiagnosis) Diagnose(ctx context.Context, actor dmsd.Actor, instanceID, group, topic string) (*dmsd.DiagnosisReport, error) {
	return fakeReport(), s.record(ctx, "Diagnose", actor, instanceID, group, topic)
}

func fakeReport() *dmsd.DiagnosisReport {
	return &dmsd.DiagnosisReport{ID: fakeReportID, ProjectID: testProjectID, InstanceID: fakeInstanceID, Group: "g", Topic: "t",
		Status: dmsd.ReportAbnormal, BeginTime: time.UnixMilli(1_700_000_000_000), EndTime: time.UnixMilli(1_700_000_005_000),
		AccumulatedPartitions: 2, Dimensions: []dmsd.DiagnosisDimension{{Name: dmsd.DimensionConsumer, AbnormalNum: 1,
			Items: []dmsd.DiagnosisItem{{Name: dmsd.ItemConsumerOnline, Result: dmsd.ResultAbnormal, CauseIDs: []dmsd.DiagnosisReason{{ID: dmsd.CauseNoConsumers}}}}}}}
}

type fakeReports struct {
	dmsd.DiagnosisStore
	*fakes
}

func (s fakeReports) FindReport(ctx context.Context, projectID, instanceID, reportID string) (*dmsd.DiagnosisReport, error) {
	return fakeReport(), s.record(ctx, "FindReport", dmsd.Actor{}, projectID, instanceID, reportID)
}

func (s fakeReports) ListReports(ctx context.Context, projectID, instanceID string, limit, offset int) ([]*dmsd.DiagnosisReport, int, error) {
	return []*dmsd.DiagnosisReport{fakeReport()}, 1, s.record(ctx, "ListReports", dmsd.Actor{}, projectID, instanceID, limit, offset)
}

func (s fakeReports) DeleteReport(ctx context.Context, projectID, instanceID, reportID string) (bool, error) {
	return true, s.record(ctx, "DeleteReport", dmsd.Actor{}, projectID, instanceID, reportID)
}

type fakeLogs struct{ *fakes }

func (s fakeLogs) StartRebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return s.newTask("kafkaRebalanceLogStart"), s.record(ctx, "StartRebalanceLog", actor, instanceID)
}

func (s fakeLogs) RebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.RebalanceLog, error) {
	return &dmsd.RebalanceLog{ID: fakeReportID, InstanceID: fakeInstanceID, Status: dmsd.LogRunning,
		Entries: []dmsd.RebalanceEntry{{Group: "g", Event: dmsd.EventMemberJoined}}}, s.record(ctx, "RebalanceLog", actor, instanceID)
}

func (s fakeLogs) StopRebalanceLog(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return s.newTask("kafkaRebalanceLogStop"), s.record(ctx, "StopRebalanceLog", actor, instanceID)
}

func (s fakeLogs) StartLogTask(ctx context.Context, actor dmsd.Actor, instanceID, typ, fileName string) (*dmsd.Task, error) {
	return s.newTask("kafkaTopicLogStart"), s.record(ctx, "StartLogTask", actor, instanceID, typ, fileName)
}

func (s fakeLogs) LogTasks(ctx context.Context, actor dmsd.Actor, instanceID, typ string) ([]*dmsd.InstanceLog, error) {
	return []*dmsd.InstanceLog{{ID: fakeReportID, ProjectID: testProjectID, InstanceID: fakeInstanceID, Type: typ, Status: dmsd.LogRunning,
		FileName: "server.log", CreatedAt: time.UnixMilli(1_700_000_000_000), UpdatedAt: time.UnixMilli(1_700_000_005_000),
		Entries: []string{"line one"}}}, s.record(ctx, "LogTasks", actor, instanceID, typ)
}

func (s fakeLogs) StopLogTask(ctx context.Context, actor dmsd.Actor, instanceID, typ string) (*dmsd.Task, error) {
	return s.newTask("kafkaTopicLogStop"), s.record(ctx, "StopLogTask", actor, instanceID, typ)
}
