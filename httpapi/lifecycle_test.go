package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// fakeLifecycle is the dmsd.LifecycleService of fakes.
type fakeLifecycle struct {
	dmsd.LifecycleService
	*fakes
}

func (s fakeLifecycle) RecyclePolicy(ctx context.Context, actor dmsd.Actor) (dmsd.RecyclePolicy, error) {
	return dmsd.RecyclePolicy{Enabled: true, RetentionDays: 3}, s.record(ctx, "RecyclePolicy", actor)
}

func (s fakeLifecycle) SetRecyclePolicy(ctx context.Context, actor dmsd.Actor, p dmsd.RecyclePolicy) error {
	return s.record(ctx, "SetRecyclePolicy", actor, p)
}

func (s fakeLifecycle) RecycledInstances(ctx context.Context, actor dmsd.Actor) ([]*dmsd.Instance, error) {
	inst := *s.instance
	inst.Status = dmsd.InstanceRecycled
	inst.RecycledAt = time.UnixMilli(1795000000000).UTC()
	inst.RecycleUntil = inst.RecycledAt.Add(72 * time.Hour)
	return []*dmsd.Instance{&inst}, s.record(ctx, "RecycledInstances", actor)
}

func (s fakeLifecycle) RestoreInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return s.newTask("restoreInstance"), s.record(ctx, "RestoreInstance", actor, instanceID)
}

func (s fakeLifecycle) ResetPassword(ctx context.Context, actor dmsd.Actor, instanceID, password string) error {
	return s.record(ctx, "ResetPassword", actor, instanceID, password)
}

func (s fakeLifecycle) UpgradeInstance(ctx context.Context, actor dmsd.Actor, instanceID string, at time.Time) (*dmsd.Task, error) {
	return s.newTask("upgradeInstance"), s.record(ctx, "UpgradeInstance", actor, instanceID, at)
}

func (s fakeLifecycle) SetAdvertisedIPs(ctx context.Context, actor dmsd.Actor, instanceID string, ips map[string]string) ([]dmsd.AdvertisedIP, error) {
	return []dmsd.AdvertisedIP{{Listener: "127.0.0.1:19092", Advertised: "10.0.0.5"}}, s.record(ctx, "SetAdvertisedIPs", actor, instanceID, ips)
}

func (s fakeLifecycle) SetVolumeExpand(ctx context.Context, actor dmsd.Actor, instanceID string, v dmsd.VolumeExpand) error {
	return s.record(ctx, "SetVolumeExpand", actor, instanceID, v)
}

// projectCalls are the service methods that act on the actor's project, not
// on one instance.
var projectCalls = map[string]bool{"RecyclePolicy": true, "SetRecyclePolicy": true, "RecycledInstances": true}

