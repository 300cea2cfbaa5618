package engine_test

import (
	"context"
	"errors"
	"slices"

	"github.com/dmsd/dmsd"
)

// The rest of dmsd.Cluster for gatedClusters: it serves every instance as an
// embedded cluster that can make every change, and moves no partitions.

func (g *gatedClusters) For(*dmsd.Instance) (dmsd.Cluster, error) { return g, nil }

func (g *gatedClusters) Admit(_ context.Context, _ *dmsd.Instance, validate func() error) error {
	return validate()
}

func (g *gatedClusters) Allows(dmsd.Change) error { return nil }

func (g *gatedClusters) SASLUsers(inst *dmsd.Instance) error {
	if !inst.SASLEnabled() {
		return dmsd.Errorf(dmsd.ESASLDISABLED, "SASL is not enabled for this instance.")
	}
	return nil
}

func (g *gatedClusters) ScramLogin(inst *dmsd.Instance) error {
	if !slices.Contains(inst.SASLMechanisms, dmsd.MechanismScramSHA512) {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: no SCRAM-SHA-512.")
	}
	return nil
}

func (g *gatedClusters) ListBrokers(context.Context, *dmsd.Instance) ([]dmsd.Broker, error) {
	return []dmsd.Broker{{ID: 0, Host: "127.0.0.1", Port: 19092}}, nil
}

func (g *gatedClusters) SetUserDescription(context.Context, *dmsd.Instance, string, string) error {
	return nil
}

var errNoPartitions = errors.New("the fake clusters move no partitions")

func (g *gatedClusters) ClusterMetadata(context.Context, *dmsd.Instance) (*dmsd.ClusterMetadata, error) {
	return nil, errNoPartitions
}

func (g *gatedClusters) SetReplicationThrottle(context.Context, *dmsd.Instance, []string, int64) error {
	return errNoPartitions
}

func (g *gatedClusters) AlterPartitionAssignments(context.Context, *dmsd.Instance, dmsd.PartitionPlan) error {
	return errNoPartitions
}

func (g *gatedClusters) OngoingReassignments(context.Context, *dmsd.Instance, []string) (int, error) {
	return 0, errNoPartitions
}

func (g *gatedClusters) PartitionSizes(context.Context, *dmsd.Instance, []string) (map[string]map[int32]int64, error) {
	return nil, errNoPartitions
}
