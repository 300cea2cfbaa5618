package httpapi

import (
	"net/http"

	"github.com/dmsd/dmsd"
)

type instanceConfigJSON struct {
	Name         string `json:"name"`
	ValidValues  string `json:"valid_values"`
	DefaultValue string `json:"default_value"`
	ConfigType   string `json:"config_type"`
	Value        string `json:"value"`
	ValueType    string `json:"value_type"`
}

func handleConfigsShow(svc dmsd.TopicService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		values, err := svc.ShowConfigs(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			return err
		}
		out := struct {
			KafkaConfigs []instanceConfigJSON `json:"kafka_configs"`
		}{KafkaConfigs: make([]instanceConfigJSON, 0, len(values))}
		for _, v := range values {
			out.KafkaConfigs = append(out.KafkaConfigs, instanceConfigJSON{
				Name: v.Name, ValidValues: v.ValidValues, DefaultValue: v.Default,
				ConfigType: v.ConfigType(), Value: v.Value, ValueType: v.ValueType,
			})
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

type modifyConfigsRequest struct {
	KafkaConfigs []nameValue `json:"kafka_configs"`
}

type modifyConfigsJSON struct {
	JobID         string `json:"job_id"`
	DynamicConfig int    `json:"dynamic_config"`
	StaticConfig  int    `json:"static_config"`
}

func handleConfigsModify(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[modifyConfigsRequest](r)
		if err != nil {
			return err
		}
		settings := make([]dmsd.ConfigSetting, 0, len(req.KafkaConfigs))
		for _, c := range req.KafkaConfigs {
			if c.Name == nil || c.Value == nil {
				return dmsd.Errorf(dmsd.EINVALIDCONFIG, "Invalid configuration parameter: every config needs a name and a value.")
			}
			settings = append(settings, dmsd.ConfigSetting{Name: *c.Name, Value: *c.Value})
		}
		t, dynamic, static, err := svc.ModifyConfigs(r.Context(), actorFrom(r), instanceID, settings)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, modifyConfigsJSON{JobID: t.ID, DynamicConfig: dynamic, StaticConfig: static})
		return nil
	})
}

// updateInstanceRequest is the body of PUT /v2/{project_id}/instances/{instance_id}
// (SDK UpdateInstanceReq).
type updateInstanceRequest struct {
	Name                *string `json:"name"`
	Description         *string `json:"description"`
	MaintainBegin       *string `json:"maintain_begin"`
	MaintainEnd         *string `json:"maintain_end"`
	SecurityGroupID     *string `json:"security_group_id"`
	RetentionPolicy     *string `json:"retention_policy"`
	EnterpriseProjectID *string `json:"enterprise_project_id"`
}

func handleInstanceUpdate(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[updateInstanceRequest](r)
		if err != nil {
			return err
		}
		if req.EnterpriseProjectID != nil {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: enterprise_project_id is not supported by this service.")
		}
		u := &dmsd.InstanceUpdate{
			Name: req.Name, Description: req.Description, MaintainBegin: req.MaintainBegin,
			MaintainEnd: req.MaintainEnd, RetentionPolicy: req.RetentionPolicy, SecurityGroupID: req.SecurityGroupID,
		}
		if _, err := svc.UpdateInstance(r.Context(), actorFrom(r), instanceID, u); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
