package httpapi

import (
	"net/http"
	"strconv"

	"github.com/dmsd/dmsd"
)

// diagnosisRequest is the body of CreateMessageDiagnosisTask (SDK
// CreateMessageDiagnosisTaskReq).
type diagnosisRequest struct {
	GroupName string `json:"group_name"`
	TopicName string `json:"topic_name"`
}

// reportInfoJSON is a report in the list (SDK
// KafkaMessageDiagnosisReportInfoEntity); times are Unix milliseconds.
type reportInfoJSON struct {
	ReportID              string  `json:"report_id"`
	Status                string  `json:"status"`
	BeginTime             string  `json:"begin_time"`
	EndTime               *string `json:"end_time,omitempty"`
	GroupName             string  `json:"group_name"`
	TopicName             string  `json:"topic_name"`
	AccumulatedPartitions int     `json:"accumulated_partitions"`
}

// reportJSON is ShowMessageDiagnosisReportResponse.
type reportJSON struct {
	AbnormalItemNum int32                     `json:"abnormal_item_num"`
	FailedItemNum   int32                     `json:"failed_item_num"`
	NormalItemNum   int32                     `json:"normal_item_num"`
	Dimensions      []dmsd.DiagnosisDimension `json:"diagnosis_dimension_list"`
}

// deleteResultJSON is one report's outcome: result as the Go SDK reads it,
// success as the Node.js SDK's model does.
type deleteResultJSON struct {
	Result  bool   `json:"result"`
	Success bool   `json:"success"`
	ID      string `json:"id"`
}

// maxReportsPerDelete bounds one BatchDeleteMessageDiagnosisReports.
const maxReportsPerDelete = 100

// handleDiagnosisPreCheck serves ShowDiagnosisPreCheck: the answer's body is
// the list of checks itself.
func handleDiagnosisPreCheck(svc dmsd.DiagnosisService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		checks, err := svc.PreCheck(r.Context(), actorFrom(r), instanceID, q.Get("group"), q.Get("topic"))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, checks)
		return nil
	})
}

// handleDiagnosisCreate serves CreateMessageDiagnosisTask.
func handleDiagnosisCreate(svc dmsd.DiagnosisService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, body, err := decodeForInstance[diagnosisRequest](r)
		if err != nil {
			return err
		}
		if body.GroupName == "" || body.TopicName == "" {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: group_name and topic_name are required.")
		}
		rep, err := svc.Diagnose(r.Context(), actorFrom(r), instanceID, body.GroupName, body.TopicName)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, struct {
			ReportID string `json:"report_id"`
		}{rep.ID})
		return nil
	})
}

// handleDiagnosisList serves ListMessageDiagnosisReports, newest first.
func handleDiagnosisList(reports dmsd.DiagnosisStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		limit, offset := 10, 0
		if q.Has("limit") {
			if limit, err = parseInt(q, "limit", 1, 50, dmsd.ELIMIT); err != nil {
				return err
			}
		}
		if q.Has("offset") {
			if offset, err = parseInt(q, "offset", 0, 1<<20, dmsd.EOFFSET); err != nil {
				return err
			}
		}
		a := actorFrom(r)
		list, total, err := reports.ListReports(r.Context(), a.ProjectID, instanceID, limit, offset)
		if err != nil {
			return err
		}
		out := struct {
			ReportList []reportInfoJSON `json:"report_list"`
			TotalNum   int              `json:"total_num"`
		}{ReportList: make([]reportInfoJSON, len(list)), TotalNum: total}
		for i, rep := range list {
			j := reportInfoJSON{ReportID: rep.ID, Status: rep.Status, BeginTime: strconv.FormatInt(rep.BeginTime.UnixMilli(), 10),
				GroupName: rep.Group, TopicName: rep.Topic, AccumulatedPartitions: rep.AccumulatedPartitions}
			if !rep.EndTime.IsZero() {
				end := strconv.FormatInt(rep.EndTime.UnixMilli(), 10)
				j.EndTime = &end
			}
			out.ReportList[i] = j
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// handleDiagnosisShow serves ShowMessageDiagnosisReport.
func handleDiagnosisShow(reports dmsd.DiagnosisStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		rep, err := reports.FindReport(r.Context(), actorFrom(r).ProjectID, instanceID, r.PathValue("report_id"))
		if err != nil {
			return err
		}
		out := reportJSON{Dimensions: rep.Dimensions}
		if out.Dimensions == nil {
			out.Dimensions = []dmsd.DiagnosisDimension{}
		}
		out.NormalItemNum, out.AbnormalItemNum, out.FailedItemNum = rep.ItemCounts()
		encode(w, http.StatusOK, out)
		return nil
	})
}

// handleDiagnosisDelete serves BatchDeleteMessageDiagnosisReports: each id's
// result says whether a report of that id was deleted.
func handleDiagnosisDelete(reports dmsd.DiagnosisStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, body, err := decodeForInstance[struct {
			ReportIDList []string `json:"report_id_list"`
		}](r)
		if err != nil {
			return err
		}
		if len(body.ReportIDList) == 0 || len(body.ReportIDList) > maxReportsPerDelete {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: report_id_list must list 1 to %d reports.", maxReportsPerDelete)
		}
		ctx, projectID := r.Context(), actorFrom(r).ProjectID
		if dmsd.Replayed(ctx) {
			// A spent signature: the answer stands only if it deletes
			// nothing.
			for _, id := range body.ReportIDList {
				_, err := reports.FindReport(ctx, projectID, instanceID, id)
				if err == nil {
					err = dmsd.CheckNotReplayed(ctx)
				}
				if dmsd.ErrorCode(err) != dmsd.EREPORTNOTFOUND {
					return err
				}
			}
		}
		out := struct {
			Results []deleteResultJSON `json:"results"`
		}{}
		for _, id := range body.ReportIDList {
			ok, err := reports.DeleteReport(ctx, projectID, instanceID, id)
			if err != nil {
				return err
			}
			out.Results = append(out.Results, deleteResultJSON{Result: ok, Success: ok, ID: id})
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}
