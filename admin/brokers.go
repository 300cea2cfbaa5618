package admin

import (
	"context"

	"github.com/dmsd/dmsd"
)

// Brokers returns the brokers of a RUNNING instance's cluster, as Kafka's
// metadata reports them, and the instance. It returns EINSTANCENOTFOUND,
// EINSTANCESTATUS and the cluster's errors.
func (s *Service) Brokers(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.Broker, *dmsd.Instance, error) {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, nil, err
	}
	brokers, err := c.ListBrokers(ctx, inst)
	return brokers, inst, err
}
