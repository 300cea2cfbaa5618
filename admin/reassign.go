package admin

import (
	"context"
	"maps"
	"slices"

	"github.com/dmsd/dmsd"
)

// EstimateReassignment checks the plan against the RUNNING instance's
// metadata as the engine's Reassign does and returns the seconds it is
// expected to take, from the sizes of the partitions it adds replicas to and
// the throttle. No task starts.
func (s *Service) EstimateReassignment(ctx context.Context, actor dmsd.Actor, instanceID string, req *dmsd.ReassignRequest) (int, error) {
	if req.Throttle < 0 {
		return 0, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: throttle must be a positive number of bytes per second.")
	}
	inst, c, err := s.TopicInstance(ctx, actor, instanceID)
	if err != nil {
		return 0, err
	}
	md, err := c.ClusterMetadata(ctx, inst)
	if err != nil {
		return 0, err
	}
	plan, err := md.Plan(req.Reassignments)
	if err != nil {
		return 0, err
	}
	sizes, err := c.PartitionSizes(ctx, inst, slices.Sorted(maps.Keys(plan)))
	if err != nil {
		return 0, err
	}
	return md.EstimateSeconds(plan, sizes, req.Throttle), nil
}
