package admin

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

var _ dmsd.TagService = (*Service)(nil)

// ChangeTags applies dmsd.ChangeTags to the instance record's tags at once,
// whatever the instance's status: tags are dmsd's, not the cluster's. A
// replayed request that changes nothing answers as the first did. It
// returns dmsd.ChangeTags's errors, the store's EINSTANCENOTFOUND and
// EREPLAYED.
func (s *Service) ChangeTags(ctx context.Context, actor dmsd.Actor, instanceID, action string, tags []dmsd.Tag) error {
	return s.store.ModifyInstance(ctx, actor.ProjectID, instanceID, func(inst *dmsd.Instance) error {
		next, err := dmsd.ChangeTags(inst.Tags, action, tags)
		if err != nil {
			return err
		}
		if slices.Equal(next, inst.Tags) {
			return dmsd.ErrUnchanged
		}
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		inst.Tags = next
		return nil
	})
}

// ProjectTags returns the tags of the project's instances. It returns the
// store's errors.
func (s *Service) ProjectTags(ctx context.Context, actor dmsd.Actor) ([]dmsd.TagValues, error) {
	insts, err := s.store.ListInstances(ctx, actor.ProjectID)
	if err != nil {
		return nil, err
	}
	return dmsd.ProjectTags(insts), nil
}
