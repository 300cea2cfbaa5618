package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// volumeRouteCases are the requests of automatic storage growth's routes.
func volumeRouteCases() []routeCase {
	path := projectPath + "/instances/" + fakeInstanceID + "/auto-volume-expand"
	return []routeCase{
		{
			name: "show volume expand config", method: http.MethodGet, path: path, status: http.StatusOK, calls: []string{"FindInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowVolumeExpandConfigResponse](t, w)
				require.False(t, *out.AutoVolumeExpandEnable)
				require.Equal(t, int32(80), *out.ExpandThreshold)
				require.Equal(t, int32(20), *out.ExpandIncrement)
			},
		},
		{
			name: "update volume expand config", method: http.MethodPut, path: path, status: http.StatusOK,
			body:  map[string]any{"auto_volume_expand_enable": true, "expand_threshold": 50},
			calls: []string{"FindInstance", "SetVolumeExpand"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				v := calls[1].Args[len(calls[1].Args)-1].(dmsd.VolumeExpand)
				require.Equal(t, dmsd.VolumeExpand{Enabled: true, Threshold: 50, Increment: 20, MaxSize: v.MaxSize}, v)
			},
		},
		{
			name: "update volume expand config without enable", method: http.MethodPut, path: path, status: http.StatusBadRequest,
			body: map[string]any{"expand_threshold": 50}, check: refusedWith(dmsd.EINVALID),
		},
	}
}
