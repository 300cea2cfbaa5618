package engine

import (
	"context"

	"github.com/dmsd/dmsd"
)

// kafkaSslSwitch restarts a RUNNING instance's brokers with TLS listeners or
// plaintext ones; the instance stays RUNNING meanwhile.
var kafkaSslSwitch = &Kind[sslParams]{
	Name:    "kafkaSslSwitch",
	Needs:   dmsd.SwitchSSL,
	From:    running,
	Success: dmsd.InstanceRunning,
	Failure: dmsd.InstanceError,
	Steps: []Step[sslParams]{
		{"UPDATE_SSL_CONFIG", saveSSL},
		instanceStep[sslParams]("STOP_BROKERS", stopBrokers),
		instanceStep[sslParams]("START_BROKERS", startBrokers),
		instanceStep[sslParams]("CHECK_CLUSTER", checkCluster),
	},
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
func saveSSL(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *sslParams) error {
	if inst.SSLEnabled == p.New {
		return nil
	}
	inst.SSLEnabled = p.New
	return d.store.UpdateInstance(ctx, inst)
}

// SetSSL starts kafkaSslSwitch on a RUNNING instance, which turns the access
// method protocol on (enable) or off and restarts the brokers with TLS
// listeners or plaintext ones, as dmsd.Instance.SwitchProtocol decides; the
// instance stays RUNNING meanwhile. It returns EEXTERNAL for an external
// cluster, SwitchProtocol's EINVALID and the store's errors.
func (e *Engine) SetSSL(ctx context.Context, actor dmsd.Actor, instanceID, protocol string, enable bool) (*dmsd.Task, error) {
	inst, err := e.allowed(ctx, actor, instanceID, kafkaSslSwitch.Needs)
	if err != nil {
		return nil, err
	}
	tls, err := inst.SwitchProtocol(protocol, enable)
	if err != nil {
		return nil, err
	}
	return submit(ctx, e, kafkaSslSwitch, actor, instanceID, sslParams{Old: inst.SSLEnabled, New: tls})
}
