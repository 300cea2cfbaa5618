package dmsd

import (
	"context"
	"regexp"
	"time"
)

// GroupState values as Kafka reports them. GroupDead is also the state of a
// group the cluster does not know at all: Kafka describes such a group as
// Dead, with neither members nor offsets.
const (
	GroupEmpty  = "Empty"
	GroupStable = "Stable"
	GroupDead   = "Dead"
)

// Group is a consumer group as its cluster reports it at the moment of the
// request: its coordinator's state, its members and, per partition it has an
// offset or an assignment on, its committed offset and lag.
type Group struct {
	Name  string
	State string
	// Coordinator is the broker id of the group's coordinator, -1 if the
	// cluster named none.
	Coordinator int32
	// Protocol is the partition assignment strategy of a group with
	// members (range, cooperative-sticky...), empty otherwise.
	Protocol string
	Members  []GroupMember
	// Offsets are sorted by topic, then partition.
	Offsets []GroupOffset
}

// Lag returns the sum of the lag of the group's partitions whose lag is
// known.
func (g *Group) Lag() int64 {
	var n int64
	for _, o := range g.Offsets {
		if o.Lag > 0 {
			n += o.Lag
		}
	}
	return n
}

// Known reports whether the cluster knows the group: it has members or
// committed offsets.
func (g *Group) Known() bool { return (g.State != GroupDead && g.State != "") || len(g.Offsets) > 0 }

// GroupMember is a member of a consumer group and what it was assigned.
type GroupMember struct {
	ID       string
	ClientID string
	Host     string
	// Assigned are the partitions assigned to the member, by topic.
	Assigned map[string][]int32
}

// GroupOffset is a group's progress on one partition.
type GroupOffset struct {
	Topic     string
	Partition int32
	// Committed is the group's committed offset, -1 if it committed none.
	Committed int64
	// Start and End are the partition's log start and end offsets.
	Start, End int64
	// Lag is what kadm computes for the partition: End minus Committed
	// (minus Start when nothing is committed), -1 when unknown.
	Lag int64
	// MemberID, ClientID and Host are those of the member the partition is
	// assigned to, empty when none is.
	MemberID, ClientID, Host string
}

// GroupNote is what dmsd keeps about a consumer group that Kafka does not:
// the description and the creation time of a group created or described
// through the API. It lives in the instance record.
type GroupNote struct {
	Description string
	CreatedAt   time.Time
}

// MaxGroupDescription is the most characters a group description may have.
const MaxGroupDescription = 200

var groupNamePattern = regexp.MustCompile(`^[a-zA-Z0-9._-]{3,64}$`)

// ValidateGroupName returns EGROUPNAME unless name is 3 to 64 letters,
// digits, dots, underscores and hyphens, the names a group created through
// the API may have.
func ValidateGroupName(name string) error {
	if !groupNamePattern.MatchString(name) {
		return Errorf(EGROUPNAME, "The group ID format is invalid: a group name is 3 to 64 letters, digits, '.', '_' and '-'.")
	}
	return nil
}

// GroupAdmin reads and removes consumer groups on a running cluster. Admin
// includes it.
type GroupAdmin interface {
	// Groups returns the groups named, in that order, or every group the
	// cluster lists (sorted by name) when names is empty, each with its
	// members and its offsets and lag as kadm's Lag computes them in one
	// go. A group the cluster does not know is returned Dead and empty.
	Groups(ctx context.Context, inst *Instance, names ...string) ([]*Group, error)
	// DeleteGroups deletes groups and returns, per name, nil or why Kafka
	// did not delete it: EGROUPACTIVE for a group with members,
	// EGROUPNOTFOUND for one it does not know.
	DeleteGroups(ctx context.Context, inst *Instance, names []string) (map[string]error, error)
	// DeleteGroupOffsets deletes the group's committed offsets on the
	// topics and returns, per topic, nil or why Kafka refused (EGROUPACTIVE
	// while members consume it).
	DeleteGroupOffsets(ctx context.Context, inst *Instance, group string, topics []string) (map[string]error, error)
}

// GroupService runs the consumer group operations of the API on a RUNNING
// instance (offset resets start tasks: InstanceService).
type GroupService interface {
	// Groups returns the groups of the instance's cluster, together with
	// those created through the API that Kafka does not know yet, and the
	// instance, whose GroupNotes hold their descriptions.
	Groups(ctx context.Context, actor Actor, instanceID string) ([]*Group, *Instance, error)
	// Group returns one group and the instance. Returns EGROUPNOTFOUND if
	// neither the cluster nor the instance's notes know it.
	Group(ctx context.Context, actor Actor, instanceID, name string) (*Group, *Instance, error)
	// CreateGroup records a group and its description. Kafka has no
	// group creation: the group shows as Dead until a consumer joins it or
	// commits. Returns EGROUPNAME, EINVALIDDESC, and EGROUPEXISTS if the
	// cluster or the notes know the group.
	CreateGroup(ctx context.Context, actor Actor, instanceID, name, description string) error
	// DescribeGroups sets the descriptions of groups, by name, checking
	// every one before changing any. Returns EINVALIDDESC and
	// EGROUPNOTFOUND.
	DescribeGroups(ctx context.Context, actor Actor, instanceID string, descriptions map[string]string) error
	// DeleteGroups deletes groups and their notes and returns, per name,
	// nil or why it was not deleted (EGROUPACTIVE, EGROUPNOTFOUND).
	DeleteGroups(ctx context.Context, actor Actor, instanceID string, names []string) (map[string]error, error)
	// DeleteGroupOffsets deletes a group's committed offsets on topics and
	// returns, per topic, nil or Kafka's refusal. Returns EGROUPNOTFOUND,
	// and ENOTOPIC, changing nothing, if the group has no offsets on one of
	// the topics.
	DeleteGroupOffsets(ctx context.Context, actor Actor, instanceID, group string, topics []string) (map[string]error, error)
}
