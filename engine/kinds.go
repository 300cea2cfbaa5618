package engine

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

// startable are the statuses from which an instance may be restarted or
// deleted.
var startable = []dmsd.InstanceStatus{dmsd.InstanceRunning, dmsd.InstanceError, dmsd.InstanceExtendFailed}

// running is the status most operations start from.
var running = []dmsd.InstanceStatus{dmsd.InstanceRunning}

// instanceParams are the params of kinds that name only their instance.
type instanceParams struct {
	InstanceID string `json:"instance_id"`
}

// createInstance brings up a new instance's cluster. Its input is the
// instance as the request made it, passwords included; the task shows only
// createParamsOf it.
var createInstance = &Kind[*dmsd.Instance]{
	Name:    "createInstance",
	Success: dmsd.InstanceRunning,
	Failure: dmsd.InstanceError,
	Public:  func(inst *dmsd.Instance) any { return createParamsOf(inst) },
	Steps:   []Step[*dmsd.Instance]{instanceStep[*dmsd.Instance]("START_BROKERS", startBrokers), instanceStep[*dmsd.Instance]("CHECK_CLUSTER", checkCluster)},
}

// restartInstance stops and starts the instance's brokers.
var restartInstance = &Kind[instanceParams]{
	Name:    "restartInstance",
	Needs:   dmsd.RestartBrokers,
	From:    startable,
	During:  dmsd.InstanceRestarting,
	Success: dmsd.InstanceRunning,
	Failure: dmsd.InstanceError,
	Steps: []Step[instanceParams]{
		instanceStep[instanceParams]("STOP_BROKERS", stopBrokers),
		instanceStep[instanceParams]("START_BROKERS", startBrokers),
		instanceStep[instanceParams]("CHECK_CLUSTER", checkCluster),
	},
}

// deleteInstance removes the cluster and then the instance and its tasks,
// this one included.
var deleteInstance = &Kind[instanceParams]{
	Name:            "deleteInstance",
	From:            append(slices.Clone(startable), dmsd.InstanceRecycled),
	During:          dmsd.InstanceDeleting,
	Failure:         dmsd.InstanceError,
	RemovesInstance: true,
	Steps: []Step[instanceParams]{
		instanceStep[instanceParams]("DELETE_BROKERS", destroyCluster),
		instanceStep[instanceParams]("DELETE_RECORDS", deleteRecords),
	},
}

// autoTopicParams are the params of modifyAutoTopic.
type autoTopicParams struct {
	Old bool `json:"old_auto_status"`
	New bool `json:"new_auto_status"`
}

// modifyAutoTopic restarts the brokers with automatic topic creation enabled
// or disabled; the instance stays RUNNING meanwhile. The cloud names its task
// kafkaConfigModify, as a change of the parameter auto.create.topics.enable,
// and the Terraform provider waits for the newest task of that name after
// the change; the API reference's example of 2020 shows modifyAutoTopic, the
// name dmsd used before.
var modifyAutoTopic = &Kind[autoTopicParams]{
	Name:    "kafkaConfigModify",
	Former:  []string{"modifyAutoTopic"},
	Needs:   dmsd.SetAutoTopic,
	From:    running,
	Success: dmsd.InstanceRunning,
	Failure: dmsd.InstanceError,
	Steps: []Step[autoTopicParams]{
		{"UPDATE_AUTO_TOPIC_CONFIG", saveAutoTopic},
		instanceStep[autoTopicParams]("STOP_BROKERS", stopBrokers),
		instanceStep[autoTopicParams]("START_BROKERS", startBrokers),
		instanceStep[autoTopicParams]("CHECK_CLUSTER", checkCluster),
	},
}

