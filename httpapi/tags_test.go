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

// fakeTags is the dmsd.TagService of fakes.
type fakeTags struct{ *fakes }

func (s fakeTags) ChangeTags(ctx context.Context, actor dmsd.Actor, instanceID, action string, tags []dmsd.Tag) error {
	return s.record(ctx, "ChangeTags", actor, instanceID, action, tags)
}

func (s fakeTags) ProjectTags(ctx context.Context, actor dmsd.Actor) ([]dmsd.TagValues, error) {
	return []dmsd.TagValues{{Key: "team", Values: []string{"ops", "payments"}}}, s.record(ctx, "ProjectTags", actor, fakeInstanceID)
}

// tagRouteCases are the valid requests of the tag routes.
func tagRouteCases() []routeCase {
	return []routeCase{
		{
			name: "change tags", method: http.MethodPost, path: projectPath + "/kafka/" + fakeInstanceID + "/tags/action",
			body:   map[string]any{"action": "create", "tags": []map[string]string{{"key": "team", "value": "ops"}}},
			status: http.StatusNoContent, calls: []string{"ChangeTags"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, "create", []dmsd.Tag{{Key: "team", Value: "ops"}}}, calls[0].Args)
			},
		},
		{
			name: "project tags", method: http.MethodGet, path: projectPath + "/kafka/tags",
			status: http.StatusOK, calls: []string{"ProjectTags"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowKafkaProjectTagsResponse](t, w)
				require.Equal(t, "team", *(*out.Tags)[0].Key)
				require.Equal(t, []string{"ops", "payments"}, *(*out.Tags)[0].Values)
			},
		},
	}
}
