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

// fakeConnect is the Smart Connect services on fakes.
type fakeConnect struct{ *fakes }

func (s fakeConnect) EnableConnector(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	t := s.newTask("createConnector")
	t.Params = `{"instance_id":"x","connector_id":"c1"}`
	return t, s.record(ctx, "EnableConnector", actor, instanceID)
}

func (s fakeConnect) DisableConnector(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return s.newTask("deleteConnector"), s.record(ctx, "DisableConnector", actor, instanceID)
}

func (s fakeConnect) CreateConnectTask(ctx context.Context, actor dmsd.Actor, t *dmsd.ConnectTask, startLater bool) error {
	t.ID, t.Status = fakeTaskID, dmsd.ConnectRunning
	return s.record(ctx, "CreateConnectTask", actor, t.InstanceID, t, startLater)
}

func (s fakeConnect) ListConnectTasks(ctx context.Context, actor dmsd.Actor, instanceID string) ([]*dmsd.ConnectTask, error) {
	return []*dmsd.ConnectTask{fakeConnectTask()}, s.record(ctx, "ListConnectTasks", actor, instanceID)
}

func (s fakeConnect) ShowConnectTask(ctx context.Context, actor dmsd.Actor, instanceID, taskID string) (*dmsd.ConnectTask, error) {
	return fakeConnectTask(), s.record(ctx, "ShowConnectTask", actor, instanceID, taskID)
}

func (s fakeConnect) SetConnectRunning(ctx context.Context, actor dmsd.Actor, instanceID, taskID string, run bool) error {
	return s.record(ctx, "SetConnectRunning", actor, instanceID, taskID, run)
}

func (s fakeConnect) DeleteConnectTask(ctx context.Context, actor dmsd.Actor, instanceID, taskID string) error {
	return s.record(ctx, "DeleteConnectTask", actor, instanceID, taskID)
}

func (s fakeConnect) ModifyConnectTask(ctx context.Context, actor dmsd.Actor, instanceID, taskID string, change *dmsd.ConnectTaskChange) (*dmsd.ConnectTask, error) {
	t, err := change.Apply(fakeConnectTask())
	if err != nil {
		return nil, err
	}
	return t, s.record(ctx, "ModifyConnectTask", actor, instanceID, taskID, change)
}

func (s fakeConnect) ValidatePeer(ctx context.Context, actor dmsd.Actor, instanceID string, p *dmsd.ConnectPeer) error {
	return s.record(ctx, "ValidatePeer", actor, instanceID, p)
}

func fakeConnectTask() *dmsd.ConnectTask {
	return &dmsd.ConnectTask{ID: fakeTaskID, ProjectID: testProjectID, InstanceID: fakeInstanceID, Name: "mirror", Topics: []string{"a", "b"},
		Status: dmsd.ConnectPaused, Peer: dmsd.ConnectPeer{InstanceID: "peer", Direction: "pull", TaskNum: 2, ReplicationFactor: 1}}
}

// connectTaskBody is a replication task as the SDK sends it.
func connectTaskBody() map[string]any {
	return map[string]any{
		"task_name": "mirror", "topics": "a,b", "source_type": "KAFKA_REPLICATOR_SOURCE",
		"source_task": map[string]any{"instance_id": "peer", "direction": "pull", "task_num": 2, "replication_factor": 1},
	}
}

