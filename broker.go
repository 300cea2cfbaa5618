package dmsd

import "context"

// Broker is one broker of a running cluster, as the cluster's metadata
// reports it.
type Broker struct {
	ID   int32
	Host string
	Port int
}

// BrokerLister reports the brokers of a running cluster. Admin includes it.
type BrokerLister interface {
	// ListBrokers returns the brokers that the cluster's metadata lists,
	// by id. Returns EINSTANCESTATUS if the cluster does not run.
	ListBrokers(ctx context.Context, inst *Instance) ([]Broker, error)
}

// BrokerService answers the API's questions about an instance's brokers.
type BrokerService interface {
	// Brokers returns the brokers of a RUNNING instance's cluster and the
	// instance. Returns EINSTANCENOTFOUND and EINSTANCESTATUS.
	Brokers(ctx context.Context, actor Actor, instanceID string) ([]Broker, *Instance, error)
}
