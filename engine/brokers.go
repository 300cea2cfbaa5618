package engine

import (
	"context"
	"errors"

	"github.com/dmsd/dmsd"
)

var _ dmsd.BrokerService = (*Engine)(nil)

// Brokers returns the brokers of a RUNNING instance's cluster, as Kafka's
// metadata reports them, and the instance.
func (e *Engine) Brokers(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.Broker, *dmsd.Instance, error) {
	inst, err := e.runningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, nil, err
	}
	l, ok := e.clusters.(dmsd.BrokerLister)
	if !ok {
		return nil, nil, errors.New("the cluster service does not list brokers")
	}
	brokers, err := l.ListBrokers(ctx, inst)
	return brokers, inst, err
}