// connectRouteCases are the handler tests of the Smart Connect routes.
func connectRouteCases() []routeCase {
	connectTask := instancePath + "/connector/tasks/" + fakeTaskID
	return []routeCase{
		{
			name: "enable smart connect", method: http.MethodPost, path: instancePath + "/connector", body: map[string]any{"node_cnt": "2"},
			status: http.StatusOK, calls: []string{"EnableConnector"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.CreateConnectorResponse](t, w)
				require.Equal(t, fakeJobID, *out.JobId)
				require.Equal(t, "c1", *out.ConnectorId)
			},
		},
		{
			name: "smart connect resources", method: http.MethodGet, path: instancePath + "/connector",
			status: http.StatusOK, calls: []string{"FindInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.False(t, *decodeAsSDK[model.ShowConnectorResourceInfoResponse](t, w).SoldOut)
			},
		},
		{
			name: "disable smart connect", method: http.MethodPost, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/delete-connector",
			status: http.StatusOK, calls: []string{"DisableConnector"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, fakeJobID, *decodeAsSDK[model.DeleteConnectorResponse](t, w).JobId)
			},
		},
		{
			name: "create connect task", method: http.MethodPost, path: instancePath + "/connector/tasks", body: connectTaskBody(),
			status: http.StatusOK, calls: []string{"CreateConnectTask"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.CreateConnectorTaskResponse](t, w)
				require.Equal(t, fakeTaskID, *out.Id)
				require.Equal(t, "a,b", *out.Topics)
				got := calls[0].Args[1].(*dmsd.ConnectTask)
				require.Equal(t, []string{"a", "b"}, got.Topics)
				require.Equal(t, 2, got.Peer.TaskNum)
			},
		},
		{
			name: "list connect tasks", method: http.MethodGet, path: instancePath + "/connector/tasks",
			status: http.StatusOK, calls: []string{"ListConnectTasks"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListConnectorTasksResponse](t, w)
				require.Equal(t, int32(1), *out.TotalNumber)
				require.Equal(t, "PAUSED", *(*out.Tasks)[0].Status)
			},
		},
		{
			name: "show connect task", method: http.MethodGet, path: connectTask,
			status: http.StatusOK, calls: []string{"ShowConnectTask"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowConnectorTaskResponse](t, w)
				require.Equal(t, "peer", *out.SourceTask.InstanceId)
				require.Equal(t, int32(2), *out.SourceTask.TaskNum)
			},
		},
		{
			name: "modify connect task", method: http.MethodPut, path: connectTask,
			body:   map[string]any{"task_name": "mirror-two", "topics": "a, c", "source_task": map[string]any{"task_num": 4, "instance_id": "peer"}},
			status: http.StatusOK, calls: []string{"ModifyConnectTask"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ModifyConnectorTaskResponse](t, w)
				require.Equal(t, "mirror-two", *out.TaskName)
				require.Equal(t, "a,c", *out.Topics)
				require.Equal(t, int32(4), *out.SourceTask.TaskNum)
				require.Equal(t, int32(1), *out.SourceTask.ReplicationFactor, "what the body leaves out stays")
			},
		},
		{
			name: "modify connect task to another peer", method: http.MethodPut, path: connectTask,
			body: map[string]any{"source_task": map[string]any{"instance_id": "other"}}, status: http.StatusBadRequest,
		},
		{
			name: "modify connect task to an OBS sink", method: http.MethodPut, path: connectTask,
			body: map[string]any{"sink_type": "OBS_SINK"}, status: http.StatusBadRequest,
		},
		{name: "delete connect task", method: http.MethodDelete, path: connectTask, status: http.StatusNoContent, calls: []string{"DeleteConnectTask"}},
		{name: "pause connect task", method: http.MethodPut, path: connectTask + "/pause", status: http.StatusNoContent, calls: []string{"SetConnectRunning"}},
		{name: "resume connect task", method: http.MethodPut, path: connectTask + "/resume", status: http.StatusNoContent, calls: []string{"SetConnectRunning"}},
		{name: "restart connect task", method: http.MethodPut, path: connectTask + "/restart", status: http.StatusNoContent, calls: []string{"SetConnectRunning"}},
		{
			name: "restart connect task (kafka path)", method: http.MethodPut,
			path:   projectPath + "/kafka/instances/" + fakeInstanceID + "/connector/tasks/" + fakeTaskID + "/restart",
			status: http.StatusNoContent, calls: []string{"SetConnectRunning"},
		},
		{
			name: "validate connectivity", method: http.MethodPost, path: instancePath + "/connector/validate",
			body:   map[string]any{"type": "KAFKA_REPLICATOR_SOURCE", "task": map[string]any{"instance_id": "peer"}},
			status: http.StatusNoContent, calls: []string{"ValidatePeer"},
		},
		{
			name: "create an OBS dump task (earlier API)", method: http.MethodPost, path: projectPath + "/connectors/connector-one/sink-tasks",
			body:   map[string]any{"source_type": "BLOB", "task_name": "dump", "destination_type": "OBS_SINK"},
			status: http.StatusBadRequest,
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				requireDMSError(t, w, dmsd.ECONNECTTYPE)
			},
		},
	}
}
