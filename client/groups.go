package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Group is a consumer group as the API lists it: Kafka's state and the
// group's total lag at the moment of the request.
type Group struct {
	Name        string `json:"group_id"`
	State       string `json:"state"`
	Coordinator int32  `json:"coordinator_id"`
	Description string `json:"group_desc"`
	Lag         int64  `json:"lag"`
	// CreatedAt is the Unix time in milliseconds a group created through
	// the API was created, 0 for the others.
	CreatedAt int64 `json:"createdAt"`
}

// GroupPage is a page of an instance's consumer groups, sorted by name.
type GroupPage struct {
	// Total is how many groups match, in all pages.
	Total  int     `json:"total"`
	Groups []Group `json:"groups"`
}

// GroupListOptions select a page of groups: Filter keeps the names that
// contain it; Limit is 1 to 50 (0 means the server's default, 10).
type GroupListOptions struct {
	Offset, Limit int
	Filter        string
}

// GroupMember is a member of a group and the partitions assigned to it.
type GroupMember struct {
	Host       string `json:"host"`
	MemberID   string `json:"member_id"`
	ClientID   string `json:"client_id"`
	Assignment []struct {
		Topic      string  `json:"topic"`
		Partitions []int32 `json:"partitions"`
	} `json:"assignment"`
}

// GroupOffset is a group's progress on one partition.
type GroupOffset struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Committed is the committed offset, -1 if none.
	Committed int64 `json:"message_current_offset"`
	End       int64 `json:"message_log_end_offset"`
	Lag       int64 `json:"lag"`
}

// GroupDetail is one group with its members and its offsets per partition.
type GroupDetail struct {
	Name               string        `json:"group_id"`
	State              string        `json:"state"`
	Coordinator        int32         `json:"coordinator_id"`
	AssignmentStrategy string        `json:"assignment_strategy"`
	Members            []GroupMember `json:"members"`
	Offsets            []GroupOffset `json:"group_message_offsets"`
}

// OffsetReset says where ResetGroupOffsets moves a group: to MessageOffset
// or to the first offset at or after Timestamp (Unix milliseconds), on
// Topic (every topic if empty) and Partition (-1 for all).
type OffsetReset struct {
	Topic         string `json:"topic,omitempty"`
	Partition     int32  `json:"partition"`
	MessageOffset *int64 `json:"message_offset,omitempty"`
	Timestamp     *int64 `json:"timestamp,omitempty"`
}

func (c *Client) groupsPath(instanceID string, rest ...string) string {
	return c.projectPath(append([]string{"instances", instanceID}, rest...)...)
}

// ListGroups returns a page of an instance's consumer groups.
func (c *Client) ListGroups(ctx context.Context, instanceID string, opts GroupListOptions) (GroupPage, error) {
	q := url.Values{}
	if opts.Offset > 0 {
		q.Set("offset", strconv.Itoa(opts.Offset))
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Filter != "" {
		q.Set("group", opts.Filter)
	}
	var out GroupPage
	err := c.do(ctx, http.MethodGet, c.groupsPath(instanceID, "groups"), q, nil, &out)
	return out, err
}

// ShowGroup returns one group with its members and offsets.
func (c *Client) ShowGroup(ctx context.Context, instanceID, group string) (GroupDetail, error) {
	var out struct {
		Group GroupDetail `json:"group"`
	}
	err := c.do(ctx, http.MethodGet, c.groupsPath(instanceID, "management", "groups", group), nil, nil, &out)
	return out.Group, err
}

// ResetGroupOffsets starts the kafkaResetConsumerOffset task that moves
// the group's committed offsets; LatestTask then returns it.
func (c *Client) ResetGroupOffsets(ctx context.Context, instanceID, group string, r OffsetReset) error {
	return c.do(ctx, http.MethodPost, c.groupsPath(instanceID, "management", "groups", group, "reset-message-offset"), nil, r, nil)
}

// DeleteGroup deletes a consumer group that has no members.
func (c *Client) DeleteGroup(ctx context.Context, instanceID, group string) error {
	return c.do(ctx, http.MethodDelete, c.groupsPath(instanceID, "groups", group), nil, nil, nil)
}
