package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// rest12RouteCases are the valid requests of the feature list, the
// extension catalog, the monitoring dimensions and the log task routes.
func rest12RouteCases() []routeCase {
	instPath := projectPath + "/kafka/instances/" + fakeInstanceID
	return []routeCase{
		{
			name: "config features", method: http.MethodGet, path: "/v2/config/features", status: http.StatusOK,
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListConfigFeaturesResponse](t, w)
				require.EqualValues(t, len(dmsd.ConfigFeatures), *out.TotalRecord)
				status := map[string]int32{}
				for _, f := range *out.Features {
					status[*f.FeatureId] = *f.Status
				}
				require.EqualValues(t, 1, status["recycle_bin"])
				require.EqualValues(t, 1, status["log_task"])
			},
		},
		{
			name: "extend product info", method: http.MethodGet, path: instPath + "/extend",
			query: map[string]any{"type": "advanced"}, status: http.StatusOK, calls: []string{"FindInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowKafkaInstanceExtendProductInfoResponse](t, w)
				require.Equal(t, "kafka", *out.Engine)
				var ids []string
				for _, p := range *out.Products {
					require.Equal(t, "cluster", *p.Type, "only the flavors of the instance's type")
					ids = append(ids, *p.ProductId)
					cat, ok := dmsd.ProductByID(*p.ProductId)
					require.True(t, ok)
					require.Equal(t, "30", *p.Properties.MaxBroker)
					require.EqualValues(t, cat.MaxBrokers, 30)
				}
				require.Contains(t, ids, "c6.2u4g.cluster")
				require.NotContains(t, ids, "c6.2u4g.single")
			},
		},
		{
			name: "ces hierarchy", method: http.MethodGet, path: projectPath + "/instances/" + fakeInstanceID + "/ces-hierarchy",
			setup: func(f *fakes) {
				f.brokers = []dmsd.Broker{{ID: 0}, {ID: 1}}
				f.topics = []*dmsd.Topic{{Name: "orders", Partitions: 2}}
			},
			status: http.StatusOK, calls: []string{"Brokers", "ListTopics", "Groups"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowCesHierarchyResponse](t, w)
				require.Equal(t, fakeInstanceID, *(*out.InstanceIds)[0].Name)
				require.Len(t, *out.Nodes, 2)
				require.Equal(t, "broker-1", *(*out.Nodes)[1].Name)
				require.Equal(t, "orders", *(*out.Queues)[0].Name)
				require.Len(t, *(*out.Queues)[0].Partitions, 2)
				g := (*out.Groups)[0]
				require.Equal(t, "orders-app", *g.Name)
				require.Equal(t, "orders", *(*g.Queues)[0].Name)
				require.Len(t, *(*g.Queues)[0].Partitions, 2)
				require.NotEmpty(t, *out.Dimensions)
			},
		},
		{
			name: "show log task", method: http.MethodGet, path: instPath + "/logs/topic_log",
			status: http.StatusOK, calls: []string{"LogTasks"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				list := *decodeAsSDK[model.ShowKafkaLogTaskResponse](t, w).LogResponseList
				require.Len(t, list, 1)
				require.Equal(t, "OPEN", *list[0].Status)
				require.Equal(t, "topic_log", *list[0].LogType)
				require.Equal(t, "server.log", *list[0].LogFileName)
				require.Equal(t, int64(1_700_000_000_000), *list[0].CreatedAt)
				require.Contains(t, w.Body.String(), `"lines":["line one"]`)
			},
		},
		{
			name: "start log task", method: http.MethodPost, path: instPath + "/logs/REBALANCE",
			body:   map[string]any{"log_task_list": []map[string]any{{"log_group_name": "g", "log_stream_name": "s", "log_file_name": "f"}}},
			status: http.StatusOK, calls: []string{"StartLogTask"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.NotEmpty(t, *decodeAsSDK[model.StartKafkaLogTaskResponse](t, w).JobId)
				require.Equal(t, []any{fakeInstanceID, "REBALANCE", "f"}, calls[0].Args)
			},
		},
		{
			name: "stop log task", method: http.MethodDelete, path: instPath + "/logs/topic_log",
			status: http.StatusOK, calls: []string{"StopLogTask"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.NotEmpty(t, *decodeAsSDK[model.StopKafkaLogTaskResponse](t, w).JobId)
			},
		},
	}
}

// TestHandlers_Rest12BadInput refuses an extension catalog of another type
// and a log type the SDK does not name, before any call.
func TestHandlers_Rest12BadInput(t *testing.T) {
	t.Parallel()
	instPath := projectPath + "/kafka/instances/" + fakeInstanceID
	for _, tc := range []struct {
		name, method, path, typ string
		body                    any
	}{
		{"extend type", http.MethodGet, instPath + "/extend", "basic", nil},
		{"log type", http.MethodGet, instPath + "/logs/GC", "", nil},
		{"start log type", http.MethodPost, instPath + "/logs/GC", "", map[string]any{"log_task_list": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes()
			var q map[string]any
			if tc.typ != "" {
				q = map[string]any{"type": tc.typ}
			}
			w := do(t, fakeServer(f), tc.method, tc.path, q, tc.body)
			requireDMSError(t, w, dmsd.EINVALID)
			require.Empty(t, f.recorded())
		})
	}
}
