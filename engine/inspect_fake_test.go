package engine_test

import (
	"context"
	"errors"

	"github.com/dmsd/dmsd"
)

// dmsd.Inspector for gatedClusters: no task reads what it reports.

var errNoInspect = errors.New("the fake clusters report nothing")

func (g *gatedClusters) DescribeTopic(context.Context, *dmsd.Instance, string) (*dmsd.TopicDetail, error) {
	return nil, errNoInspect
}

func (g *gatedClusters) DescribeCluster(context.Context, *dmsd.Instance) (*dmsd.ClusterInfo, error) {
	return nil, errNoInspect
}

func (g *gatedClusters) GroupCoordinators(context.Context, *dmsd.Instance) ([]dmsd.Coordinator, error) {
	return nil, errNoInspect
}

func (g *gatedClusters) DiskUsage(context.Context, *dmsd.Instance) ([]dmsd.BrokerDisk, error) {
	return nil, errNoInspect
}

func (g *gatedClusters) TopicProducers(context.Context, *dmsd.Instance, string) ([]dmsd.Producer, error) {
	return nil, errNoInspect
}
