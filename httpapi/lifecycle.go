package httpapi

import (
	"net/http"
	"time"

	"github.com/dmsd/dmsd"
)

// recyclePolicyRequest is ModifyRecyclePolicyReq.
type recyclePolicyRequest struct {
	RetentionDays     *int32 `json:"retention_days"`
	DefaultUseRecycle *bool  `json:"default_use_recycle"`
}

// recycleJSON is ShowRecycleInstancesResponse (and ModifyRecyclePolicy's).
type recycleJSON struct {
	RetentionDays     int32                 `json:"retention_days"`
	DefaultUseRecycle bool                  `json:"default_use_recycle"`
	RecycleInstances  []recycleInstanceJSON `json:"recycle_instances"`
}

// recycleInstanceJSON is InstanceRecycleInfo: times are Unix milliseconds,
// save_time the retention in days.
type recycleInstanceJSON struct {
	InstanceID     string  `json:"instance_id"`
	Status         string  `json:"status"`
	Name           string  `json:"name"`
	Engine         string  `json:"engine"`
	InRecycleTime  int64   `json:"in_recycle_time"`
	SaveTime       int32   `json:"save_time"`
	AutoDeleteTime int64   `json:"auto_delete_time"`
	CostPerHour    float64 `json:"cost_per_hour"`
	ProductID      string  `json:"product_id"`
}

// writeRecycle answers the project's policy and its recycle bin, or returns
// the error of listing the bin, having written nothing.
func writeRecycle(w http.ResponseWriter, r *http.Request, svc dmsd.LifecycleService, p dmsd.RecyclePolicy) error {
	instances, err := svc.RecycledInstances(r.Context(), actorFrom(r))
	if err != nil {
		return err
	}
	out := recycleJSON{RetentionDays: int32(p.RetentionDays), DefaultUseRecycle: p.Enabled, RecycleInstances: []recycleInstanceJSON{}}
	for _, inst := range instances {
		days := int32(0)
		if inst.RecycleUntil.After(inst.RecycledAt) && !inst.RecycledAt.IsZero() {
			days = int32(p.RetentionDays)
		}
		out.RecycleInstances = append(out.RecycleInstances, recycleInstanceJSON{
			InstanceID: inst.ID, Status: string(inst.Status), Name: inst.Name, Engine: cmpOr(inst.Engine, "kafka"),
			InRecycleTime: inst.RecycledAt.UnixMilli(), SaveTime: days, AutoDeleteTime: inst.RecycleUntil.UnixMilli(),
			ProductID: inst.ProductID,
		})
	}
	encode(w, http.StatusOK, out)
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// handleRecycleShow serves ShowRecycleInstances: the project's policy and
// the instances its recycle bin keeps.
func handleRecycleShow(svc dmsd.LifecycleService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := svc.RecyclePolicy(r.Context(), actorFrom(r))
		if err != nil {
			return err
		}
		return writeRecycle(w, r, svc, p)
	})
}

// handleRecyclePolicy serves ModifyRecyclePolicy: a field left out keeps its
// value.
func handleRecyclePolicy(svc dmsd.LifecycleService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[recyclePolicyRequest](r)
		if err != nil {
			return err
		}
		p, err := svc.RecyclePolicy(r.Context(), actorFrom(r))
		if err != nil {
			return err
		}
		if req.RetentionDays != nil {
			p.RetentionDays = int(*req.RetentionDays)
		}
		if req.DefaultUseRecycle != nil {
			p.Enabled = *req.DefaultUseRecycle
		}
		if err := svc.SetRecyclePolicy(r.Context(), actorFrom(r), p); err != nil {
			return err
		}
		return writeRecycle(w, r, svc, p)
	})
}

// restoreRequest is BatchResumeInstanceReq.
type restoreRequest struct {
	Instances []string `json:"instances"`
}

// restoreResultJSON is InstanceResumeResult.
type restoreResultJSON struct {
	InstanceID string `json:"instance_id"`
	JobID      string `json:"job_id,omitempty"`
	ErrorMsg   string `json:"error_msg,omitempty"`
}

