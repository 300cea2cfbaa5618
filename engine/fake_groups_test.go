package engine_test

import (
	"context"

	"github.com/dmsd/dmsd"
)

// The consumer group part of dmsd.Cluster for gatedClusters: it knows no
// groups.

func (g *gatedClusters) Groups(_ context.Context, _ *dmsd.Instance, names ...string) ([]*dmsd.Group, error) {
	out := make([]*dmsd.Group, 0, len(names))
	for _, n := range names {
		out = append(out, &dmsd.Group{Name: n, State: dmsd.GroupDead, Coordinator: -1})
	}
	return out, nil
}

func (g *gatedClusters) DeleteGroups(_ context.Context, _ *dmsd.Instance, names []string) (map[string]error, error) {
	out := map[string]error{}
	for _, n := range names {
		out[n] = dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group %s does not exist.", n)
	}
	return out, nil
}

func (g *gatedClusters) DeleteGroupOffsets(context.Context, *dmsd.Instance, string, []string) (map[string]error, error) {
	return nil, dmsd.Errorf(dmsd.EGROUPNOTFOUND, "No consumer group.")
}
