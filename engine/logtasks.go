package engine

import (
	"context"

	"github.com/dmsd/dmsd"
)

// StartLogTask starts kafkaRebalanceLogStart for LogTypeRebalance and
// kafkaTopicLogStart for LogTypeTopic. It returns EINVALID for another
// type, EINSTANCESTATUS unless the instance is RUNNING, ENOBROKERLOG for
// LogTypeTopic on a cluster whose brokers dmsd does not run, ELOGRUNNING if
// the log is on, or SubmitTask's errors.
func (e *Engine) StartLogTask(ctx context.Context, actor dmsd.Actor, instanceID, typ, fileName string) (*dmsd.Task, error) {
	if err := dmsd.CheckLogType(typ); err != nil {
		return nil, err
	}
	if typ == dmsd.LogTypeRebalance {
		return e.startRebalanceLog(ctx, actor, instanceID, fileName)
	}
	_, c, err := e.admin.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	if _, ok := c.(dmsd.BrokerLogSource); !ok {
		return nil, errNoBrokerLog()
	}
	if err := e.checkLogOff(ctx, actor.ProjectID, instanceID, typ); err != nil {
		return nil, err
	}
	if fileName == "" {
		fileName = defaultBrokerLogFile
	}
	return submit(ctx, e, kafkaTopicLogStart, actor, instanceID, logParams{InstanceID: instanceID, FileName: fileName})
}

// LogTasks returns the instance's log of type typ, with its entries, as the
// only element, or none if it never had one. It returns EINVALID for another
// type or EINSTANCENOTFOUND.
func (e *Engine) LogTasks(ctx context.Context, actor dmsd.Actor, instanceID, typ string) ([]*dmsd.InstanceLog, error) {
	if err := dmsd.CheckLogType(typ); err != nil {
		return nil, err
	}
	l, err := e.store.FindLog(ctx, actor.ProjectID, instanceID, typ)
	switch dmsd.ErrorCode(err) {
	case "":
		return []*dmsd.InstanceLog{l}, nil
	case dmsd.ELOGNOTRUNNING:
		return []*dmsd.InstanceLog{}, nil
	}
	return nil, err
}

// StopLogTask starts kafkaRebalanceLogStop or kafkaTopicLogStop. It returns
// EINVALID for another type, ELOGNOTRUNNING if the log is not on,
// EINSTANCENOTFOUND, or SubmitTask's errors.
func (e *Engine) StopLogTask(ctx context.Context, actor dmsd.Actor, instanceID, typ string) (*dmsd.Task, error) {
	if err := dmsd.CheckLogType(typ); err != nil {
		return nil, err
	}
	if typ == dmsd.LogTypeRebalance {
		return e.StopRebalanceLog(ctx, actor, instanceID)
	}
	return e.stopLog(ctx, actor, instanceID, typ, kafkaTopicLogStop)
}

// checkLogOff returns ELOGRUNNING if the instance's log of type typ is on,
// or the store's error.
func (e *Engine) checkLogOff(ctx context.Context, projectID, instanceID, typ string) error {
	if on, err := e.logs.running(ctx, projectID, instanceID, typ); err != nil {
		return err
	} else if on {
		return dmsd.Errorf(dmsd.ELOGRUNNING, "The instance's %s is already on.", logName(typ))
	}
	return nil
}

// stopLog starts kind, the task that turns the instance's log of type typ
// off. It returns EINSTANCENOTFOUND, ELOGNOTRUNNING if the log is not on,
// or SubmitTask's errors.
func (e *Engine) stopLog(ctx context.Context, actor dmsd.Actor, instanceID, typ string, kind *Kind[instanceParams]) (*dmsd.Task, error) {
	if _, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID); err != nil {
		return nil, err
	}
	if on, err := e.logs.running(ctx, actor.ProjectID, instanceID, typ); err != nil {
		return nil, err
	} else if !on {
		return nil, dmsd.Errorf(dmsd.ELOGNOTRUNNING, "The instance's %s is not on.", logName(typ))
	}
	return submit(ctx, e, kind, actor, instanceID, instanceParams{InstanceID: instanceID})
}

// logName names the log of type typ in a message.
func logName(typ string) string {
	if typ == dmsd.LogTypeRebalance {
		return "rebalance log"
	}
	return "log of type " + typ
}

// StopLogs stops every log collector of this process, leaving the logs on
// in the store for StartClusters to resume, and returns how many it
// stopped; stopping twice does nothing more.
func (e *Engine) StopLogs() int { return e.logs.stopAll() }
