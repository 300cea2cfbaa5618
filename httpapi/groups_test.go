package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// fakeGroups is the dmsd.GroupService of fakes: one group, orders-app,
// with a member and two partitions of orders.
type fakeGroups struct {
	*fakes
}

func fakeGroup() *dmsd.Group {
	return &dmsd.Group{
		Name: "orders-app", State: dmsd.GroupStable, Coordinator: 1, Protocol: "range",
		Members: []dmsd.GroupMember{{ID: "m-1", ClientID: "c-1", Host: "127.0.0.1", Assigned: map[string][]int32{"orders": {0, 1}}}},
		Offsets: []dmsd.GroupOffset{
			{Topic: "orders", Partition: 0, Committed: 5, End: 9, Lag: 4, MemberID: "m-1", ClientID: "c-1", Host: "127.0.0.1"},
			{Topic: "orders", Partition: 1, Committed: -1, End: 3, Lag: 3, MemberID: "m-1", ClientID: "c-1", Host: "127.0.0.1"},
		},
	}
}

func (s fakeGroups) Groups(ctx context.Context, actor dmsd.Actor, instanceID string) ([]*dmsd.Group, *dmsd.Instance, error) {
	return []*dmsd.Group{fakeGroup()}, s.instance, s.record(ctx, "Groups", actor, instanceID)
}

func (s fakeGroups) Group(ctx context.Context, actor dmsd.Actor, instanceID, name string) (*dmsd.Group, *dmsd.Instance, error) {
	return fakeGroup(), s.instance, s.record(ctx, "Group", actor, instanceID, name)
}

func (s fakeGroups) CreateGroup(ctx context.Context, actor dmsd.Actor, instanceID, name, description string) error {
	return s.record(ctx, "CreateGroup", actor, instanceID, name, description)
}

func (s fakeGroups) DescribeGroups(ctx context.Context, actor dmsd.Actor, instanceID string, d map[string]string) error {
	return s.record(ctx, "DescribeGroups", actor, instanceID, d)
}

func (s fakeGroups) DeleteGroups(ctx context.Context, actor dmsd.Actor, instanceID string, names []string) (map[string]error, error) {
	out := map[string]error{}
	for _, n := range names {
		out[n] = nil
	}
	return out, s.record(ctx, "DeleteGroups", actor, instanceID, names)
}

func (s fakeGroups) DeleteGroupOffsets(ctx context.Context, actor dmsd.Actor, instanceID, group string, topics []string) (map[string]error, error) {
	out := map[string]error{}
	for _, t := range topics {
		out[t] = nil
	}
	return out, s.record(ctx, "DeleteGroupOffsets", actor, instanceID, group, topics)
}

// groupRouteCases are the valid requests of the consumer group routes.
func groupRouteCases() []routeCase {
	engineGroup := "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/groups/orders-app"
	withTopics := func(f *fakes) { f.topics = []*dmsd.Topic{{Name: "orders", Partitions: 2}} }
	return []routeCase{
		{
			name: "list groups", method: http.MethodGet, path: instancePath + "/groups", query: map[string]any{"limit": "5", "group": "orders"},
			status: http.StatusOK, calls: []string{"Groups"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListInstanceConsumerGroupsResponse](t, w)
				require.Equal(t, int32(1), *out.Total)
				require.Equal(t, int64(7), *(*out.Groups)[0].Lag)
				require.Contains(t, w.Body.String(), `"createdAt"`)
			},
		},
		{
			name: "show group", method: http.MethodGet, path: instancePath + "/groups/orders-app", status: http.StatusOK, calls: []string{"Group"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowGroupResponse](t, w)
				require.Equal(t, "range", *out.Group.AssignmentStrategy)
			},
		},
		{
			name: "show group, engine path", method: http.MethodGet, path: engineGroup, status: http.StatusOK, calls: []string{"Group"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, "Stable", *decodeAsSDK[model.ListInstanceConsumerGroupResponse](t, w).Group.State)
			},
		},
		{
			name: "group details", method: http.MethodGet, path: instancePath + "/management/groups/orders-app", status: http.StatusOK, calls: []string{"Group"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowGroupsResponse](t, w)
				require.Len(t, *out.Group.GroupMessageOffsets, 2)
				require.Equal(t, []int32{0, 1}, *(*(*out.Group.Members)[0].Assignment)[0].Partitions)
			},
		},
		{
			name: "group members", method: http.MethodGet, path: engineGroup + "/members", query: map[string]any{"host": "127.0.0.1"},
			status: http.StatusOK, calls: []string{"Group"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, "m-1", *(*decodeAsSDK[model.ListInstanceConsumerGroupMembersResponse](t, w).Members)[0].MemberId)
			},
		},
		{
			name: "group message offsets", method: http.MethodGet, path: engineGroup + "/message-offset", query: map[string]any{"topic": "orders", "partition": "1"},
			setup: withTopics, status: http.StatusOK, calls: []string{"Group", "ListTopics"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListInstanceConsumerGroupMessageOffsetResponse](t, w)
				require.Equal(t, "1", *(*out.GroupMessageOffsets)[0].Partition)
				require.Equal(t, "-1", *(*out.GroupMessageOffsets)[0].MessageCurrentOffset)
			},
		},
		{
			name: "group topics", method: http.MethodGet, path: engineGroup + "/topics", query: map[string]any{"sort_key": "lag", "sort_dir": "desc"},
			status: http.StatusOK, calls: []string{"Group"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListInstanceConsumerGroupTopicsResponse](t, w)
				require.Equal(t, int32(7), *(*out.Topics)[0].Lag)
			},
		},
		{
			name: "create group", method: http.MethodPost, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/group",
			body: map[string]any{"group_name": "orders-app", "group_desc": "d"}, status: http.StatusOK, calls: []string{"CreateGroup"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, "success", w.Body.String())
			},
		},
		{
			name: "describe group", method: http.MethodPut, path: engineGroup, body: map[string]any{"group_name": "orders-app", "group_desc": "d"},
			status: http.StatusNoContent, calls: []string{"DescribeGroups"},
		},
		{
			name: "describe groups", method: http.MethodPut, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/groups",
			body: map[string]any{"groups": []map[string]string{{"group_name": "a-1", "group_desc": "d"}}}, status: http.StatusNoContent, calls: []string{"DescribeGroups"},
		},
		{
			name: "delete group", method: http.MethodDelete, path: instancePath + "/groups/orders-app", status: http.StatusNoContent, calls: []string{"DeleteGroups"},
		},
		{
			name: "delete group, engine path", method: http.MethodDelete, path: engineGroup, status: http.StatusNoContent, calls: []string{"DeleteGroups"},
		},
		{
			name: "batch delete groups", method: http.MethodPost, path: instancePath + "/groups/batch-delete",
			body: map[string]any{"group_ids": []string{"a-1", "b-1"}}, status: http.StatusOK, calls: []string{"DeleteGroups"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, int32(0), *decodeAsSDK[model.BatchDeleteGroupResponse](t, w).Total)
			},
		},
		{
			name: "delete group offsets", method: http.MethodPost, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/groups/orders-app/delete-offset",
			body: map[string]any{"topics": []string{"orders"}}, status: http.StatusOK, calls: []string{"DeleteGroupOffsets"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.True(t, (*decodeAsSDK[model.DeleteConsumerGroupOffsetsResponse](t, w).Topics)[0].Success)
			},
		},
	}
}
