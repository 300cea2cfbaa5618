package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/dmsd/dmsd"
)

func init() {
	kinds["kafkaConfigModify"] = kind{
		steps: []step{modifyDynamicConfigs, saveStaticConfigs},
		// The instance keeps its status: a refused parameter leaves the
		// brokers as they were.
	}
	kinds["changeRetentionPolicy"] = kind{
		steps: []step{modifyRetentionPolicy},
	}
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
func saveBrokerConfigs(ctx context.Context, e *Engine, inst *dmsd.Instance, settings map[string]string) error {
	merged := maps.Clone(inst.BrokerConfigs)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, settings)
	if maps.Equal(merged, inst.BrokerConfigs) {
		return nil
	}
	inst.BrokerConfigs = merged
	return e.store.UpdateInstance(ctx, inst)
}

// modifyDynamicConfigs sets the dynamic parameters live on the brokers
// (IncrementalAlterConfigs on the cluster-wide broker resource), checks that
// Kafka then reports the requested values, and records them on the instance.
// Idempotent: setting the same values again changes nothing.
var modifyDynamicConfigs = step{"MODIFY_DYNAMIC_CONFIGS", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	var p configModifyParams
	if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
		return err
	}
	want := p.settingsOf(true)
	if len(want) == 0 {
		return nil
	}
	got, err := e.clusters.AlterBrokerConfigs(ctx, inst, want)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			return fmt.Errorf("kafka reports %s=%q after setting %q", k, got[k], want[k])
		}
	}
	return saveBrokerConfigs(ctx, e, inst, want)
}}

// saveStaticConfigs records the static parameters on the instance; they take
// effect at the brokers' next start (restartInstance), which passes them to
// Kafka. Idempotent.
var saveStaticConfigs = step{"SAVE_STATIC_CONFIGS", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	var p configModifyParams
	if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
		return err
	}
	want := p.settingsOf(false)
	if len(want) == 0 {
		return nil
	}
	return saveBrokerConfigs(ctx, e, inst, want)
}}

// retentionPolicyParams are the params of changeRetentionPolicy.
type retentionPolicyParams struct {
	New    string `json:"new_retention_policy"`
	Origin string `json:"origin_retention_policy"`
}

// modifyRetentionPolicy records the new policy on the instance. The embedded
// brokers have no disk limit, so neither policy changes what they do.
// Idempotent.
var modifyRetentionPolicy = step{"MODIFY_RETENTION_POLICY", func(ctx context.Context, e *Engine, t *dmsd.Task, inst *dmsd.Instance) error {
	var p retentionPolicyParams
	if err := json.Unmarshal([]byte(t.Params), &p); err != nil {
		return err
	}
	if inst.RetentionPolicy == p.New {
		return nil
	}
	inst.RetentionPolicy = p.New
	return e.store.UpdateInstance(ctx, inst)
}}
