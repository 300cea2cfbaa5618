package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dmsd/dmsd"
)

// reassignRequest is the body of POST .../reassign (SDK PartitionReassignRequest).
type reassignRequest struct {
	Reassignments []struct {
		Topic             string  `json:"topic"`
		Brokers           []int32 `json:"brokers"`
		ReplicationFactor *int    `json:"replication_factor"`
		Assignment        []struct {
			Partition        *int32  `json:"partition"`
			PartitionBrokers []int32 `json:"partition_brokers"`
		} `json:"assignment"`
	} `json:"reassignments"`
	Throttle     *int64 `json:"throttle"`
	IsSchedule   *bool  `json:"is_schedule"`
	ExecuteAt    *int64 `json:"execute_at"`
	TimeEstimate *bool  `json:"time_estimate"`
}

// reassignJSON is the answer (SDK CreateKafkaReassignmentTaskResponse): the
// task's job_id, or only reassignment_time for a time estimate.
type reassignJSON struct {
	JobID            string `json:"job_id,omitempty"`
	ReassignmentTime *int   `json:"reassignment_time,omitempty"`
}

// handleReassign serves both paths of the reassignment: the SDK's
// /v2/{project_id}/kafka/instances/{instance_id}/reassign and the reference's
// /v2/{engine}/{project_id}/instances/{instance_id}/reassign.
func handleReassign(svc dmsd.ReassignService, tasks dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if e := r.PathValue("engine"); e != "" && e != "kafka" {
			return dmsd.Errorf(dmsd.EUNSUPPORTEDENGINE, "Unsupported type: the engine must be kafka.")
		}
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		body, err := decode[reassignRequest](r)
		if err != nil {
			return err
		}
		req, err := reassignOf(&body)
		if err != nil {
			return err
		}
		if body.TimeEstimate != nil && *body.TimeEstimate {
			// An estimate, as the SDK describes time_estimate: no task.
			secs, err := svc.EstimateReassignment(r.Context(), actorFrom(r), instanceID, req)
			if err != nil {
				return err
			}
			encode(w, http.StatusOK, reassignJSON{ReassignmentTime: &secs})
			return nil
		}
		t, err := tasks.Reassign(r.Context(), actorFrom(r), instanceID, req)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, reassignJSON{JobID: t.ID})
		return nil
	})
}

// maxUnixMilli is the last millisecond of the year 9999, the latest time
// that the answers' formats can show.
const maxUnixMilli = 253402300799999

// reassignOf checks the request's shape and returns it as the service takes it.
func reassignOf(body *reassignRequest) (*dmsd.ReassignRequest, error) {
	req := &dmsd.ReassignRequest{}
	if body.Throttle != nil {
		if *body.Throttle < 1 || *body.Throttle > math.MaxInt32 {
			// The SDK's throttle is an int32.
			return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: throttle must be a positive number of bytes per second, at most %d.", math.MaxInt32)
		}
		req.Throttle = *body.Throttle
	}
	schedule := body.IsSchedule != nil && *body.IsSchedule
	switch {
	case schedule && body.ExecuteAt == nil:
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: a scheduled reassignment (is_schedule) needs execute_at.")
	case !schedule && body.ExecuteAt != nil:
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: execute_at is given without is_schedule: true.")
	case schedule && (*body.ExecuteAt <= 0 || *body.ExecuteAt > maxUnixMilli):
		return nil, dmsd.Errorf(dmsd.EINVALIDTIME, "Timestamp is invalid: execute_at must be a Unix time in milliseconds.")
	case schedule:
		req.ExecuteAt = time.UnixMilli(*body.ExecuteAt).UTC()
	}
	for _, in := range body.Reassignments {
		out := dmsd.Reassignment{Topic: in.Topic, Brokers: in.Brokers}
		if in.ReplicationFactor != nil {
			if *in.ReplicationFactor < 1 {
				return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: replication_factor of topic %s must be positive.", in.Topic)
			}
			out.ReplicationFactor = *in.ReplicationFactor
		}
		for _, a := range in.Assignment {
			if a.Partition == nil {
				return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: every assignment of topic %s needs a partition.", in.Topic)
			}
			out.Assignment = append(out.Assignment, dmsd.PartitionAssignment{Partition: *a.Partition, Brokers: a.PartitionBrokers})
		}
		req.Reassignments = append(req.Reassignments, out)
	}
	return req, nil
}

// scheduledJSON is a scheduled task as the API shows it (SDK
// ScheduledTaskEntity): every field a string.
type scheduledJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	UserName   string `json:"user_name"`
	UserID     string `json:"user_id"`
	Params     string `json:"params"`
	Status     string `json:"status"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
	ScheduleAt string `json:"schedule_at"`
	Reason     string `json:"reason,omitempty"`
}

type scheduledListJSON struct {
	JobCount string          `json:"job_count"`
	Jobs     []scheduledJSON `json:"jobs"`
}

func handleScheduledList(store dmsd.TaskStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		f, err := taskFilterOf(r)
		if err != nil {
			return err
		}
		tasks, count, err := store.ListScheduledTasks(r.Context(), f)
		if err != nil {
			return err
		}
		out := scheduledListJSON{JobCount: strconv.Itoa(count), Jobs: make([]scheduledJSON, len(tasks))}
		for i, t := range tasks {
			out.Jobs[i] = scheduledJSON{
				ID: t.ID, Name: t.Name, UserName: t.UserName, UserID: t.UserID, Params: t.Params,
				Status: string(t.Status), CreatedAt: dmsd.FormatTime(t.CreatedAt), UpdatedAt: dmsd.FormatTime(t.UpdatedAt),
				ScheduleAt: dmsd.FormatTime(t.ExecuteAt), Reason: t.Reason,
			}
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// parseExecuteAt reads a new execution time: Unix milliseconds (13 digits or
// fewer), YYYYMMDDHHmmss in UTC (14 digits, as the console sends it), or RFC 3339.
func parseExecuteAt(s string) (time.Time, error) {
	if t, err := time.Parse("20060102150405", s); err == nil && len(s) == 14 {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if strings.Trim(s, "0123456789") == "" && len(s) > 0 && len(s) <= 13 {
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
			return time.UnixMilli(ms).UTC(), nil
		}
	}
	return time.Time{}, dmsd.Errorf(dmsd.EINVALIDTIME, "Timestamp is invalid: execute_at must be Unix milliseconds, YYYYMMDDHHmmss (UTC) or RFC 3339.")
}

func handleScheduledUpdate(store dmsd.TaskStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		projectID, instanceID, taskID, err := taskPath(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		switch {
		case q.Has("execute_at") && q.Has("status"):
			err = dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: give execute_at or status, not both.")
		case q.Has("status"):
			if q.Get("status") != string(dmsd.TaskCancelled) {
				err = dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: status can only be set to CANCELLED.")
				break
			}
			err = store.CancelTask(r.Context(), projectID, instanceID, taskID)
		case q.Has("execute_at"):
			var at time.Time
			if at, err = parseExecuteAt(q.Get("execute_at")); err == nil {
				err = store.RescheduleTask(r.Context(), projectID, instanceID, taskID, at.Truncate(time.Millisecond))
			}
		default:
			err = dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: give execute_at or status=CANCELLED.")
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func handleScheduledDelete(store dmsd.TaskStore) http.Handler {
	return handleDeleteBy(store, dmsd.TaskStore.DeleteScheduledTask)
}