// lifecycleRouteCases are the valid requests of the lifecycle routes.
func lifecycleRouteCases() []routeCase {
	kafkaInstance := projectPath + "/kafka/instances/" + fakeInstanceID
	return []routeCase{
		{
			name: "show recycle bin", method: http.MethodGet, path: projectPath + "/recycle", status: http.StatusOK,
			calls: []string{"RecyclePolicy", "RecycledInstances"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowRecycleInstancesResponse](t, w)
				require.Equal(t, int32(3), *out.RetentionDays)
				require.True(t, *out.DefaultUseRecycle)
				in := (*out.RecycleInstances)[0]
				require.Equal(t, fakeInstanceID, *in.InstanceId)
				require.Equal(t, "RECYCLED", *in.Status)
				require.Equal(t, int64(1795000000000), *in.InRecycleTime)
				require.Equal(t, int64(1795000000000+72*3600*1000), *in.AutoDeleteTime)
				require.Equal(t, int32(3), *in.SaveTime)
			},
		},
		{
			name: "modify recycle policy", method: http.MethodPut, path: projectPath + "/recycle",
			body: map[string]any{"retention_days": 5, "default_use_recycle": false}, status: http.StatusOK,
			calls: []string{"RecyclePolicy", "SetRecyclePolicy", "RecycledInstances"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, dmsd.RecyclePolicy{Enabled: false, RetentionDays: 5}, calls[1].Args[0])
				out := decodeAsSDK[model.ModifyRecyclePolicyResponse](t, w)
				require.Equal(t, int32(5), *out.RetentionDays)
				require.False(t, *out.DefaultUseRecycle)
			},
		},
		{
			name: "restore recycled instance", method: http.MethodPost, path: projectPath + "/recycle",
			body: map[string]any{"instances": []string{fakeInstanceID}}, status: http.StatusOK, calls: []string{"RestoreInstance"},
			perInstance: true,
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.RestoreRecycleInstanceResponse](t, w)
				require.Equal(t, fakeJobID, *(*out.Results)[0].JobId)
				require.Equal(t, fakeInstanceID, *(*out.Results)[0].InstanceId)
			},
		},
		{
			name: "reset password", method: http.MethodPost, path: instancePath + "/password",
			body: map[string]any{"new_password": "New-Secret-2026"}, status: http.StatusNoContent, calls: []string{"ResetPassword"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, "New-Secret-2026", calls[0].Args[1])
			},
		},
		{
			name: "upgrade instance", method: http.MethodPost, path: kafkaInstance + "/upgrade",
			body: map[string]any{"is_schedule": true, "execute_at": int64(1795000000000)}, status: http.StatusOK, calls: []string{"UpgradeInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, time.UnixMilli(1795000000000).UTC(), calls[0].Args[1])
				// The SDK keeps the whole body as a string (its Body).
				var body struct {
					JobID string `json:"job_id"`
				}
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
				require.Equal(t, fakeJobID, body.JobID)
			},
		},
		{
			name: "upgrade version", method: http.MethodGet, path: kafkaInstance + "/upgrade", status: http.StatusOK, calls: []string{"FindInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowUpgradeInstanceVersionResponse](t, w)
				require.Equal(t, "3.x", *out.CurrentVersion)
				require.Equal(t, dmsd.LatestEngineVersion(), *out.LatestVersion)
			},
		},
		{
			name: "cross vpc", method: http.MethodPost, path: instancePath + "/crossvpc/modify",
			body: map[string]any{"advertised_ip_contents": map[string]string{"127.0.0.1:19092": "10.0.0.5"}}, status: http.StatusOK,
			calls: []string{"SetAdvertisedIPs"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, map[string]string{"127.0.0.1:19092": "10.0.0.5"}, calls[0].Args[1])
				out := decodeAsSDK[model.UpdateInstanceCrossVpcIpResponse](t, w)
				require.True(t, *out.Success)
				require.Equal(t, "10.0.0.5", *(*out.Results)[0].AdvertisedIp)
			},
		},
		{name: "enable dns is refused", method: http.MethodPost, path: kafkaInstance + "/dns", status: http.StatusBadRequest, calls: []string{"FindInstance"},
			check: refusedWith(dmsd.ENODNS)},
		{name: "close kafka manager is refused", method: http.MethodDelete, path: kafkaInstance + "/management", status: http.StatusBadRequest,
			calls: []string{"FindInstance"}, check: refusedWith(dmsd.ENOKAFKAMANAGER)},
		{name: "kafka manager password is refused", method: http.MethodPut, path: instancePath + "/kafka-manager-password",
			status: http.StatusBadRequest,
			calls:  []string{"FindInstance"}, check: refusedWith(dmsd.ENOKAFKAMANAGER)},
		{name: "restart kafka manager is refused", method: http.MethodPut, path: instancePath + "/restart-kafka-manager", status: http.StatusBadRequest,
			calls: []string{"FindInstance"}, check: refusedWith(dmsd.ENOKAFKAMANAGER)},
	}
}

func refusedWith(code string) func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
	return func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) { requireDMSError(t, w, code) }
}
