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

func (s fakeInstances) CheckExtendable(ctx context.Context, actor dmsd.Actor, instanceID string) error {
	return s.record(ctx, "CheckExtendable", actor, instanceID)
}

// flavorRouteCases are the valid requests of the flavor and window routes.
func flavorRouteCases() []routeCase {
	return []routeCase{
		{
			name: "scale pre-check", method: http.MethodGet, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/extend-check",
			status: http.StatusOK, calls: []string{"CheckExtendable"},
			// Answers the refusal of an extension in its result, as the
			// batch action does.
			perInstance: true,
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.True(t, *decodeAsSDK[model.ShowKafkaScalePreCheckInfoResponse](t, w).Success)
			},
		},
		{
			name: "product cores", method: http.MethodGet, path: "/v2/kafka/products/cores",
			query: map[string]any{"product_id": "c6.4u8g.cluster", "broker_num": "3"}, status: http.StatusOK,
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowKafkaProductCoresResponse](t, w)
				require.EqualValues(t, 12, *out.CoreNum)
				require.EqualValues(t, dmsd.MaxStorageSpace, *out.TotalExtendStorageSpace)
			},
		},
		{
			name: "maintain windows", method: http.MethodGet, path: "/v2/instances/maintain-windows", status: http.StatusOK,
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowMaintainWindowsResponse](t, w)
				require.Len(t, *out.MaintainWindows, 6)
				require.True(t, *(*out.MaintainWindows)[1].Default)
			},
		},
	}
}
