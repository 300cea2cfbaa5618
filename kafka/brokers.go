package kafka

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/dmsd/dmsd"
)

var (
	_ dmsd.BrokerLister = (*Embedded)(nil)
	_ dmsd.BrokerLister = (*Router)(nil)
)

// ListBrokers returns the brokers the cluster's metadata lists, by id. It
// returns EINSTANCESTATUS if the embedded cluster does not run.
func (e *Embedded) ListBrokers(ctx context.Context, inst *dmsd.Instance) ([]dmsd.Broker, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	md, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("broker metadata of %s: %w", inst.ID, err)
	}
	out := make([]dmsd.Broker, 0, len(md.Brokers))
	for _, b := range md.Brokers {
		out = append(out, dmsd.Broker{ID: b.NodeID, Host: b.Host, Port: int(b.Port)})
	}
	slices.SortFunc(out, func(a, b dmsd.Broker) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ListBrokers returns the brokers of the instance's cluster, embedded or
// external.
func (r *Router) ListBrokers(ctx context.Context, inst *dmsd.Instance) ([]dmsd.Broker, error) {
	l, ok := r.pick(inst).(dmsd.BrokerLister)
	if !ok {
		return nil, fmt.Errorf("list brokers of %s: not supported by its cluster service", inst.ID)
	}
	return l.ListBrokers(ctx, inst)
}