// createParams are what a createInstance task shows of the request: never a
// password, which this type has no field for.
type createParams struct {
	AccessUser            string          `json:"access_user,omitempty"`
	BrokerNum             int             `json:"broker_num"`
	EnableAutoTopic       bool            `json:"enable_auto_topic"`
	EngineVersion         string          `json:"engine_version"`
	External              *externalParams `json:"external,omitempty"`
	KafkaSecurityProtocol string          `json:"kafka_security_protocol,omitempty"`
	Name                  string          `json:"name"`
	RetentionPolicy       string          `json:"retention_policy"`
	SASLEnabledMechanisms []string        `json:"sasl_enabled_mechanisms,omitempty"`
	SSLEnable             bool            `json:"ssl_enable,omitempty"`
	StorageSpace          int             `json:"storage_space"`
}

// externalParams are what a createInstance task shows of an external
// cluster: where it is and as whom, not the password.
type externalParams struct {
	BootstrapServers []string `json:"bootstrap_servers"`
	SASLMechanism    string   `json:"sasl_mechanism"`
	Username         string   `json:"username"`
}

// createParamsOf returns the public params of inst's creation. The fields
// are in the order of their JSON names, as the params were written when they
// were a map.
func createParamsOf(inst *dmsd.Instance) createParams {
	p := createParams{
		Name: inst.Name, EngineVersion: inst.EngineVersion, BrokerNum: inst.BrokerNum,
		StorageSpace: inst.StorageSpace, EnableAutoTopic: inst.EnableAutoTopic, RetentionPolicy: inst.RetentionPolicy,
	}
	if inst.SASLEnabled() {
		// As the request said it.
		p.SSLEnable, p.AccessUser, p.SASLEnabledMechanisms = true, inst.AccessUser, inst.SASLMechanisms
		p.KafkaSecurityProtocol = dmsd.SASLPlaintext
		if inst.SSLEnabled {
			p.KafkaSecurityProtocol = dmsd.SASLSSL
		}
	}
	if x := inst.External; x != nil {
		p.External = &externalParams{BootstrapServers: x.BootstrapServers, SASLMechanism: x.SASLMechanism, Username: x.Username}
	}
	return p
}

// startBrokers starts the instance's brokers, or finds them running, and keeps
// their ports so that later starts reuse them, and the CA certificate of
// TLS listeners.
func startBrokers(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	ep, err := d.cluster.StartCluster(ctx, inst)
	if err != nil {
		return err
	}
	changed := false
	if !slices.Equal(inst.Ports, ep.Ports) || inst.SSLCACert != ep.CACert {
		// The CA of TLS listeners is recorded so that any replica can
		// serve it for download; plaintext listeners clear it.
		inst.Ports, inst.SSLCACert, changed = ep.Ports, ep.CACert, true
	}
	if ep.Brokers != 0 && ep.Brokers != inst.BrokerNum {
		// A cluster whose brokers dmsd does not choose: the record
		// takes how many it reports, which CHECK_CLUSTER then checks.
		inst.BrokerNum, changed = ep.Brokers, true
	}
	if !changed {
		return nil
	}
	return d.store.UpdateInstance(ctx, inst)
}

// stopBrokers stops the instance's brokers, keeping their data; stopping
// stopped brokers does nothing.
func stopBrokers(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	return d.cluster.StopCluster(ctx, inst.ID)
}

// checkCluster connects to the cluster as a client would and checks that all
// brokers answer. It first starts the brokers if they do not run: a process
// that died after START_BROKERS took the brokers with it, and its successor
// resumes the task here.
func checkCluster(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	if err := startBrokers(ctx, d, inst); err != nil {
		return err
	}
	return d.cluster.CheckCluster(ctx, inst)
}

// saveAutoTopic records the wanted setting; the broker restart that follows
// applies it, as Kafka reads it at broker start.
func saveAutoTopic(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *autoTopicParams) error {
	if inst.EnableAutoTopic == p.New {
		return nil
	}
	inst.EnableAutoTopic = p.New
	return d.store.UpdateInstance(ctx, inst)
}

// destroyCluster stops the brokers and removes their data.
func destroyCluster(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	return d.cluster.DestroyCluster(ctx, inst.ID)
}

// deleteRecords deletes the instance and all its task records, this one
// included.
func deleteRecords(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	return d.store.DeleteInstance(ctx, inst.ID)
}
