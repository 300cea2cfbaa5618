package engine

import (
	"context"
	"errors"
	"time"

	"github.com/dmsd/dmsd"
)

// defaultDiagnosisInterval is how far apart a diagnosis samples the group's
// offsets, unless DiagnosisInterval says otherwise.
const defaultDiagnosisInterval = 5 * time.Second

// DiagnosisInterval sets how far apart a message backlog diagnosis takes
// its two samples of the group's offsets, from which it computes rates.
func DiagnosisInterval(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.diagnosisInterval = d
		}
	}
}

// diagnosisParams are the params of messageDiagnosis: the report it writes
// and what it looks at.
type diagnosisParams struct {
	ReportID string `json:"report_id"`
	Group    string `json:"group_name"`
	Topic    string `json:"topic_name"`
}

// messageDiagnosis looks at a group's backlog on a topic and writes its
// report. It leaves the instance's status as it is.
var messageDiagnosis = &Kind[diagnosisParams]{
	Name:  "messageDiagnosis",
	From:  running,
	Steps: []Step[diagnosisParams]{{"DIAGNOSE_BACKLOG", diagnoseBacklog}},
}

// diagnoseBacklog samples the group twice, d.interval apart, and saves what
// dmsd.Diagnose finds as the report's findings. A run that cannot read the
// cluster marks the report failed. It is idempotent: a repeated run samples
// anew and overwrites the report.
func diagnoseBacklog(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *diagnosisParams) error {
	rep, err := d.reports.FindReport(ctx, inst.ProjectID, inst.ID, p.ReportID)
	if dmsd.ErrorCode(err) == dmsd.EREPORTNOTFOUND {
		return nil // Deleted before it was written: nothing to report to.
	} else if err != nil {
		return err
	}
	dims, lagging, err := sampleTwice(ctx, d, inst, p)
	if err != nil {
		if ctx.Err() != nil || dmsd.ErrorCode(err) == dmsd.EUNAVAILABLE {
			return err // Resumed later: the report stays diagnosing.
		}
		rep.Status, rep.EndTime = dmsd.ReportFailed, dmsd.Now()
		if uerr := d.reports.UpdateReport(context.WithoutCancel(ctx), rep); uerr != nil && dmsd.ErrorCode(uerr) != dmsd.EREPORTNOTFOUND {
			return uerr
		}
		return err
	}
	rep.Dimensions, rep.AccumulatedPartitions, rep.EndTime = dims, lagging, dmsd.Now()
	rep.Status = dmsd.ReportNormal
	if _, abnormal, _ := rep.ItemCounts(); abnormal > 0 {
		rep.Status = dmsd.ReportAbnormal
	}
	if err := d.reports.UpdateReport(ctx, rep); err != nil && dmsd.ErrorCode(err) != dmsd.EREPORTNOTFOUND {
		return err
	}
	return nil
}

func sampleTwice(ctx context.Context, d *deps, inst *dmsd.Instance, p *diagnosisParams) ([]dmsd.DiagnosisDimension, int, error) {
	obs, ok := d.cluster.(dmsd.GroupObserver)
	if !ok {
		return nil, 0, errors.New("this cluster cannot be observed")
	}
	first, err := obs.SampleGroup(ctx, inst, p.Group, p.Topic)
	if err != nil {
		return nil, 0, err
	}
	select {
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	case <-time.After(d.interval):
	}
	second, err := obs.SampleGroup(ctx, inst, p.Group, p.Topic)
	if err != nil {
		return nil, 0, err
	}
	dims, lagging := dmsd.Diagnose(first, second)
	return dims, lagging, nil
}

// PreCheck returns the checks a diagnosis of group on topic needs: the
// topic exists, the group exists and consumes it, and it has a backlog. It
// returns EINSTANCENOTFOUND, EINSTANCESTATUS unless the instance is
// RUNNING, or the cluster's error.
func (e *Engine) PreCheck(ctx context.Context, actor dmsd.Actor, instanceID, group, topic string) ([]dmsd.PreCheck, error) {
	if group == "" || topic == "" {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: group and topic are required.")
	}
	inst, c, err := e.admin.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	obs, ok := c.(dmsd.GroupObserver)
	if !ok {
		return nil, dmsd.Errorf(dmsd.EEXTERNAL, "This cluster cannot be diagnosed.")
	}
	checks := []dmsd.PreCheck{{Name: "topic_exists", Success: true}}
	s, err := obs.SampleGroup(ctx, inst, group, topic)
	if dmsd.ErrorCode(err) == dmsd.ETOPICNOTFOUND {
		checks[0].Success, checks[0].Reason = false, "The topic "+topic+" does not exist."
		return checks, nil
	} else if err != nil {
		return nil, err
	}
	exists := dmsd.PreCheck{Name: "group_exists", Success: s.State != "Dead"}
	if !exists.Success {
		exists.Reason = "The consumer group " + group + " does not exist."
	}
	subscribed := false
	var backlog int64
	for _, p := range s.Partitions {
		if p.Committed >= 0 {
			subscribed = true
			backlog += max(p.End-p.Committed, 0)
		} else {
			backlog += max(p.End, 0)
		}
	}
	for _, ps := range s.Members {
		subscribed = subscribed || len(ps) > 0
	}
	sub := dmsd.PreCheck{Name: "subscription", Success: subscribed}
	if !subscribed {
		sub.Reason = "The consumer group neither consumes nor has committed offsets of the topic."
	}
	acc := dmsd.PreCheck{Name: "accumulated_messages", Success: backlog > 0}
	if backlog == 0 {
		acc.Reason = "No messages are accumulated: there is nothing to diagnose."
	}
	return append(checks, exists, sub, acc), nil
}

// Diagnose records a diagnosing report and starts messageDiagnosis to write
// it. It returns the report, EINVALID without a group or a topic,
// ETOPICNOTFOUND, EGROUPNOTFOUND, EINSTANCESTATUS unless the instance is
// RUNNING, EREPLAYED for a spent signature, or SubmitTask's errors
// (ETASKRUNNING while another task of the instance runs).
func (e *Engine) Diagnose(ctx context.Context, actor dmsd.Actor, instanceID, group, topic string) (*dmsd.DiagnosisReport, error) {
	checks, err := e.PreCheck(ctx, actor, instanceID, group, topic)
	if err != nil {
		return nil, err
	}
	for _, c := range checks {
		switch {
		case c.Name == "topic_exists" && !c.Success:
			return nil, dmsd.Errorf(dmsd.ETOPICNOTFOUND, "Failed to query topics: the topic %s does not exist.", topic)
		case c.Name == "group_exists" && !c.Success:
			return nil, dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group %s does not exist.", group)
		}
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return nil, err
	}
	rep := &dmsd.DiagnosisReport{ID: dmsd.NewUUID(), ProjectID: actor.ProjectID, InstanceID: instanceID,
		Group: group, Topic: topic, Status: dmsd.ReportDiagnosing, BeginTime: dmsd.Now()}
	if err := e.reports.InsertReport(ctx, rep); err != nil {
		return nil, err
	}
	// The task runs only after SubmitTask commits, and finds the report.
	if _, err := submit(ctx, e, messageDiagnosis, actor, instanceID, diagnosisParams{ReportID: rep.ID, Group: group, Topic: topic}); err != nil {
		if _, derr := e.reports.DeleteReport(context.WithoutCancel(ctx), actor.ProjectID, instanceID, rep.ID); derr != nil {
			e.logger.Warn("delete the report of a refused diagnosis", "report_id", rep.ID, "error", derr)
		}
		return nil, err
	}
	return rep, nil
}
