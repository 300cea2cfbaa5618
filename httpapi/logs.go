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
}

type jobJSON struct {
	JobID string `json:"job_id"`
}

// handleRebalanceLogStart serves CreateKafkaRebalanceLogTask: job_id is the
// task that turns the log on.
func handleRebalanceLogStart(svc dmsd.LogService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		t, err := svc.StartRebalanceLog(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, jobJSON{JobID: t.ID})
	})
}

// handleRebalanceLogShow serves ShowKafkaRebalanceLog.
func handleRebalanceLogShow(svc dmsd.LogService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		l, err := svc.RebalanceLog(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out := rebalanceLogJSON{ID: l.ID, InstanceID: l.InstanceID, Status: l.Status, LogStreamID: l.ID, LogGroupID: l.InstanceID,
			CreateAt: strconv.FormatInt(l.CreatedAt.UnixMilli(), 10), UpdateAt: strconv.FormatInt(l.UpdatedAt.UnixMilli(), 10),
			Entries: l.Entries}
		if out.Entries == nil {
			out.Entries = []dmsd.RebalanceEntry{}
		}
		encode(w, http.StatusOK, out)
	})
}

// handleRebalanceLogStop serves StopKafkaRebalanceLogTask: job_id is the
// task that turns the log off.
func handleRebalanceLogStop(svc dmsd.LogService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		t, err := svc.StopRebalanceLog(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, jobJSON{JobID: t.ID})
	})
}
