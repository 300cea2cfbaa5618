package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/dmsd/dmsd"
)

// Task kinds of Kafka client quotas: a topic's (kafkaTopicQuota) and a user's
// or client's (kafkaUserClientQuota), each created, modified or deleted as
// its params say. Neither changes the instance's status: a refused quota
// leaves a working cluster.
var (
	kafkaTopicQuota = &Kind[quotaParams]{
		Name:  "kafkaTopicQuota",
		From:  running,
		Waits: true,
		Steps: []Step[quotaParams]{{"ALTER_CLIENT_QUOTAS", alterClientQuota}, {"CHECK_CLIENT_QUOTAS", checkClientQuota}},
	}
	kafkaUserClientQuota = &Kind[quotaParams]{
		Name:  "kafkaUserClientQuota",
		From:  running,
		Waits: true,
		Steps: []Step[quotaParams]{{"ALTER_CLIENT_QUOTAS", alterClientQuota}, {"CHECK_CLIENT_QUOTAS", checkClientQuota}},
	}
)

// quotaParams are the params of the quota kinds: the change and the quota
// as the request gave it.
type quotaParams struct {
	Action dmsd.QuotaChange `json:"action"`
	dmsd.ClientQuota
}

// alterClientQuota sets the quota's rates on the cluster, or removes them.
// Idempotent: Kafka's AlterClientQuotas sets absolute values.
func alterClientQuota(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *quotaParams) error {
	return d.cluster.AlterClientQuota(ctx, inst, p.ClientQuota, p.Action == dmsd.QuotaDelete)
}

// checkClientQuota reads the cluster's quotas back (DescribeClientQuotas)
// and fails unless the entity has the rates asked for, or none after a
// deletion.
func checkClientQuota(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *quotaParams) error {
	held, err := d.cluster.DescribeClientQuotas(ctx, inst)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(held, p.SameEntity)
	switch {
	case p.Action == dmsd.QuotaDelete && i >= 0:
		return fmt.Errorf("kafka still reports the quota of %+v after its removal", p.ClientQuota)
	case p.Action == dmsd.QuotaDelete:
		return nil
	case i < 0:
		return fmt.Errorf("kafka reports no quota of %+v after setting it", p.ClientQuota)
	case held[i].ProducerByteRate != p.ProducerByteRate || held[i].ConsumerByteRate != p.ConsumerByteRate:
		return fmt.Errorf("kafka reports rates %d/%d after setting %d/%d", held[i].ProducerByteRate, held[i].ConsumerByteRate, p.ProducerByteRate, p.ConsumerByteRate)
	}
	return nil
}

var _ dmsd.QuotaService = (*Engine)(nil)

// ChangeClientQuota validates q, checks it against the quotas the cluster
// holds now, and starts kafkaTopicQuota (q names a topic) or
// kafkaUserClientQuota on a RUNNING instance. It returns EINVALID or
// ETOPICNAME for a bad entity or rates, EQUOTAEXISTS for creating a quota
// that exists, EQUOTANOTFOUND for changing one that does not, the store's
// EINSTANCENOTFOUND, EINSTANCESTATUS, and the store's errors.
func (e *Engine) ChangeClientQuota(ctx context.Context, actor dmsd.Actor, instanceID string, change dmsd.QuotaChange, q dmsd.ClientQuota) (*dmsd.Task, error) {
	if err := q.ValidateEntity(); err != nil {
		return nil, err
	}
	if change == dmsd.QuotaDelete {
		q.ProducerByteRate, q.ConsumerByteRate = 0, 0
	} else if err := q.ValidateRates(); err != nil {
		return nil, err
	}
	held, err := e.ClientQuotas(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	if err := dmsd.CheckQuotaChange(change, q, held); err != nil {
		return nil, err
	}
	k := kafkaUserClientQuota
	if q.Topic != "" {
		k = kafkaTopicQuota
	}
	return submit(ctx, e, k, actor, instanceID, quotaParams{Action: change, ClientQuota: q})
}

// ClientQuotas returns the client quotas of a RUNNING instance's cluster. It
// returns EINSTANCESTATUS if the instance is not RUNNING, the store's
// EINSTANCENOTFOUND, and the cluster's errors.
func (e *Engine) ClientQuotas(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.ClientQuota, error) {
	inst, err := e.store.FindInstance(ctx, actor.ProjectID, instanceID)
	if err != nil {
		return nil, err
	}
	if inst.Status != dmsd.InstanceRunning {
		return nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The instance is %s; quotas can be managed only while it is RUNNING.", inst.Status)
	}
	c, err := e.clusters.For(inst)
	if err != nil {
		return nil, err
	}
	return c.DescribeClientQuotas(ctx, inst)
}

// ProjectQuota returns the quota every project has (zero limits when dmsd
// runs without one) and the actor's project's usage. It returns the store's
// errors.
func (e *Engine) ProjectQuota(ctx context.Context, actor dmsd.Actor) (dmsd.Quota, dmsd.Usage, error) {
	u, err := e.store.ProjectUsage(ctx, actor.ProjectID)
	if err != nil {
		return dmsd.Quota{}, dmsd.Usage{}, err
	}
	var q dmsd.Quota
	if e.quota != nil {
		q = *e.quota
	}
	return q, u, nil
}
