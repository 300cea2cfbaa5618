package httpapi

import (
	"net/http"

	"github.com/dmsd/dmsd"
)

// extendRequest is the body of POST .../instances/{instance_id}/extend, as the
// official SDK sends it (ResizeEngineInstanceReq).
type extendRequest struct {
	OperType        string   `json:"oper_type"`
	NewStorageSpace *int     `json:"new_storage_space"`
	NewBrokerNum    *int     `json:"new_broker_num"`
	NewProductID    string   `json:"new_product_id"`
	PublicipID      string   `json:"publicip_id"`
	TenantIPs       []string `json:"tenant_ips"`
	SecondSubnetID  string   `json:"second_tenant_subnet_id"`
}

// handleExtend serves both paths of the specification change: the
// reference's /v2/{engine}/{project_id}/instances/{instance_id}/extend and
// the older /v2/{project_id}/kafka/instances/{instance_id}/extend. It
// answers the extendInstance task's id as job_id.
func handleExtend(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if e := r.PathValue("engine"); e != "" && e != "kafka" {
			return dmsd.Errorf(dmsd.EUNSUPPORTEDENGINE, "Unsupported type: the engine must be kafka.")
		}
		instanceID, req, err := decodeForInstance[extendRequest](r)
		if err != nil {
			return err
		}
		switch {
		case req.OperType == "":
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: oper_type is required.")
		case req.OperType == "storage" && req.NewStorageSpace == nil:
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: new_storage_space is required for oper_type storage.")
		case req.OperType == "horizontal" && req.NewBrokerNum == nil:
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: new_broker_num is required for oper_type horizontal.")
		case len(req.TenantIPs) > 0 || req.SecondSubnetID != "":
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: tenant_ips and second_tenant_subnet_id are not supported by this service.")
		}
		ext := dmsd.Extension{OperType: req.OperType}
		if req.NewStorageSpace != nil {
			ext.NewStorageSpace = *req.NewStorageSpace
		}
		if req.NewBrokerNum != nil {
			ext.NewBrokerNum = *req.NewBrokerNum
		}
		t, err := svc.ExtendInstance(r.Context(), actorFrom(r), instanceID, ext)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]string{"job_id": t.ID})
		return nil
	})
}

// handleScalePreCheck answers GET
// /v2/{project_id}/kafka/instances/{instance_id}/extend-check (SDK
// ShowKafkaScalePreCheckInfo): whether an extension may start now, and if
// not, the refusal extend would answer as the reason. An instance that does
// not exist is an error, not a failed check.
func handleScalePreCheck(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		err = svc.CheckExtendable(r.Context(), actorFrom(r), id)
		switch dmsd.ErrorCode(err) {
		case "":
			encode(w, http.StatusOK, map[string]any{"name": "extend", "success": true, "reason": "", "risk": ""})
		case dmsd.EINSTANCESTATUS, dmsd.EEXTERNAL:
			encode(w, http.StatusOK, map[string]any{"name": "extend", "success": false, "reason": dmsd.ErrorCode(err) + ": " + dmsd.ErrorMessage(err), "risk": ""})
		default:
			return err
		}
		return nil
	})
}
