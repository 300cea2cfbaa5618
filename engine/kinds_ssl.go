package engine

import (
	"context"
	"encoding/json"

	"github.com/dmsd/dmsd"
)

func init() {
	kinds["kafkaSslSwitch"] = kind{
		steps:     []step{saveSSL, stopBrokers, startBrokers, checkCluster},
		onSuccess: dmsd.InstanceRunning,
		onFailure: dmsd.InstanceError,
	}
}

// sslParams are the params of kafkaSslSwitch: the setting before and the
// setting asked for.
type sslParams struct {
	Old bool `json:"old_ssl_enable"`
	New bool `json:"new_ssl_enable"`
}

// saveSSL records the wanted listener security on the instance; the broker
// restart that follows applies it (START_BROKERS generates the instance's
// certificate on first use and records its CA). Saving what is saved writes
// nothing.
var saveSSL = step{"UPDATE_SSL_CONFIG", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	var p sslParams
	if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
		return err
	}
	if inst.SSLEnabled == p.New {
		return nil
	}
	inst.SSLEnabled = p.New
	return e.store.UpdateInstance(ctx, inst)
}}

// SetSSL starts kafkaSslSwitch on a RUNNING instance, which turns the access
// method protocol on (enable) or off and restarts the brokers with TLS
// listeners or plaintext ones, as dmsd.Instance.SwitchProtocol decides; the
// instance stays RUNNING meanwhile. It returns EEXTERNAL for an external
// cluster, SwitchProtocol's EINVALID and the store's errors.
func (e *Engine) SetSSL(ctx context.Context, actor dmsd.Actor, instanceID, protocol string, enable bool) (*dmsd.Task, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if inst.External != nil {
		return nil, dmsd.ErrExternal("switching SSL, which restarts the brokers' listeners,")
	}
	tls, err := inst.SwitchProtocol(protocol, enable)
	if err != nil {
		return nil, err
	}
	t := newTask(actor, instanceID, "kafkaSslSwitch", sslParams{Old: inst.SSLEnabled, New: tls})
	return t, e.store.SubmitTask(ctx, &dmsd.Submission{
		Task:            t,
		AllowedStatuses: []dmsd.InstanceStatus{dmsd.InstanceRunning},
	})
}
