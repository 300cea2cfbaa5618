package kafka

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/dmsd/dmsd"
)

// ListBrokers returns the brokers the cluster's metadata lists, by id. It
// returns EINSTANCESTATUS if the embedded cluster does not run.
func (e *kadmin) ListBrokers(ctx context.Context, inst *dmsd.Instance) ([]dmsd.Broker, error) {
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
