package httpapi

import (
	"net/http"
	"strconv"

	"github.com/dmsd/dmsd"
)

// rebalanceLogJSON is ShowKafkaRebalanceLogResponse, camelCase as the SDK
// has it, times as Unix milliseconds. dmsd keeps the log itself rather than
// in a log stream: logStreamId and logGroupId name the log, and entries, a
// field of dmsd's own that the SDK ignores, holds what it observed.
type rebalanceLogJSON struct {
	ID          string                `json:"id"`
	InstanceID  string                `json:"instanceId"`
	Status      string                `json:"status"`
	LogStreamID string                `json:"logStreamId"`
	LogGroupID  string                `json:"logGroupId"`
	DashboardID string                `json:"dashboardId"`
	CreateAt    string                `json:"createAt"`
	UpdateAt    string                `json:"updateAt"`
	Entries     []dmsd.RebalanceEntry `json:"entries"`

	// The same in snake_case, times as numbers, as the Terraform
	// provider's dms_kafka_instance_rebalance_log and the Node.js SDK's
	// model read them.
	SnakeInstanceID  string `json:"instance_id"`
	SnakeLogStreamID string `json:"log_stream_id"`
	SnakeLogGroupID  string `json:"log_group_id"`
	SnakeDashboardID string `json:"dashboard_id"`
	LogType          string `json:"log_type"`
	LogFileName      string `json:"log_file_name"`
	CreatedAt        int64  `json:"created_at"`
	UpdatedAt        int64  `json:"updated_at"`
}

type jobJSON struct {
	JobID string `json:"job_id"`
}

// handleRebalanceLogStart serves CreateKafkaRebalanceLogTask: job_id is the
// task that turns the log on.
func handleRebalanceLogStart(svc dmsd.LogService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		t, err := svc.StartRebalanceLog(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, jobJSON{JobID: t.ID})
		return nil
	})
}

// handleRebalanceLogShow serves ShowKafkaRebalanceLog.
func handleRebalanceLogShow(svc dmsd.LogService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		l, err := svc.RebalanceLog(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			return err
		}
		out := rebalanceLogJSON{ID: l.ID, InstanceID: l.InstanceID, Status: logTaskStatus(l.Status), LogStreamID: l.ID, LogGroupID: l.InstanceID,
			CreateAt: strconv.FormatInt(l.CreatedAt.UnixMilli(), 10), UpdateAt: strconv.FormatInt(l.UpdatedAt.UnixMilli(), 10),
			Entries: l.Entries, SnakeInstanceID: l.InstanceID, SnakeLogStreamID: l.ID, SnakeLogGroupID: l.InstanceID,
			LogType: dmsd.LogTypeRebalance, CreatedAt: l.CreatedAt.UnixMilli(), UpdatedAt: l.UpdatedAt.UnixMilli()}
		if out.Entries == nil {
			out.Entries = []dmsd.RebalanceEntry{}
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// handleRebalanceLogStop serves StopKafkaRebalanceLogTask: job_id is the
// task that turns the log off.
func handleRebalanceLogStop(svc dmsd.LogService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		t, err := svc.StopRebalanceLog(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, jobJSON{JobID: t.ID})
		return nil
	})
}

// logTaskJSON is ShowKafkaLogTaskEntity, times as Unix milliseconds, status
// OPEN or CLOSE. dmsd keeps the log itself rather than in an LTS log group
// and stream, so log_group_id and log_stream_id are empty: the Terraform
// provider's dms_kafka_instance_log looks non-empty ones up in LTS and, not
// finding them there, empties the log_group_name and log_stream_name it was
// given, which its next plan replaces the resource for. The collected
// entries are fields of dmsd's own that the SDK ignores: lines (topic_log:
// the brokers' lines, oldest first) or entries (REBALANCE, as
// ShowKafkaRebalanceLog has them).
type logTaskJSON struct {
	ID          string                `json:"id"`
	InstanceID  string                `json:"instance_id"`
	LogGroupID  string                `json:"log_group_id"`
	LogStreamID string                `json:"log_stream_id"`
	DashboardID string                `json:"dashboard_id"`
	Status      string                `json:"status"`
	LogType     string                `json:"log_type"`
	LogFileName string                `json:"log_file_name"`
	CreatedAt   int64                 `json:"created_at"`
	UpdatedAt   int64                 `json:"updated_at"`
	Lines       []string              `json:"lines,omitempty"`
	Entries     []dmsd.RebalanceEntry `json:"entries,omitempty"`
}

// logTaskStatus is the SDK's status of a log task: OPEN while it collects,
// CLOSE once stopped.
func logTaskStatus(status string) string {
	if status == dmsd.LogRunning {
		return "OPEN"
	}
	return "CLOSE"
}

// logTaskOf returns the instance id and log_type of a log task request, or
// EINVALID for a log_type other than REBALANCE or topic_log.
func logTaskOf(r *http.Request) (string, string, error) {
	id, err := instanceIDOf(r)
	if err != nil {
		return "", "", err
	}
	typ := r.PathValue("log_type")
	return id, typ, dmsd.CheckLogType(typ)
}

// handleLogTaskShow serves ShowKafkaLogTask: the instance's log of that
// type, if it ever had one, with what it collected.
func handleLogTaskShow(svc dmsd.LogService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, typ, err := logTaskOf(r)
		if err != nil {
			return err
		}
		logs, err := svc.LogTasks(r.Context(), actorFrom(r), id, typ)
		if err != nil {
			return err
		}
		out := make([]logTaskJSON, 0, len(logs))
		for _, l := range logs {
			j := logTaskJSON{ID: l.ID, InstanceID: l.InstanceID, Status: logTaskStatus(l.Status),
				LogType: l.Type, LogFileName: l.FileName, CreatedAt: l.CreatedAt.UnixMilli(), UpdatedAt: l.UpdatedAt.UnixMilli()}
			if l.Type == dmsd.LogTypeTopic {
				j.Lines = append([]string{}, l.Entries...)
			} else {
				j.Entries = dmsd.DecodeRebalanceEntries(l.Entries)
			}
			out = append(out, j)
		}
		encode(w, http.StatusOK, map[string]any{"log_response_list": out})
		return nil
	})
}

// handleLogTaskStart serves StartKafkaLogTask: job_id is the task that turns
// the log on. dmsd collects into its own store, so log_group_name and
// log_stream_name (LTS's) are accepted and unused; the first log_file_name
// names the log.
func handleLogTaskStart(svc dmsd.LogService) http.Handler {
	type request struct {
		LogTaskList []struct {
			LogFileName   string `json:"log_file_name"`
			LogGroupName  string `json:"log_group_name"`
			LogStreamName string `json:"log_stream_name"`
		} `json:"log_task_list"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, req, err := decodeForInstance[request](r)
		if err != nil {
			return err
		}
		id, typ, err := logTaskOf(r)
		if err != nil {
			return err
		}
		var fileName string
		if len(req.LogTaskList) > 0 {
			fileName = req.LogTaskList[0].LogFileName
		}
		t, err := svc.StartLogTask(r.Context(), actorFrom(r), id, typ, fileName)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, jobJSON{JobID: t.ID})
		return nil
	})
}

// handleLogTaskStop serves StopKafkaLogTask: job_id is the task that turns
// the log off.
func handleLogTaskStop(svc dmsd.LogService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, typ, err := logTaskOf(r)
		if err != nil {
			return err
		}
		t, err := svc.StopLogTask(r.Context(), actorFrom(r), id, typ)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, jobJSON{JobID: t.ID})
		return nil
	})
}
