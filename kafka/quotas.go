package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/dmsd/dmsd"
)

// Kafka's client quota keys and entity types (KIP-546). A topic quota uses
// the entity type "topic", which Apache Kafka's brokers do not know (they
// refuse it); kfake stores any entity type.
const (
	producerRateKey = "producer_byte_rate"
	consumerRateKey = "consumer_byte_rate"
	entityUser      = "user"
	entityClient    = "client-id"
	entityTopic     = "topic"
)

// quotaEntity returns the Kafka entity of q: a nil name is the default.
func quotaEntity(q dmsd.ClientQuota) kadm.ClientQuotaEntity {
	name := func(s string, def bool) *string {
		if def {
			return nil
		}
		return &s
	}
	var ent kadm.ClientQuotaEntity
	if q.Topic != "" {
		return append(ent, kadm.ClientQuotaEntityComponent{Type: entityTopic, Name: &q.Topic})
	}
	if q.User != "" || q.UserDefault {
		ent = append(ent, kadm.ClientQuotaEntityComponent{Type: entityUser, Name: name(q.User, q.UserDefault)})
	}
	if q.Client != "" || q.ClientDefault {
		ent = append(ent, kadm.ClientQuotaEntityComponent{Type: entityClient, Name: name(q.Client, q.ClientDefault)})
	}
	return ent
}

// DescribeClientQuotas returns every client quota of the cluster, by
// topic, user and client. It returns EINSTANCESTATUS if the embedded
// cluster does not run.
func (e *kadmin) DescribeClientQuotas(ctx context.Context, inst *dmsd.Instance) ([]dmsd.ClientQuota, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	described, err := adm.DescribeClientQuotas(ctx, false, nil)
	if err != nil {
		return nil, fmt.Errorf("describe client quotas of %s: %w", inst.ID, err)
	}
	out := make([]dmsd.ClientQuota, 0, len(described))
	for _, d := range described {
		var q dmsd.ClientQuota
		for _, c := range d.Entity {
			v, def := "", c.Name == nil
			if !def {
				v = *c.Name
			}
			switch c.Type {
			case entityTopic:
				q.Topic = v
			case entityUser:
				q.User, q.UserDefault = v, def
			case entityClient:
				q.Client, q.ClientDefault = v, def
			}
		}
		for _, v := range d.Values {
			switch v.Key {
			case producerRateKey:
				q.ProducerByteRate = int64(v.Value)
			case consumerRateKey:
				q.ConsumerByteRate = int64(v.Value)
			}
		}
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b dmsd.ClientQuota) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.User, b.User), cmp.Compare(a.Client, b.Client))
	})
	return out, nil
}

// AlterClientQuota sets q's byte rates on its entity, removing a rate that
// is 0, or removes both rates when remove is set. Setting what is set, or
// removing what is absent, changes nothing. It returns EINSTANCESTATUS if the
// embedded cluster does not run and Kafka's refusal of the entity.
func (e *kadmin) AlterClientQuota(ctx context.Context, inst *dmsd.Instance, q dmsd.ClientQuota, remove bool) error {
	adm, done, err := e.admin(inst)
	if err != nil {
		return err
	}
	defer done()
	op := func(key string, rate int64) kadm.AlterClientQuotaOp {
		return kadm.AlterClientQuotaOp{Key: key, Value: float64(rate), Remove: remove || rate == 0}
	}
	entry := kadm.AlterClientQuotaEntry{
		Entity: quotaEntity(q),
		Ops:    []kadm.AlterClientQuotaOp{op(producerRateKey, q.ProducerByteRate), op(consumerRateKey, q.ConsumerByteRate)},
	}
	res, err := adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{entry})
	if err != nil {
		return fmt.Errorf("alter client quota of %s: %w", inst.ID, err)
	}
	var errs []error
	for _, r := range res {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("alter client quota %s of %s: %w %s", r.Entity, inst.ID, r.Err, r.ErrMessage))
		}
	}
	return errors.Join(errs...)
}
