package engine_test

import (
	"context"

	"github.com/dmsd/dmsd"
)

// gatedClusters holds no client quotas.

func (g *gatedClusters) DescribeClientQuotas(context.Context, *dmsd.Instance) ([]dmsd.ClientQuota, error) {
	return nil, nil
}

func (g *gatedClusters) AlterClientQuota(context.Context, *dmsd.Instance, dmsd.ClientQuota, bool) error {
	return nil
}