// handleRecycleRestore serves RestoreRecycleInstance: a restoreInstance task
// for each instance, whose id is its job_id; an instance refused says why
// in its error_msg.
func handleRecycleRestore(svc dmsd.LifecycleService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[restoreRequest](r)
		if err != nil {
			return err
		}
		if err := checkInstanceBatch(req.Instances); err != nil {
			return err
		}
		out := struct {
			Results []restoreResultJSON `json:"results"`
		}{Results: make([]restoreResultJSON, 0, len(req.Instances))}
		for _, id := range req.Instances {
			res := restoreResultJSON{InstanceID: id}
			t, err := svc.RestoreInstance(r.Context(), actorFrom(r), id)
			if err != nil {
				if status := statusOf[dmsd.ErrorCode(err)]; status == 0 || status >= 500 {
					return err
				}
				res.ErrorMsg = dmsd.ErrorCode(err) + ": " + dmsd.ErrorMessage(err)
			} else {
				res.JobID = t.ID
			}
			out.Results = append(out.Results, res)
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// resetPasswordRequest is ResetPasswordReq.
type resetPasswordRequest struct {
	NewPassword string `json:"new_password"`
}

// handleResetPassword serves ResetPassword: the access user's new password,
// in effect (brokers restarted) when it answers 204, as the SDK's answer
// carries no job.
func handleResetPassword(svc dmsd.LifecycleService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[resetPasswordRequest](r)
		if err != nil {
			return err
		}
		if err := svc.ResetPassword(r.Context(), actorFrom(r), instanceID, req.NewPassword); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// upgradeRequest is UpgradeInstanceReq.
type upgradeRequest struct {
	IsSchedule *bool  `json:"is_schedule"`
	ExecuteAt  *int64 `json:"execute_at"`
}

// handleUpgrade serves UpgradeInstance: the upgradeInstance task, now or at
// execute_at, whose id the answer's job_id is. The SDK takes the answer's
// body as a string.
func handleUpgrade(svc dmsd.LifecycleService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[upgradeRequest](r)
		if err != nil {
			return err
		}
		var when time.Time
		schedule := req.IsSchedule != nil && *req.IsSchedule
		switch {
		case schedule && req.ExecuteAt == nil:
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: a scheduled upgrade (is_schedule) needs execute_at.")
		case !schedule && req.ExecuteAt != nil:
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: execute_at is given without is_schedule: true.")
		case schedule && (*req.ExecuteAt <= 0 || *req.ExecuteAt > maxUnixMilli):
			return dmsd.Errorf(dmsd.EINVALIDTIME, "Timestamp is invalid: execute_at must be a Unix time in milliseconds.")
		case schedule:
			when = time.UnixMilli(*req.ExecuteAt).UTC()
		}
		t, err := svc.UpgradeInstance(r.Context(), actorFrom(r), instanceID, when)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, struct {
			JobID string `json:"job_id"`
		}{t.ID})
		return nil
	})
}

// handleUpgradeVersion serves ShowUpgradeInstanceVersion: the instance's
// engine version label and the newest dmsd offers.
func handleUpgradeVersion(store dmsd.InstanceStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		inst, err := visibleInstance(r, store)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, struct {
			CurrentVersion string `json:"current_version"`
			LatestVersion  string `json:"latest_version"`
		}{inst.EngineVersion, dmsd.LatestEngineVersion()})
		return nil
	})
}

// crossVpcRequest is UpdateInstanceCrossVpcIpReq.
type crossVpcRequest struct {
	AdvertisedIPContents map[string]string `json:"advertised_ip_contents"`
}

// crossVpcResultJSON is UpdateInstanceCrossVpcIpRespResults.
type crossVpcResultJSON struct {
	AdvertisedIP string `json:"advertised_ip"`
	Success      bool   `json:"success"`
	IP           string `json:"ip"`
}

// handleCrossVpc serves UpdateInstanceCrossVpcIp: the advertised addresses
// are kept and shown in cross_vpc_info; the brokers keep listening on
// 127.0.0.1, the only address embedded brokers are reachable at.
func handleCrossVpc(svc dmsd.LifecycleService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[crossVpcRequest](r)
		if err != nil {
			return err
		}
		ips, err := svc.SetAdvertisedIPs(r.Context(), actorFrom(r), instanceID, req.AdvertisedIPContents)
		if err != nil {
			return err
		}
		out := struct {
			Success bool                 `json:"success"`
			Results []crossVpcResultJSON `json:"results"`
		}{Success: true, Results: make([]crossVpcResultJSON, 0, len(ips))}
		for _, ip := range ips {
			out.Results = append(out.Results, crossVpcResultJSON{AdvertisedIP: ip.Advertised, Success: true, IP: ip.Listener})
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// findInstance returns the instance of r's path, in the recycle bin or not,
// or the error of its id or of the store.
func findInstance(r *http.Request, store dmsd.InstanceStore) (*dmsd.Instance, error) {
	instanceID, err := instanceIDOf(r)
	if err != nil {
		return nil, err
	}
	return store.FindInstance(r.Context(), r.PathValue("project_id"), instanceID)
}

// visibleInstance returns the instance of r's path, or the error of
// findInstance, or EINSTANCENOTFOUND for one in the recycle bin (which
// ShowRecycleInstances shows).
func visibleInstance(r *http.Request, store dmsd.InstanceStore) (*dmsd.Instance, error) {
	inst, err := findInstance(r, store)
	if err == nil && inst.Recycled() {
		return nil, dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist.")
	}
	return inst, err
}

// handleRefuse answers, for an instance that exists, refusal: the
// operations of things dmsd does not have.
func handleRefuse(store dmsd.InstanceStore, refusal error) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := visibleInstance(r, store); err != nil {
			return err
		}
		return refusal
	})
}

// errNoKafkaManager refuses the Kafka Manager operations.
func errNoKafkaManager() error {
	return dmsd.Errorf(dmsd.ENOKAFKAMANAGER, "This service runs no Kafka Manager: there is none to close, restart or set a password for.")
}

// errNoDNS refuses EnableDns.
func errNoDNS() error {
	return dmsd.Errorf(dmsd.ENODNS, "This service has no private DNS: the brokers are reached at the IP addresses of their listeners.")
}
