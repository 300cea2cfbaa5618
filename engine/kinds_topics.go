package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/dmsd/dmsd"
)

// kafkaConfigModify sets a RUNNING instance's Kafka parameters. The instance
// keeps its status: a refused parameter leaves the brokers as they were.
var kafkaConfigModify = &Kind[configModifyParams]{
	Name:  "kafkaConfigModify",
	From:  running,
	Steps: []Step[configModifyParams]{{"MODIFY_DYNAMIC_CONFIGS", modifyDynamicConfigs}, {"SAVE_STATIC_CONFIGS", saveStaticConfigs}},
}

// changeRetentionPolicy records a RUNNING instance's new retention policy.
var changeRetentionPolicy = &Kind[retentionPolicyParams]{
	Name:  "changeRetentionPolicy",
	From:  running,
	Steps: []Step[retentionPolicyParams]{{"MODIFY_RETENTION_POLICY", modifyRetentionPolicy}},
	Quick: true,
}

// configModifyParams are the params of kafkaConfigModify.
type configModifyParams struct {
	KafkaConfigs  []dmsd.ConfigSetting `json:"kafka_configs"`
	DynamicConfig int                  `json:"dynamic_config"`
	StaticConfig  int                  `json:"static_config"`
}

// settingsOf returns the params' settings that are dynamic (or static).
func (p *configModifyParams) settingsOf(dynamic bool) map[string]string {
	out := map[string]string{}
	for _, s := range p.KafkaConfigs {
		if param, ok := dmsd.FindBrokerParam(s.Name); ok && param.Dynamic == dynamic {
			out[s.Name] = s.Value
		}
	}
	return out
}

// saveBrokerConfigs records settings on the instance, so that every later
// start of the cluster passes them to the brokers. Saving what is already
// saved writes nothing.
func saveBrokerConfigs(ctx context.Context, d *deps, inst *dmsd.Instance, settings map[string]string) error {
	merged := maps.Clone(inst.BrokerConfigs)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, settings)
	if maps.Equal(merged, inst.BrokerConfigs) {
		return nil
	}
	inst.BrokerConfigs = merged
	return d.store.UpdateInstance(ctx, inst)
}

// modifyDynamicConfigs sets the dynamic parameters live on the brokers
// (IncrementalAlterConfigs on the cluster-wide broker resource), checks that
// Kafka then reports the requested values, and records them on the instance.
// Idempotent: setting the same values again changes nothing.
func modifyDynamicConfigs(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *configModifyParams) error {
	want := p.settingsOf(true)
	if len(want) == 0 {
		return nil
	}
	got, err := d.cluster.AlterBrokerConfigs(ctx, inst, want)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			return fmt.Errorf("kafka reports %s=%q after setting %q", k, got[k], want[k])
		}
	}
	return saveBrokerConfigs(ctx, d, inst, want)
}

// saveStaticConfigs records the static parameters on the instance; they take
// effect at the brokers' next start (restartInstance), which passes them to
// Kafka. Idempotent.
func saveStaticConfigs(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *configModifyParams) error {
	want := p.settingsOf(false)
	if len(want) == 0 {
		return nil
	}
	return saveBrokerConfigs(ctx, d, inst, want)
}

// retentionPolicyParams are the params of changeRetentionPolicy.
type retentionPolicyParams struct {
	New    string `json:"new_retention_policy"`
	Origin string `json:"origin_retention_policy"`
}

// modifyRetentionPolicy records the new policy on the instance. The embedded
// brokers have no disk limit, so neither policy changes what they do.
// Idempotent.
func modifyRetentionPolicy(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *retentionPolicyParams) error {
	if inst.RetentionPolicy == p.New {
		return nil
	}
	inst.RetentionPolicy = p.New
	return d.store.UpdateInstance(ctx, inst)
}
