package admin

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dmsd/dmsd"
)

var _ dmsd.GroupService = (*Service)(nil)

// Groups returns the cluster's groups and, after them in name order, those
// only the instance's notes know (created through the API, not yet used).
func (s *Service) Groups(ctx context.Context, actor dmsd.Actor, instanceID string) ([]*dmsd.Group, *dmsd.Instance, error) {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, nil, err
	}
	groups, err := c.Groups(ctx, inst)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(inst.GroupNotes)) {
		if !slices.ContainsFunc(groups, func(g *dmsd.Group) bool { return g.Name == name }) {
			groups = append(groups, &dmsd.Group{Name: name, State: dmsd.GroupDead, Coordinator: -1})
		}
	}
	slices.SortFunc(groups, func(a, b *dmsd.Group) int { return strings.Compare(a.Name, b.Name) })
	return groups, inst, nil
}

// Group returns one group as the cluster reports it, or EGROUPNOTFOUND if
// neither the cluster nor the notes know it.
func (s *Service) Group(ctx context.Context, actor dmsd.Actor, instanceID, name string) (*dmsd.Group, *dmsd.Instance, error) {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.group(ctx, c, inst, name)
	return g, inst, err
}

func (s *Service) group(ctx context.Context, c dmsd.Cluster, inst *dmsd.Instance, name string) (*dmsd.Group, error) {
	if name == "" {
		return nil, dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group ID is empty.")
	}
	groups, err := c.Groups(ctx, inst, name)
	if err != nil {
		return nil, err
	}
	g := groups[0]
	if _, noted := inst.GroupNotes[name]; !g.Known() && !noted {
		return nil, dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group %s does not exist.", name)
	}
	return g, nil
}

// CreateGroup records the group and its description in the instance's
// notes; Kafka itself has no group creation.
func (s *Service) CreateGroup(ctx context.Context, actor dmsd.Actor, instanceID, name, description string) error {
	if err := dmsd.ValidateGroupName(name); err != nil {
		return err
	}
	if err := validateGroupDescription(description); err != nil {
		return err
	}
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return err
	}
	groups, err := c.Groups(ctx, inst, name)
	if err != nil {
		return err
	}
	if _, noted := inst.GroupNotes[name]; noted || groups[0].Known() {
		return dmsd.Errorf(dmsd.EGROUPEXISTS, "The consumer group %s already exists.", name)
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	return s.updateGroupNotes(ctx, inst, func(notes map[string]dmsd.GroupNote) {
		notes[name] = dmsd.GroupNote{Description: description, CreatedAt: time.Now().UTC()}
	})
}

func validateGroupDescription(d string) error {
	if utf8.RuneCountInString(d) > dmsd.MaxGroupDescription {
		return dmsd.Errorf(dmsd.EINVALIDDESC, "Invalid request parameter: group_desc can contain a maximum of %d characters.", dmsd.MaxGroupDescription)
	}
	return nil
}

// DescribeGroups checks every group and description, then sets them in
// one save of the notes.
func (s *Service) DescribeGroups(ctx context.Context, actor dmsd.Actor, instanceID string, descriptions map[string]string) error {
	if len(descriptions) == 0 {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: no group is given.")
	}
	for _, d := range descriptions {
		if err := validateGroupDescription(d); err != nil {
			return err
		}
	}
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(descriptions))
	groups, err := c.Groups(ctx, inst, names...)
	if err != nil {
		return err
	}
	for i, g := range groups {
		if _, noted := inst.GroupNotes[names[i]]; !noted && !g.Known() {
			return dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group %s does not exist.", names[i])
		}
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return err
	}
	return s.updateGroupNotes(ctx, inst, func(notes map[string]dmsd.GroupNote) {
		for name, d := range descriptions {
			n := notes[name]
			n.Description = d
			notes[name] = n
		}
	})
}

// DeleteGroups deletes the groups on the cluster and drops their notes. A
// group only the notes know is deleted by dropping its note.
func (s *Service) DeleteGroups(ctx context.Context, actor dmsd.Actor, instanceID string, names []string) (map[string]error, error) {
	if len(names) == 0 {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: group_ids is empty.")
	}
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	if err := answerReplay(ctx, func() error { return s.refuseDeletes(ctx, c, inst, names) }); err != nil {
		return nil, err
	}
	res, err := c.DeleteGroups(ctx, inst, names)
	if err != nil {
		return nil, err
	}
	var gone []string
	for _, n := range names {
		if _, noted := inst.GroupNotes[n]; noted && dmsd.ErrorCode(res[n]) == dmsd.EGROUPNOTFOUND {
			res[n] = nil
		}
		if res[n] == nil {
			gone = append(gone, n)
		}
	}
	if len(gone) > 0 {
		err = s.updateGroupNotes(ctx, inst, func(notes map[string]dmsd.GroupNote) {
			for _, n := range gone {
				delete(notes, n)
			}
		})
	}
	return res, err
}

// refuseDeletes returns nil if deleting the groups would delete one of
// them, and otherwise why none would be: the first group's refusal.
func (s *Service) refuseDeletes(ctx context.Context, c dmsd.Cluster, inst *dmsd.Instance, names []string) error {
	groups, err := c.Groups(ctx, inst, names...)
	if err != nil {
		return err
	}
	for i, g := range groups {
		if _, noted := inst.GroupNotes[names[i]]; noted || (g.Known() && len(g.Members) == 0) {
			return nil
		}
	}
	if g := groups[0]; g.Known() {
		return dmsd.Errorf(dmsd.EGROUPACTIVE, "The consumer group %s has members; stop its consumers first.", g.Name)
	}
	return dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group %s does not exist.", names[0])
}

// DeleteGroupOffsets checks that the group has offsets on every topic, then
// deletes them.
func (s *Service) DeleteGroupOffsets(ctx context.Context, actor dmsd.Actor, instanceID, group string, topics []string) (map[string]error, error) {
	if len(topics) == 0 {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topics is empty.")
	}
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, false)
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, c, inst, group)
	if err != nil {
		return nil, err
	}
	topics = slices.Compact(slices.Sorted(slices.Values(topics)))
	for _, t := range topics {
		if !slices.ContainsFunc(g.Offsets, func(o dmsd.GroupOffset) bool { return o.Topic == t && o.Committed >= 0 }) {
			return nil, dmsd.Errorf(dmsd.ENOTOPIC, "The consumer group %s has no committed offsets on topic %s.", group, t)
		}
	}
	if err := dmsd.CheckNotReplayed(ctx); err != nil {
		return nil, err
	}
	return c.DeleteGroupOffsets(ctx, inst, group, topics)
}

// updateGroupNotes applies change to the instance's group notes and saves
// them, and nothing else of the record, so that what a task saved meanwhile
// is kept.
func (s *Service) updateGroupNotes(ctx context.Context, inst *dmsd.Instance, change func(map[string]dmsd.GroupNote)) error {
	return s.store.ModifyInstance(ctx, inst.ProjectID, inst.ID, func(fresh *dmsd.Instance) error {
		notes := maps.Clone(fresh.GroupNotes)
		if notes == nil {
			notes = map[string]dmsd.GroupNote{}
		}
		change(notes)
		if maps.Equal(notes, fresh.GroupNotes) {
			return dmsd.ErrUnchanged
		}
		if len(notes) == 0 {
			notes = nil
		}
		fresh.GroupNotes = notes
		return nil
	})
}
