package httpapi

import (
	"net/http"

	"github.com/dmsd/dmsd"
)

// sslSwitchRequest is the body of POST
// /v2/{project_id}/{engine}/instances/{instance_id}/plain-ssl-switch, as the
// official SDK sends it (UpdateKafkaPortProtocol, PlainSslEnableRequest).
type sslSwitchRequest struct {
	Protocol              string   `json:"protocol"`
	Enable                *bool    `json:"enable"`
	UserName              string   `json:"user_name"`
	PassWord              string   `json:"pass_word"`
	SaslEnabledMechanisms []string `json:"sasl_enabled_mechanisms"`
}

// sslSwitchResponse is UpdateKafkaPortProtocolResponse.
type sslSwitchResponse struct {
	JobID    string `json:"job_id"`
	Protocol string `json:"protocol"`
	Enable   bool   `json:"enable"`
}

// errPublicAccess refuses public access, which kfake cannot offer: each of its
// brokers has a single listener, so there is no second, public one.
func errPublicAccess() error {
	return dmsd.Errorf(dmsd.EPUBLICACCESS, "Public access is not supported by the embedded Kafka engine: each broker has a single listener, on 127.0.0.1.")
}

// handleSSLSwitch serves the SDK's plain-ssl-switch. An embedded broker has a
// single listener, so turning a private access method on switches the
// listener to it (dmsd.Instance.SwitchProtocol): a SASL instance switches
// between private_sasl_ssl_enable and private_sasl_plaintext_enable. It
// answers the kafkaSslSwitch task's id as job_id.
func handleSSLSwitch(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.PathValue("engine") != "kafka" {
			return dmsd.Errorf(dmsd.EUNSUPPORTEDENGINE, "Unsupported type: the engine must be kafka.")
		}
		instanceID, req, err := decodeForInstance[sslSwitchRequest](r)
		if err != nil {
			return err
		}
		if req.Enable == nil {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: enable is required.")
		}
		switch req.Protocol {
		case "public_plain_enable", "public_sasl_ssl_enable", "public_sasl_plaintext_enable":
			return errPublicAccess()
		case "":
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: protocol is required.")
		}
		if req.UserName != "" || req.PassWord != "" || len(req.SaslEnabledMechanisms) > 0 {
			// They serve to turn SASL on after creation, which dmsd does
			// not offer.
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: user_name, pass_word and sasl_enabled_mechanisms are not supported by this service: SASL is chosen when the instance is created (ssl_enable).")
		}
		t, err := svc.SetSSL(r.Context(), actorFrom(r), instanceID, req.Protocol, *req.Enable)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, sslSwitchResponse{JobID: t.ID, Protocol: req.Protocol, Enable: *req.Enable})
		return nil
	})
}

// handleSSLCertificate serves the PEM of the CA that signed the brokers'
// certificate of an instance whose listeners use TLS.
func handleSSLCertificate(store dmsd.InstanceStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		inst, err := findInstance(r, store)
		if err != nil {
			return err
		}
		if !inst.SSLEnabled || inst.SSLCACert == "" {
			return dmsd.Errorf(dmsd.ESSLDISABLED, "SSL is not enabled for this instance, or its brokers have not started with TLS yet.")
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("Content-Disposition", `attachment; filename="ca.pem"`)
		_, _ = w.Write([]byte(inst.SSLCACert))
		return nil
	})
}

// handlePublicAccess serves the SDK's public-access switch
// (ModifyKafkaPublicIpAccessSwitch) with a refusal: no task is created.
func handlePublicAccess(store dmsd.InstanceStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := findInstance(r, store); err != nil {
			return err
		}
		return errPublicAccess()
	})
}
