package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// Paths of the handler tests.
const (
	projectPath  = "/v2/" + testProjectID
	instancePath = projectPath + "/instances/" + fakeInstanceID
	taskURL      = instancePath + "/tasks/" + fakeTaskID
)

// routeCase is one valid request of a route: what the fakes return (setup),
// the status it gets, the methods the fakes receive in order (store and
// service alike), and what the answer and the calls must hold (check).
type routeCase struct {
	name   string
	method string
	path   string
	query  map[string]any
	body   any
	setup  func(f *fakes)
	status int
	calls  []string
	check  func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall)
	// perInstance marks the batch action, which answers a refusal of one
	// instance in that instance's result rather than as the call's error.
	perInstance bool
}

// storeMethods are the fakes' methods of dmsd.Store; the others are
// services, which take the request's actor.
var storeMethods = map[string]bool{
	"FindInstance": true, "ListInstances": true, "ListTasks": true, "FindTask": true, "DeleteTask": true,
	"ListScheduledTasks": true, "RescheduleTask": true, "CancelTask": true, "DeleteScheduledTask": true,
	"FindReport": true, "ListReports": true, "DeleteReport": true,
}

// createBody is a valid instance creation, as the SDK sends it.
func createBody() map[string]any {
	return map[string]any{
		"name": "orders", "engine": "kafka", "engine_version": "3.x", "broker_num": 3, "storage_space": 300,
		"vpc_id": "vpc", "security_group_id": "sg", "subnet_id": "subnet", "available_zones": []string{dmsd.DefaultZoneID},
		"product_id": "c6.2u4g.cluster", "storage_spec_code": "dms.physical.storage.ultra.v2",
		"ssl_enable": true, "access_user": "admin1", "password": "Secret-2026x", "retention_policy": "time_base",
		"tags": []map[string]string{{"key": "team", "value": "payments"}},
	}
}

// checkCreated checks an instance creation's answer and what the service got.
func checkCreated[T any](id func(*T) *string) func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
	return func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
		require.Equal(t, fakeInstanceID, *id(decodeAsSDK[T](t, w)))
		inst := calls[0].Args[0].(*dmsd.Instance)
		require.Equal(t, "orders", inst.Name)
		require.Equal(t, 3, inst.BrokerNum)
		require.Equal(t, []string{dmsd.DefaultZoneID}, inst.AvailableZones)
		require.Equal(t, "admin1", inst.AccessUser)
		require.Equal(t, "Secret-2026x", inst.AccessPassword)
		require.True(t, inst.SSLEnabled, "ssl_enable without a protocol is SASL_SSL")
		require.Equal(t, []dmsd.Tag{{Key: "team", Value: "payments"}}, inst.Tags)
	}
}

func routeCases() []routeCase {
	return append([]routeCase{
		{
			name: "available zones", method: http.MethodGet, path: "/v2/available-zones", status: http.StatusOK,
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListAvailableZonesResponse](t, w)
				require.Len(t, *out.AvailableZones, len(dmsd.AvailabilityZones))
			},
		},
		{
			name: "products", method: http.MethodGet, path: "/v2/kafka/products", query: map[string]any{"product_id": "c6.2u4g.cluster"},
			status: http.StatusOK,
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListEngineProductsResponse](t, w)
				require.Len(t, *out.Products, 1)
				require.Equal(t, "c6.2u4g.cluster", *(*out.Products)[0].ProductId)
			},
		},
		{
			name: "create instance by engine", method: http.MethodPost, path: "/v2/kafka/" + testProjectID + "/instances",
			body: createBody(), status: http.StatusOK, calls: []string{"CreateInstance"},
			check: checkCreated(func(r *model.CreateInstanceByEngineResponse) *string { return r.InstanceId }),
		},
		{
			name: "create instance post-paid", method: http.MethodPost, path: projectPath + "/kafka/instances",
			body: createBody(), status: http.StatusOK, calls: []string{"CreateInstance"},
			check: checkCreated(func(r *model.CreatePostPaidKafkaInstanceResponse) *string { return r.InstanceId }),
		},
		{
			name: "list instances", method: http.MethodGet, path: projectPath + "/instances", query: map[string]any{"name": "ord"},
			status: http.StatusOK, calls: []string{"ListInstances"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListInstancesResponse](t, w)
				require.Equal(t, int32(1), *out.InstanceNum)
				require.Equal(t, fakeInstanceID, *(*out.Instances)[0].InstanceId)
				require.Equal(t, "300", *(*out.Instances)[0].PartitionNum, "partition_num is a string")
			},
		},
		{
			name: "show instance", method: http.MethodGet, path: instancePath, status: http.StatusOK,
			calls: []string{"FindInstance", "ListTasks"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.ShowInstanceResponse](t, w)
				require.Equal(t, fakeInstanceID, *out.InstanceId)
				require.Equal(t, "RUNNING", *out.Status)
				require.Equal(t, "127.0.0.1", *out.ConnectAddress)
				require.Equal(t, []string{"payments"}, []string{*(*out.Tags)[0].Value})
				require.Equal(t, fakeTaskID, jsonKeys(t, w)["task"].(map[string]any)["id"], "the task the Terraform provider follows")
				require.Equal(t, dmsd.TaskFilter{ProjectID: testProjectID, InstanceID: fakeInstanceID, Limit: 1}, calls[1].Args[0])
			},
		},
		{
			name: "kafka cluster", method: http.MethodGet, path: instancePath + "/manage/cluster", status: http.StatusOK,
			setup: func(f *fakes) {
				f.brokers = []dmsd.Broker{{ID: 0, Host: "127.0.0.1", Port: 19092}, {ID: 1, Host: "127.0.0.1", Port: 19093}}
			},
			calls: []string{"Brokers"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowKafkaClusterResponse](t, w)
				require.Len(t, *out.Cluster.Brokers, 2)
				require.Equal(t, "1", *(*out.Cluster.Brokers)[1].BrokerId, "broker_id is a string")
				require.Equal(t, int32(19093), *(*out.Cluster.Brokers)[1].Port)
			},
		},
		{
			name: "tags", method: http.MethodGet, path: projectPath + "/kafka/" + fakeInstanceID + "/tags", status: http.StatusOK,
			calls: []string{"FindInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowKafkaTagsResponse](t, w)
				require.Equal(t, "team", *(*out.Tags)[0].Key)
			},
		},
		{
			name: "delete instance", method: http.MethodDelete, path: instancePath, status: http.StatusNoContent,
			calls: []string{"DeleteInstance"},
		},
		{
			name: "restart instances", method: http.MethodPost, path: projectPath + "/instances/action",
			body:   map[string]any{"action": "restart", "instances": []string{fakeInstanceID, "0b1c7f3e-2a4d-4e8f-9a6b-0c1d2e3f4a5b"}},
			status: http.StatusOK, calls: []string{"RestartInstance", "RestartInstance"}, perInstance: true,
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.BatchRestartOrDeleteInstancesResponse](t, w)
				require.Len(t, *out.Results, 2)
				require.Equal(t, "success", *(*out.Results)[0].Result)
				require.Equal(t, "0b1c7f3e-2a4d-4e8f-9a6b-0c1d2e3f4a5b", calls[1].Args[0])
			},
		},
		{
			name: "auto topic", method: http.MethodPost, path: instancePath + "/autotopic", body: map[string]any{"enable_auto_topic": true},
			status: http.StatusOK, calls: []string{"SetAutoTopic"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, true, calls[0].Args[1])
				require.Empty(t, jsonKeys(t, w))
			},
		},
		{
			name: "extend by engine", method: http.MethodPost, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/extend",
			body: map[string]any{"oper_type": "horizontal", "new_broker_num": 5}, status: http.StatusOK, calls: []string{"ExtendInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, fakeJobID, *decodeAsSDK[model.ResizeEngineInstanceResponse](t, w).JobId)
				require.Equal(t, dmsd.Extension{OperType: "horizontal", NewBrokerNum: 5}, calls[0].Args[1])
			},
		},
		{
			name: "extend", method: http.MethodPost, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/extend",
			body: map[string]any{"oper_type": "storage", "new_storage_space": 600}, status: http.StatusOK, calls: []string{"ExtendInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, fakeJobID, *decodeAsSDK[model.ResizeKafkaInstanceResponse](t, w).JobId)
				require.Equal(t, dmsd.Extension{OperType: "storage", NewStorageSpace: 600}, calls[0].Args[1])
			},
		},
		{
			name: "ssl switch", method: http.MethodPost, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/plain-ssl-switch",
			body: map[string]any{"protocol": "private_sasl_plaintext_enable", "enable": true}, status: http.StatusOK, calls: []string{"SetSSL"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.UpdateKafkaPortProtocolResponse](t, w)
				require.Equal(t, fakeJobID, *out.JobId)
				require.Equal(t, []any{fakeInstanceID, "private_sasl_plaintext_enable", true}, calls[0].Args)
			},
		},
		{
			name: "ssl certificate", method: http.MethodGet, path: instancePath + "/ssl-certificate", status: http.StatusOK,
			setup: func(f *fakes) { f.instance.SSLEnabled, f.instance.SSLCACert = true, "-----BEGIN CERTIFICATE-----\nx\n" },
			calls: []string{"FindInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, "application/x-pem-file", w.Header().Get("Content-Type"))
				require.Equal(t, "-----BEGIN CERTIFICATE-----\nx\n", w.Body.String())
			},
		},
		{
			name: "public access is refused", method: http.MethodPost, path: "/v1/" + testProjectID + "/instances/" + fakeInstanceID + "/public-boundwidth",
			body: map[string]any{"public_boundwidth": 5}, status: http.StatusBadRequest, calls: []string{"FindInstance"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				requireDMSError(t, w, dmsd.EPUBLICACCESS)
			},
		},
		{
			name: "list tasks", method: http.MethodGet, path: instancePath + "/tasks",
			query:  map[string]any{"offset": "2", "limit": "5", "begin_time": "20261127000000", "end_time": "20261127235959"},
			setup:  func(f *fakes) { f.count = 7 },
			status: http.StatusOK, calls: []string{"ListTasks"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.ListBackgroundTasksResponse](t, w)
				require.Equal(t, "7", *out.TaskCount, "task_count is a string")
				require.Equal(t, fakeTaskID, *(*out.Tasks)[0].Id)
				require.Equal(t, "2026-11-27T03:00:00.000Z", *(*out.Tasks)[0].CreatedAt)
				require.Equal(t, dmsd.TaskFilter{
					ProjectID: testProjectID, InstanceID: fakeInstanceID, Offset: 2, Limit: 5,
					Begin: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
					End:   time.Date(2026, 11, 27, 23, 59, 59, int(999*time.Millisecond), time.UTC),
				}, calls[0].Args[0])
			},
		},
		{
			name: "list tasks from start", method: http.MethodGet, path: instancePath + "/tasks", query: map[string]any{"start": "3"},
			status: http.StatusOK, calls: []string{"ListTasks"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, dmsd.TaskFilter{ProjectID: testProjectID, InstanceID: fakeInstanceID, Offset: 2, Limit: 10}, calls[0].Args[0])
			},
		},
		{
			name: "show task", method: http.MethodGet, path: taskURL, status: http.StatusOK, calls: []string{"FindTask"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.ShowBackgroundTaskResponse](t, w)
				require.Equal(t, "1", *out.TaskCount)
				require.Equal(t, "SUCCESS", *(*out.Tasks)[0].Status)
				require.Equal(t, `{"name":"orders"}`, *(*out.Tasks)[0].Params, "params is a JSON string")
				require.Equal(t, []any{testProjectID, fakeInstanceID, fakeTaskID}, calls[0].Args)
			},
		},
		{
			name: "delete task", method: http.MethodDelete, path: taskURL, status: http.StatusNoContent, calls: []string{"DeleteTask"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Empty(t, w.Body.String())
				require.Equal(t, []any{testProjectID, fakeInstanceID, fakeTaskID}, calls[0].Args)
			},
		},
		{
			name: "task progress", method: http.MethodGet, path: taskURL + "/progress", status: http.StatusOK, calls: []string{"FindTask"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowBackgroundTaskProgressResponse](t, w)
				require.Equal(t, int32(100), *out.ProgressPercentage)
				require.Len(t, *out.StepList, 2)
				require.Equal(t, "COMPLETED", *(*out.StepList)[0].Statue)
			},
		},
		{
			name: "create topic", method: http.MethodPost, path: instancePath + "/topics",
			body:   map[string]any{"id": "payments", "partition": 6, "replication": 3, "topic_other_configs": []map[string]string{{"name": "cleanup.policy", "value": "compact"}}},
			status: http.StatusOK, calls: []string{"CreateTopic"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, "payments", *decodeAsSDK[model.CreateInstanceTopicResponse](t, w).Name)
				require.Equal(t, &dmsd.Topic{Name: "payments", Partitions: 6, Replication: 3, Configs: map[string]string{"cleanup.policy": "compact"}}, calls[0].Args[1])
			},
		},
		{
			name: "list topics", method: http.MethodGet, path: instancePath + "/topics", query: map[string]any{"offset": "1", "limit": "1"},
			setup: func(f *fakes) {
				f.topics = []*dmsd.Topic{{Name: "alpha", Partitions: 3, Replication: 3}, {Name: "beta", Partitions: 6, Replication: 1}}
			},
			status: http.StatusOK, calls: []string{"ListTopics"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListInstanceTopicsResponse](t, w)
				require.Equal(t, int32(2), *out.Total)
				require.Len(t, *out.Topics, 1)
				require.Equal(t, "beta", *(*out.Topics)[0].Name)
				require.Equal(t, int32(300-9), *out.RemainPartitions)
			},
		},
		{
			name: "update topics", method: http.MethodPut, path: instancePath + "/topics",
			body:   map[string]any{"topics": []map[string]any{{"id": "payments", "new_partition_numbers": 12, "retention_time": 24}}},
			status: http.StatusNoContent, calls: []string{"UpdateTopics"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				u := calls[0].Args[1].([]*dmsd.TopicUpdate)
				require.Len(t, u, 1)
				require.Equal(t, "payments", u[0].Name)
				require.Equal(t, 12, *u[0].NewPartitions)
				require.Equal(t, 24, *u[0].RetentionHours)
				require.Nil(t, u[0].SyncReplication)
			},
		},
		{
			name: "delete topics", method: http.MethodPost, path: instancePath + "/topics/delete", body: map[string]any{"topics": []string{"a-topic", "b-topic"}},
			setup: func(f *fakes) {
				f.deletions = []dmsd.TopicDeletion{{Name: "a-topic", Success: true}, {Name: "b-topic"}}
			},
			status: http.StatusOK, calls: []string{"DeleteTopics"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.BatchDeleteInstanceTopicResponse](t, w)
				require.Equal(t, "b-topic", *(*out.Topics)[1].Id)
				require.False(t, *(*out.Topics)[1].Success)
				require.Equal(t, []string{"a-topic", "b-topic"}, calls[0].Args[1])
			},
		},
		{
			name: "show configs", method: http.MethodGet, path: instancePath + "/configs",
			setup:  func(f *fakes) { f.configs = []dmsd.ConfigValue{{ConfigParam: dmsd.BrokerParams[0], Value: "2"}} },
			status: http.StatusOK, calls: []string{"ShowConfigs"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowInstanceConfigsResponse](t, w)
				require.Equal(t, "2", *(*out.KafkaConfigs)[0].Value)
				require.Equal(t, "dynamic", (*out.KafkaConfigs)[0].ConfigType.Value())
			},
		},
		{
			name: "modify configs", method: http.MethodPut, path: instancePath + "/configs",
			body:   map[string]any{"kafka_configs": []map[string]string{{"name": "min.insync.replicas", "value": "2"}}},
			setup:  func(f *fakes) { f.dynamic = 1 },
			status: http.StatusOK, calls: []string{"ModifyConfigs"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.ModifyInstanceConfigsResponse](t, w)
				require.Equal(t, fakeJobID, *out.JobId)
				require.Equal(t, int32(1), *out.DynamicConfig)
				require.Equal(t, int32(0), *out.StaticConfig)
				require.Equal(t, []dmsd.ConfigSetting{{Name: "min.insync.replicas", Value: "2"}}, calls[0].Args[1])
			},
		},
		{
			name: "update instance", method: http.MethodPut, path: instancePath,
			body: map[string]any{"name": "orders-eu", "maintain_begin": "22:00:00", "maintain_end": "02:00:00"}, status: http.StatusNoContent,
			calls: []string{"UpdateInstance"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				u := calls[0].Args[1].(*dmsd.InstanceUpdate)
				require.Equal(t, "orders-eu", *u.Name)
				require.Equal(t, "22:00:00", *u.MaintainBegin)
				require.Nil(t, u.Description)
				require.Nil(t, u.RetentionPolicy)
			},
		},
		{
			name: "create user", method: http.MethodPost, path: instancePath + "/users",
			body:   map[string]any{"user_name": "reader1", "user_desc": "reads", "user_passwd": "Secret-2026x"},
			status: http.StatusNoContent, calls: []string{"CreateUser"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, dmsd.User{Name: "reader1", Description: "reads"}, "Secret-2026x"}, calls[0].Args)
			},
		},
		{
			name: "list users", method: http.MethodGet, path: instancePath + "/users",
			setup: func(f *fakes) {
				f.users = []dmsd.User{{Name: "admin1", Default: true, CreatedAt: testSignTime}, {Name: "reader1"}}
			},
			status: http.StatusOK, calls: []string{"ListUsers"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowInstanceUsersResponse](t, w)
				require.Len(t, *out.Users, 2)
				require.True(t, *(*out.Users)[0].DefaultApp)
				require.Equal(t, "admin", *(*out.Users)[0].Role)
				require.Equal(t, testSignTime.UnixMilli(), *(*out.Users)[0].CreatedTime)
			},
		},
		{
			name: "delete users", method: http.MethodPut, path: instancePath + "/users",
			body: map[string]any{"action": "delete", "users": []string{"reader1"}}, status: http.StatusNoContent, calls: []string{"DeleteUsers"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []string{"reader1"}, calls[0].Args[1])
			},
		},
		{
			name: "reset user password", method: http.MethodPut, path: instancePath + "/users/reader1",
			body: map[string]any{"new_password": "Other-2026x"}, status: http.StatusNoContent, calls: []string{"ResetUserPassword"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, "reader1", "Other-2026x"}, calls[0].Args)
			},
		},
		{
			name: "update user", method: http.MethodPut, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/users/reader1",
			body: map[string]any{"user_desc": "reads orders"}, status: http.StatusNoContent, calls: []string{"UpdateUser"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, "reader1", calls[0].Args[1])
				require.Equal(t, "reads orders", *calls[0].Args[2].(*string))
				require.Nil(t, calls[0].Args[3].(*string), "no new password")
			},
		},
		{
			name: "update topic policies", method: http.MethodPost, path: "/v1/" + testProjectID + "/instances/" + fakeInstanceID + "/topics/accesspolicy",
			body:   map[string]any{"topics": []map[string]any{{"name": "payments", "policies": []map[string]string{{"user_name": "reader1", "access_policy": "sub"}}}}},
			status: http.StatusOK, calls: []string{"UpdateTopicPolicies"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, map[string]any{"job_id": fakeJobID}, jsonKeys(t, w))
				require.Equal(t, []dmsd.TopicPolicies{{Topic: "payments", Policies: []dmsd.UserPolicy{{UserName: "reader1", Policy: "sub"}}}}, calls[0].Args[1])
			},
		},
		{
			name: "show topic policies", method: http.MethodGet, path: "/v1/" + testProjectID + "/instances/" + fakeInstanceID + "/topics/payments/accesspolicy",
			setup:  func(f *fakes) { f.policies = []dmsd.UserPolicy{{UserName: "reader1", Policy: "sub"}} },
			status: http.StatusOK, calls: []string{"TopicPolicies"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.ShowTopicAccessPolicyResponse](t, w)
				require.Equal(t, "payments", *out.Name)
				require.Equal(t, "sub", (*out.Policies)[0].AccessPolicy.Value())
				require.Equal(t, "payments", calls[0].Args[1])
			},
		},
		{
			name: "reset offsets", method: http.MethodPost, path: instancePath + "/management/groups/billing/reset-message-offset",
			body: map[string]any{"topic": "payments", "partition": -1, "message_offset": 0}, status: http.StatusNoContent, calls: []string{"ResetOffsets"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, dmsd.OffsetReset{Group: "billing", Topic: "payments", Partition: -1, MessageOffset: new(int64(0))}, calls[0].Args[1])
			},
		},
		{
			name: "reset offsets with engine", method: http.MethodPut, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/groups/billing/reset-message-offset",
			body: map[string]any{"partition": 0, "topic": "payments", "timestamp": 1764000000000}, status: http.StatusNoContent, calls: []string{"ResetOffsets"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, dmsd.OffsetReset{Group: "billing", Topic: "payments", Partition: 0, Timestamp: new(int64(1764000000000))}, calls[0].Args[1])
			},
		},
		{
			name: "reassign", method: http.MethodPost, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/reassign",
			body: map[string]any{
				"reassignments": []map[string]any{{"topic": "payments", "brokers": []int{0, 1}, "replication_factor": 2}},
				"throttle":      1024, "is_schedule": true, "execute_at": int64(1795000000000),
			},
			status: http.StatusOK, calls: []string{"Reassign"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, fakeJobID, *decodeAsSDK[model.CreateKafkaReassignmentTaskResponse](t, w).JobId)
				require.Equal(t, &dmsd.ReassignRequest{
					Reassignments: []dmsd.Reassignment{{Topic: "payments", Brokers: []int32{0, 1}, ReplicationFactor: 2}},
					Throttle:      1024, ExecuteAt: time.UnixMilli(1795000000000).UTC(),
				}, calls[0].Args[1])
			},
		},
		{
			name: "reassignment estimate", method: http.MethodPost, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/reassign",
			body: map[string]any{
				"reassignments": []map[string]any{{"topic": "payments", "assignment": []map[string]any{{"partition": 0, "partition_brokers": []int{2, 1}}}}},
				"time_estimate": true,
			},
			setup:  func(f *fakes) { f.estimate = 42 },
			status: http.StatusOK, calls: []string{"EstimateReassignment"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.CreateKafkaReassignmentTaskResponse](t, w)
				require.Nil(t, out.JobId)
				require.Equal(t, int32(42), *out.ReassignmentTime)
				require.Equal(t, []dmsd.PartitionAssignment{{Partition: 0, Brokers: []int32{2, 1}}}, calls[0].Args[1].(*dmsd.ReassignRequest).Reassignments[0].Assignment)
			},
		},
		{
			name: "list scheduled tasks", method: http.MethodGet, path: instancePath + "/scheduled-tasks", query: map[string]any{"limit": "100"},
			setup: func(f *fakes) {
				f.task.ExecuteAt, f.task.Name, f.count = testSignTime.Add(time.Hour), "kafkaReassignment", 3
			},
			status: http.StatusOK, calls: []string{"ListScheduledTasks"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.ListScheduledTasksResponse](t, w)
				require.Equal(t, "3", *out.JobCount, "job_count is a string")
				require.Equal(t, "2026-11-27T05:00:00.000Z", *(*out.Jobs)[0].ScheduleAt)
				require.Equal(t, 100, calls[0].Args[0].(dmsd.TaskFilter).Limit)
			},
		},
		{
			name: "cancel scheduled task", method: http.MethodPut, path: instancePath + "/scheduled-tasks/" + fakeTaskID,
			query: map[string]any{"status": "CANCELLED"}, status: http.StatusNoContent, calls: []string{"CancelTask"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{testProjectID, fakeInstanceID, fakeTaskID}, calls[0].Args)
			},
		},
		{
			name: "reschedule task", method: http.MethodPut, path: instancePath + "/scheduled-tasks/" + fakeTaskID,
			query: map[string]any{"execute_at": "20261128120000"}, status: http.StatusNoContent, calls: []string{"RescheduleTask"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{testProjectID, fakeInstanceID, fakeTaskID, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}, calls[0].Args)
			},
		},
		{
			name: "delete scheduled task", method: http.MethodDelete, path: instancePath + "/scheduled-tasks/" + fakeTaskID,
			status: http.StatusNoContent, calls: []string{"DeleteScheduledTask"},
		},
		{
			name: "diagnosis pre-check", method: http.MethodGet, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/diagnosis-check",
			query: map[string]any{"group": "g", "topic": "t"}, status: http.StatusOK, calls: []string{"PreCheck"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, "g", "t"}, calls[0].Args)
				require.JSONEq(t, `[{"name":"topic_exists","reason":"","success":true}]`, w.Body.String())
			},
		},
		{
			name: "create diagnosis", method: http.MethodPost, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/message-diagnosis-tasks",
			body: map[string]any{"group_name": "g", "topic_name": "t"}, status: http.StatusOK, calls: []string{"Diagnose"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, fakeReportID, *decodeAsSDK[model.CreateMessageDiagnosisTaskResponse](t, w).ReportId)
			},
		},
		{
			name: "list diagnosis reports", method: http.MethodGet, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/message-diagnosis-tasks",
			query: map[string]any{"offset": "0", "limit": "5"}, status: http.StatusOK, calls: []string{"ListReports"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				out := decodeAsSDK[model.ListMessageDiagnosisReportsResponse](t, w)
				require.Equal(t, int32(1), *out.TotalNum)
				require.Equal(t, "abnormal", (*out.ReportList)[0].Status.Value())
				require.Equal(t, "1700000005000", *(*out.ReportList)[0].EndTime)
				require.Equal(t, []any{testProjectID, fakeInstanceID, 5, 0}, calls[0].Args)
			},
		},
		{
			name: "show diagnosis report", method: http.MethodGet, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/message-diagnosis/" + fakeReportID,
			status: http.StatusOK, calls: []string{"FindReport"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowMessageDiagnosisReportResponse](t, w)
				require.Equal(t, int32(1), *out.AbnormalItemNum)
				require.Equal(t, int32(1), (*(*out.DiagnosisDimensionList)[0].DiagnosisItemList[0].CauseIds)[0].Id)
			},
		},
		{
			name: "delete diagnosis reports", method: http.MethodDelete, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/message-diagnosis-tasks",
			body: map[string]any{"report_id_list": []string{fakeReportID}}, status: http.StatusOK, calls: []string{"DeleteReport"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.BatchDeleteMessageDiagnosisReportsResponse](t, w)
				require.Equal(t, []model.BatchDeleteMessageDiagnosisRespResults{{Result: true, Id: fakeReportID}}, *out.Results)
				// As the Node.js SDK's model reads it.
				require.Contains(t, w.Body.String(), `"success":true`)
			},
		},
		{
			name: "start rebalance log", method: http.MethodPost, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/log/rebalance-log",
			status: http.StatusOK, calls: []string{"StartRebalanceLog"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, fakeJobID, *decodeAsSDK[model.CreateKafkaRebalanceLogTaskResponse](t, w).JobId)
			},
		},
		{
			name: "show rebalance log", method: http.MethodGet, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/log/rebalance-log",
			status: http.StatusOK, calls: []string{"RebalanceLog"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowKafkaRebalanceLogResponse](t, w)
				require.Equal(t, "OPEN", *out.Status)
				require.Contains(t, w.Body.String(), `"event":"MEMBER_JOINED"`)
			},
		},
		{
			name: "stop rebalance log", method: http.MethodDelete, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/log/rebalance-log",
			status: http.StatusOK, calls: []string{"StopRebalanceLog"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				require.Equal(t, fakeJobID, *decodeAsSDK[model.StopKafkaRebalanceLogTaskResponse](t, w).JobId)
			},
		},
	}, slices.Concat(inspectRouteCases(), groupRouteCases(), lifecycleRouteCases(), messageRouteCases(), quotaRouteCases(), tagRouteCases(), flavorRouteCases(), connectRouteCases(), notOfferedRouteCases(), rest12RouteCases(), volumeRouteCases())...)
}

// methodsOf returns the method names of calls.
func methodsOf(calls []fakeCall) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Method)
	}
	return out
}

// TestHandlers_Routes sends a valid request to every authenticated route:
// it gets its status and an answer that the SDK's own models decode, the
// fakes receive the path's ids and the query's and body's values, every
// service call carries the signer's actor and every store call the path's
// project.
func TestHandlers_Routes(t *testing.T) {
	t.Parallel()
	for _, tc := range routeCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes()
			if tc.setup != nil {
				tc.setup(f)
			}
			w := do(t, fakeServer(f), tc.method, tc.path, tc.query, tc.body)
			require.Equal(t, tc.status, w.Code, "body %s", w.Body.String())
			require.NotEmpty(t, w.Header().Get("X-Request-Id"))
			calls := f.recorded()
			require.Equal(t, tc.calls, methodsOf(calls))
			for _, c := range calls {
				require.False(t, c.Replayed, "a fresh request is not a replay")
				if storeMethods[c.Method] {
					project := c.Args[0]
					if filter, ok := project.(dmsd.TaskFilter); ok {
						project = filter.ProjectID
					}
					require.Equal(t, testProjectID, project, "%s gets the path's project", c.Method)
					continue
				}
				require.Equal(t, testActor, c.Actor, "%s gets the signer's actor", c.Method)
				if c.Method != "CreateInstance" && !tc.perInstance && !projectCalls[c.Method] {
					require.Equal(t, fakeInstanceID, c.Args[0], "%s gets the path's instance", c.Method)
				}
			}
			if tc.check != nil {
				tc.check(t, w, calls)
			}
		})
	}
}

// TestHandlers_DomainErrors makes the first call of every route fail with
// domain errors and an internal one: each reaches the caller with its DMS
// code and the status of the one table, and an internal error as a bare
// EINTERNAL that does not leak its text.
func TestHandlers_DomainErrors(t *testing.T) {
	t.Parallel()
	errs := []error{
		dmsd.Errorf(dmsd.EINSTANCENOTFOUND, "This instance does not exist."),
		dmsd.Errorf(dmsd.ETASKRUNNING, "A background task of this instance is running."),
		dmsd.Errorf(dmsd.EINSTANCESTATUS, "Not allowed in the instance's status."),
		dmsd.Errorf(dmsd.EUNAVAILABLE, "The database is unreachable."),
		dmsd.Errorf(dmsd.EREPLAYED, "Sent again."),
		errors.New("pq: password authentication failed for user secret-user"),
	}
	for _, tc := range routeCases() {
		if len(tc.calls) == 0 || tc.perInstance {
			continue
		}
		for _, fail := range errs {
			code := dmsd.ErrorCode(fail)
			t.Run(tc.name+"/"+code, func(t *testing.T) {
				t.Parallel()
				f := newFakes()
				if tc.setup != nil {
					tc.setup(f)
				}
				f.fail[tc.calls[0]] = fail
				w := do(t, fakeServer(f), tc.method, tc.path, tc.query, tc.body)
				requireDMSError(t, w, code)
				require.NotContains(t, w.Body.String(), "secret-user")
				require.Equal(t, []string{tc.calls[0]}, methodsOf(f.recorded()), "nothing runs after the failed call")
			})
		}
	}
}

// TestHandlers_BatchActionResults answers a refusal of one instance of a
// batch action in its result and a fault of the service as the call's
// error.
func TestHandlers_BatchActionResults(t *testing.T) {
	t.Parallel()
	body := map[string]any{"action": "delete", "instances": []string{fakeInstanceID}}

	f := newFakes()
	f.fail["DeleteInstance"] = dmsd.Errorf(dmsd.ETASKRUNNING, "A background task of this instance is running.")
	w := do(t, fakeServer(f), http.MethodPost, projectPath+"/instances/action", nil, body)
	require.Equal(t, http.StatusOK, w.Code)
	out := decodeAsSDK[model.BatchRestartOrDeleteInstancesResponse](t, w)
	require.Equal(t, "failed", *(*out.Results)[0].Result)
	require.Equal(t, fakeInstanceID, *(*out.Results)[0].Instance)
	require.Equal(t, dmsd.ETASKRUNNING, jsonKeys(t, w)["results"].([]any)[0].(map[string]any)["error_code"])

	f = newFakes()
	f.fail["DeleteInstance"] = errors.New("disk on fire")
	w = do(t, fakeServer(f), http.MethodPost, projectPath+"/instances/action", nil, body)
	requireDMSError(t, w, dmsd.EINTERNAL)
}

// TestHandlers_BadIDs replaces the instance id, then the task id, of every
// route that has one with malformed ones: each is refused with its DMS code
// and the fakes are not called.
func TestHandlers_BadIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range routeCases() {
		for _, bad := range []struct{ id, replacement, code string }{
			{fakeInstanceID, "5B1C7F3E-2A4D-4E8F-9A6B-0C1D2E3F4A5B", dmsd.EINVALIDINSTANCEID},
			{fakeInstanceID, "orders", dmsd.EINVALIDINSTANCEID},
			{fakeTaskID, "AAAABBBBCCCCDDDDEEEEFFFF00001111", dmsd.EINVALIDTASKID},
			{fakeTaskID, "42", dmsd.EINVALIDTASKID},
		} {
			if !strings.Contains(tc.path, bad.id) {
				continue
			}
			t.Run(tc.name+"/"+bad.replacement, func(t *testing.T) {
				t.Parallel()
				f := newFakes()
				w := do(t, fakeServer(f), tc.method, strings.Replace(tc.path, bad.id, bad.replacement, 1), tc.query, tc.body)
				requireDMSError(t, w, bad.code)
				require.Empty(t, f.recorded())
			})
		}
	}
}

// TestHandlers_OtherProject sends every project route with a well-formed
// project id that is not the signer's: with the SDK's X-Project-Id of the
// signer it is refused as a mismatch, with its own as a project that does
// not exist; the fakes are not called.
func TestHandlers_OtherProject(t *testing.T) {
	t.Parallel()
	const other = "ffffffffffffffffffffffffffffffff"
	for _, tc := range routeCases() {
		if !strings.Contains(tc.path, testProjectID) {
			continue
		}
		for _, header := range []struct{ project, code string }{
			{testProjectID, dmsd.EPROJECTMISMATCH},
			{other, dmsd.EPROJECTNOTFOUND},
		} {
			t.Run(tc.name+"/"+header.code, func(t *testing.T) {
				t.Parallel()
				f := newFakes()
				r, _ := signedBySDK(t, sdkRequest{
					Method: tc.method, Path: strings.Replace(tc.path, testProjectID, other, 1), Query: tc.query, Body: tc.body,
					Headers: map[string]string{"Content-Type": "application/json", "X-Project-Id": header.project},
				}, testAccessKey, testSecretKey, testSignTime)
				w := httptest.NewRecorder()
				fakeServer(f).ServeHTTP(w, r)
				requireDMSError(t, w, header.code)
				require.Empty(t, f.recorded())
			})
		}
	}
}

// TestHandlers_BadBodies sends every route that takes a body a body that is
// not JSON, one with a second value after it, no body, and one of another
// content type: each gets its DMS error and the fakes are not called.
func TestHandlers_BadBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range routeCases() {
		if tc.body == nil || tc.name == "public access is refused" {
			continue
		}
		for _, bad := range []struct {
			name        string
			body        any
			contentType string
			code        string
		}{
			{"not JSON", `{"name":`, "", dmsd.EINVALIDJSON},
			{"two values", `{} {}`, "", dmsd.EINVALIDJSON},
			{"an array", `[1,2]`, "", dmsd.EINVALIDJSON},
			{"not UTF-8", "{\"name\":\"\xff\"}", "", dmsd.EINVALIDJSON},
			{"empty", nil, "", dmsd.EEMPTYBODY},
			{"form", `{}`, "application/x-www-form-urlencoded", dmsd.ECONTENTTYPE},
		} {
			t.Run(tc.name+"/"+bad.name, func(t *testing.T) {
				t.Parallel()
				f := newFakes()
				headers := map[string]string{"Content-Type": "application/json"}
				r, _ := signedBySDK(t, sdkRequest{Method: tc.method, Path: tc.path, Query: tc.query, Body: bad.body, Headers: headers},
					testAccessKey, testSecretKey, testSignTime)
				// The SDK does not hash a body of another type, which the
				// server refuses; the type is not signed, so change it after.
				r.Header.Set("Content-Type", cmp.Or(bad.contentType, "application/json"))
				w := httptest.NewRecorder()
				fakeServer(f).ServeHTTP(w, r)
				requireDMSError(t, w, bad.code)
				require.Empty(t, f.recorded())
			})
		}
	}
}

// TestHandlers_RefusedInput sends requests that the HTTP layer refuses
// itself, whatever the service would say: wrong JSON types, out-of-range
// numbers, missing or unsupported fields and query parameters. Each gets
// its DMS error and the fakes are not called.
func TestHandlers_RefusedInput(t *testing.T) {
	t.Parallel()
	engineInstance := "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID
	withCreate := func(change func(map[string]any)) map[string]any {
		b := createBody()
		change(b)
		return b
	}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		query  map[string]any
		body   any
		code   string
	}{
		// Wrong JSON types: the SDK sends numbers and booleans as such.
		{"broker_num as a string", http.MethodPost, projectPath + "/kafka/instances", nil, withCreate(func(b map[string]any) { b["broker_num"] = "3" }), dmsd.EINVALIDJSON},
		{"broker_num past int", http.MethodPost, projectPath + "/kafka/instances", nil, `{"broker_num": 1e30}`, dmsd.EINVALIDJSON},
		{"zones as a string", http.MethodPost, projectPath + "/kafka/instances", nil, withCreate(func(b map[string]any) { b["available_zones"] = dmsd.DefaultZoneID }), dmsd.EINVALIDJSON},
		{"enable_auto_topic as a string", http.MethodPost, instancePath + "/autotopic", nil, map[string]any{"enable_auto_topic": "true"}, dmsd.EINVALIDJSON},
		{"partition as a float", http.MethodPost, instancePath + "/topics", nil, map[string]any{"id": "payments", "partition": 1.5}, dmsd.EINVALIDJSON},
		{"reset partition past int32", http.MethodPost, instancePath + "/management/groups/g1/reset-message-offset", nil, map[string]any{"partition": int64(1) << 31, "message_offset": 0}, dmsd.EINVALIDJSON},
		{"topics as an object", http.MethodPost, instancePath + "/topics/delete", nil, map[string]any{"topics": map[string]any{"a": 1}}, dmsd.EINVALIDJSON},

		// Creation: what dmsd does not offer, and contradictions.
		{"engine other than kafka", http.MethodPost, "/v2/rabbitmq/" + testProjectID + "/instances", nil, createBody(), dmsd.EUNSUPPORTEDENGINE},
		{"public ip", http.MethodPost, projectPath + "/kafka/instances", nil, withCreate(func(b map[string]any) { b["enable_publicip"] = true }), dmsd.EPUBLICACCESS},
		{"disk encryption", http.MethodPost, projectPath + "/kafka/instances", nil, withCreate(func(b map[string]any) { b["disk_encrypted_enable"] = true }), dmsd.EINVALID},
		{"a yearly or monthly subscription", http.MethodPost, projectPath + "/kafka/instances", nil, withCreate(func(b map[string]any) {
			b["bss_param"] = map[string]any{"charging_mode": "prePaid", "period_type": "month", "period_num": 1}
		}), dmsd.EINVALID},
		{"access user without ssl_enable", http.MethodPost, projectPath + "/kafka/instances", nil, withCreate(func(b map[string]any) { b["ssl_enable"] = false }), dmsd.EINVALID},
		{"unknown protocol", http.MethodPost, projectPath + "/kafka/instances", nil, withCreate(func(b map[string]any) { b["kafka_security_protocol"] = "SSL" }), dmsd.EINVALID},

		// Instance list query.
		{"instance limit 51", http.MethodGet, projectPath + "/instances", map[string]any{"limit": "51"}, nil, dmsd.ELIMIT},
		{"instance offset -1", http.MethodGet, projectPath + "/instances", map[string]any{"offset": "-1"}, nil, dmsd.EOFFSET},
		{"instance engine rabbitmq", http.MethodGet, projectPath + "/instances", map[string]any{"engine": "rabbitmq"}, nil, dmsd.EUNSUPPORTEDENGINE},
		{"exact_match_name yes", http.MethodGet, projectPath + "/instances", map[string]any{"exact_match_name": "yes"}, nil, dmsd.EINVALID},
		{"unknown instance query", http.MethodGet, projectPath + "/instances", map[string]any{"page": "2"}, nil, dmsd.EINVALID},

		// Task list query.
		{"task limit 0", http.MethodGet, instancePath + "/tasks", map[string]any{"limit": "0"}, nil, dmsd.ELIMIT},
		{"task limit 101", http.MethodGet, instancePath + "/tasks", map[string]any{"limit": "101"}, nil, dmsd.ELIMIT},
		{"task limit past int64", http.MethodGet, instancePath + "/tasks", map[string]any{"limit": "99999999999999999999"}, nil, dmsd.ELIMIT},
		{"task limit not a number", http.MethodGet, instancePath + "/tasks", map[string]any{"limit": "ten"}, nil, dmsd.EINVALID},
		{"task start 0", http.MethodGet, instancePath + "/tasks", map[string]any{"start": "0"}, nil, dmsd.EOFFSET},
		{"offset and start", http.MethodGet, instancePath + "/tasks", map[string]any{"start": "1", "offset": "0"}, nil, dmsd.EINVALID},
		{"begin_time malformed", http.MethodGet, instancePath + "/tasks", map[string]any{"begin_time": "2026-11-27"}, nil, dmsd.EINVALIDTIME},
		{"end before begin", http.MethodGet, instancePath + "/tasks", map[string]any{"begin_time": "20261127000000", "end_time": "20261126000000"}, nil, dmsd.EINVALIDTIME},
		{"unknown task query", http.MethodGet, instancePath + "/tasks", map[string]any{"sort": "asc"}, nil, dmsd.EINVALID},
		{"query on a route without any", http.MethodGet, taskURL, map[string]any{"limit": "1"}, nil, dmsd.EINVALID},
		{"scheduled limit 101", http.MethodGet, instancePath + "/scheduled-tasks", map[string]any{"limit": "101"}, nil, dmsd.ELIMIT},

		// Topics.
		{"topic limit 201", http.MethodGet, instancePath + "/topics", map[string]any{"limit": "201"}, nil, dmsd.ELIMIT},
		{"topic offset -1", http.MethodGet, instancePath + "/topics", map[string]any{"offset": "-1"}, nil, dmsd.EOFFSET},
		{"topic_desc", http.MethodPost, instancePath + "/topics", nil, map[string]any{"id": "payments", "topic_desc": "x"}, dmsd.EINVALID},
		{"config without value", http.MethodPost, instancePath + "/topics", nil, map[string]any{"id": "payments", "topic_other_configs": []map[string]string{{"name": "cleanup.policy"}}}, dmsd.EINVALIDCONFIG},
		{"config twice", http.MethodPost, instancePath + "/topics", nil, map[string]any{"id": "payments", "topic_other_configs": []map[string]string{{"name": "a", "value": "1"}, {"name": "a", "value": "2"}}}, dmsd.EINVALIDCONFIG},
		{"new_partition_brokers", http.MethodPut, instancePath + "/topics", nil, map[string]any{"topics": []map[string]any{{"id": "payments", "new_partition_brokers": []int{1}}}}, dmsd.EINVALID},
		{"broker config without name", http.MethodPut, instancePath + "/configs", nil, map[string]any{"kafka_configs": []map[string]string{{"value": "2"}}}, dmsd.EINVALIDCONFIG},

		// Instance operations.
		{"auto topic missing", http.MethodPost, instancePath + "/autotopic", nil, map[string]any{}, dmsd.EINVALID},
		{"action unknown", http.MethodPost, projectPath + "/instances/action", nil, map[string]any{"action": "stop", "instances": []string{fakeInstanceID}}, dmsd.EINVALIDACTION},
		{"action without instances", http.MethodPost, projectPath + "/instances/action", nil, map[string]any{"action": "restart"}, dmsd.EEMPTYINSTANCES},
		{"action with a bad id", http.MethodPost, projectPath + "/instances/action", nil, map[string]any{"action": "restart", "instances": []string{fakeInstanceID, "nope"}}, dmsd.EINVALIDINSTANCEID},
		{"action with 51 instances", http.MethodPost, projectPath + "/instances/action", nil, map[string]any{"action": "restart", "instances": make([]string, 51)}, dmsd.ETOOMANYINSTANCES},
		{"extend without oper_type", http.MethodPost, engineInstance + "/extend", nil, map[string]any{"new_broker_num": 5}, dmsd.EINVALID},
		{"extend storage without size", http.MethodPost, engineInstance + "/extend", nil, map[string]any{"oper_type": "storage"}, dmsd.EINVALID},
		{"extend with tenant ips", http.MethodPost, engineInstance + "/extend", nil, map[string]any{"oper_type": "horizontal", "new_broker_num": 5, "tenant_ips": []string{"10.0.0.1"}}, dmsd.EINVALID},
		{"extend on rabbitmq", http.MethodPost, "/v2/rabbitmq/" + testProjectID + "/instances/" + fakeInstanceID + "/extend", nil, map[string]any{"oper_type": "horizontal", "new_broker_num": 5}, dmsd.EUNSUPPORTEDENGINE},
		{"ssl switch without enable", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/plain-ssl-switch", nil, map[string]any{"protocol": "private_plain_enable"}, dmsd.EINVALID},
		{"ssl switch public", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/plain-ssl-switch", nil, map[string]any{"protocol": "public_plain_enable", "enable": true}, dmsd.EPUBLICACCESS},
		{"ssl switch with a user", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/plain-ssl-switch", nil, map[string]any{"protocol": "private_sasl_ssl_enable", "enable": true, "user_name": "u"}, dmsd.EINVALID},
		{"ssl switch on rabbitmq", http.MethodPost, projectPath + "/rabbitmq/instances/" + fakeInstanceID + "/plain-ssl-switch", nil, map[string]any{"protocol": "private_plain_enable", "enable": true}, dmsd.EUNSUPPORTEDENGINE},

		// Users.
		{"delete users without action", http.MethodPut, instancePath + "/users", nil, map[string]any{"users": []string{"reader1"}}, dmsd.EINVALID},
		{"delete no users", http.MethodPut, instancePath + "/users", nil, map[string]any{"action": "delete", "users": []string{}}, dmsd.EINVALID},
		{"password of a bad user name", http.MethodPut, instancePath + "/users/1x", nil, map[string]any{"new_password": "Other-2026x"}, dmsd.EINVALIDUSERNAME},
		{"rename a user", http.MethodPut, engineInstance + "/users/reader1", nil, map[string]any{"user_name": "reader2"}, dmsd.EINVALID},
		{"reset without partition", http.MethodPost, instancePath + "/management/groups/g1/reset-message-offset", nil, map[string]any{"topic": "payments", "message_offset": 0}, dmsd.EINVALID},

		// Reassignment and scheduled tasks.
		{"throttle 0", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/reassign", nil, map[string]any{"reassignments": []map[string]any{{"topic": "t"}}, "throttle": 0}, dmsd.EINVALID},
		{"throttle past int32", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/reassign", nil, map[string]any{"reassignments": []map[string]any{{"topic": "t"}}, "throttle": int64(1) << 31}, dmsd.EINVALID},
		{"schedule without time", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/reassign", nil, map[string]any{"reassignments": []map[string]any{{"topic": "t"}}, "is_schedule": true}, dmsd.EINVALID},
		{"execute_at past 9999", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/reassign", nil, map[string]any{"reassignments": []map[string]any{{"topic": "t"}}, "is_schedule": true, "execute_at": int64(253402300800000)}, dmsd.EINVALIDTIME},
		{"replication factor 0", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/reassign", nil, map[string]any{"reassignments": []map[string]any{{"topic": "t", "brokers": []int{1}, "replication_factor": 0}}}, dmsd.EINVALID},
		{"assignment without partition", http.MethodPost, projectPath + "/kafka/instances/" + fakeInstanceID + "/reassign", nil, map[string]any{"reassignments": []map[string]any{{"topic": "t", "assignment": []map[string]any{{"partition_brokers": []int{1}}}}}}, dmsd.EINVALID},
		{"reschedule and cancel", http.MethodPut, instancePath + "/scheduled-tasks/" + fakeTaskID, map[string]any{"execute_at": "1", "status": "CANCELLED"}, nil, dmsd.EINVALID},
		{"status other than cancelled", http.MethodPut, instancePath + "/scheduled-tasks/" + fakeTaskID, map[string]any{"status": "SUCCESS"}, nil, dmsd.EINVALID},
		{"execute_at malformed", http.MethodPut, instancePath + "/scheduled-tasks/" + fakeTaskID, map[string]any{"execute_at": "tomorrow"}, nil, dmsd.EINVALIDTIME},
		{"scheduled update without query", http.MethodPut, instancePath + "/scheduled-tasks/" + fakeTaskID, nil, nil, dmsd.EINVALID},

		// Routing.
		{"unknown route", http.MethodGet, instancePath + "/connectors", nil, nil, dmsd.ENOTFOUNDURL},
		{"wrong method", http.MethodPatch, instancePath, nil, nil, dmsd.EMETHOD},
		{"malformed project", http.MethodGet, "/v2/0123456789ABCDEF0123456789ABCDEF/instances", nil, nil, dmsd.EINVALIDPROJECTID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes()
			w := do(t, fakeServer(f), tc.method, tc.path, tc.query, tc.body)
			requireDMSError(t, w, tc.code)
			require.Empty(t, f.recorded())
		})
	}
}

// TestHandlers_UnknownFieldsIgnored checks that the HTTP layer ignores body
// fields it does not know, as the SDK ignores unknown answer fields: newer
// SDKs send fields this one does not have.
func TestHandlers_UnknownFieldsIgnored(t *testing.T) {
	t.Parallel()
	f := newFakes()
	w := do(t, fakeServer(f), http.MethodPost, instancePath+"/autotopic", nil, map[string]any{"enable_auto_topic": false, "added_in_2027": 1})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, []any{fakeInstanceID, false}, f.recorded()[0].Args)
}

// TestHandlers_Unauthenticated refuses a request without a signature, or
// signed with another secret, before any call.
func TestHandlers_Unauthenticated(t *testing.T) {
	t.Parallel()
	f := newFakes()
	s := fakeServer(f)

	r := httptest.NewRequest(http.MethodGet, instancePath, nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	requireDMSError(t, w, dmsd.ETOKENMISSING)

	r, _ = signedBySDK(t, sdkRequest{Method: http.MethodDelete, Path: instancePath}, testAccessKey, "another-secret", testSignTime)
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	requireDMSError(t, w, dmsd.ETOKENINVALID)

	r, _ = signedBySDK(t, sdkRequest{Method: http.MethodDelete, Path: instancePath}, testAccessKey, testSecretKey, testSignTime.Add(-maxSkew-time.Second))
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	requireDMSError(t, w, dmsd.ETOKENEXPIRED)
	require.Empty(t, f.recorded())
}

// TestHandlers_ReplayReachesService sends one signed mutating request twice:
// the service runs the first as fresh and the second marked as a replay
// (dmsd.Replayed), so that it can refuse to apply it again; a read is never
// marked.
func TestHandlers_ReplayReachesService(t *testing.T) {
	t.Parallel()
	f := newFakes()
	s := fakeServer(f)
	r, body := signedBySDK(t, sdkRequest{Method: http.MethodDelete, Path: instancePath, Headers: map[string]string{"Content-Type": "application/json"}},
		testAccessKey, testSecretKey, testSignTime)
	for range 2 {
		again := r.Clone(r.Context())
		again.Body = io.NopCloser(bytes.NewReader(body))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, again)
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	}
	get, _ := signedBySDK(t, sdkRequest{Method: http.MethodGet, Path: instancePath + "/tasks"}, testAccessKey, testSecretKey, testSignTime)
	for range 2 {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, get.Clone(get.Context()))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	calls := f.recorded()
	require.Equal(t, []string{"DeleteInstance", "DeleteInstance", "ListTasks", "ListTasks"}, methodsOf(calls))
	require.Equal(t, []bool{false, true, false, false}, []bool{calls[0].Replayed, calls[1].Replayed, calls[2].Replayed, calls[3].Replayed})
}

// TestHandlers_Probes serves /livez, /healthz and /readyz without a
// signature; /readyz answers 503 EUNAVAILABLE while the readiness check
// fails, without its text.
func TestHandlers_Probes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var notReady error
	s := NewServer(Config{Store: fakeStore{fakes: newFakes()}, Logger: slog.New(slog.DiscardHandler), Ready: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		return notReady
	}})
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	for _, path := range []string{"/livez", "/healthz", "/readyz"} {
		w := get(path)
		require.Equal(t, http.StatusOK, w.Code, path)
		require.Equal(t, map[string]any{"status": "ok"}, jsonKeys(t, w))
	}
	mu.Lock()
	notReady = errors.New("dial tcp 10.0.0.5:5432: connection refused")
	mu.Unlock()
	w := get("/readyz")
	requireDMSError(t, w, dmsd.EUNAVAILABLE)
	require.NotContains(t, w.Body.String(), "10.0.0.5")
	require.Equal(t, http.StatusOK, get("/livez").Code, "liveness does not follow the database")
}

// TestHandlers_InstanceShapes shows instances of each kind through GET
// .../instances/{instance_id}: the SDK decodes every one, a password never
// appears, and the access methods and addresses follow the listeners.
func TestHandlers_InstanceShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(inst *dmsd.Instance)
		check  func(t *testing.T, out *model.ShowInstanceResponse)
	}{
		{
			name:   "plaintext",
			change: func(*dmsd.Instance) {},
			check: func(t *testing.T, out *model.ShowInstanceResponse) {
				require.False(t, *out.SslEnable)
				require.True(t, *out.PortProtocols.PrivatePlainEnable)
				require.Equal(t, "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094", *out.KafkaPrivateConnectAddress)
				require.Contains(t, *out.CrossVpcInfo, `"127.0.0.1:19093":{"advertised_ip":"127.0.0.1","port":19093`)
				require.Equal(t, "cluster", out.Type.Value())
			},
		},
		{
			name: "SASL over TLS",
			change: func(inst *dmsd.Instance) {
				inst.AccessUser, inst.AccessPassword, inst.SASLMechanisms, inst.SSLEnabled = "admin1", "Secret-2026x", []string{dmsd.MechanismPlain}, true
			},
			check: func(t *testing.T, out *model.ShowInstanceResponse) {
				require.True(t, *out.SslEnable)
				require.True(t, *out.EnableAcl)
				require.Equal(t, dmsd.SASLSSL, *out.KafkaSecurityProtocol)
				require.Equal(t, "admin1", *out.AccessUser)
				require.True(t, *out.PortProtocols.PrivateSaslSslEnable)
				require.False(t, *out.PortProtocols.PrivatePlainEnable)
			},
		},
		{
			name: "SASL in plaintext",
			change: func(inst *dmsd.Instance) {
				inst.AccessUser, inst.AccessPassword, inst.SASLMechanisms = "admin1", "Secret-2026x", []string{dmsd.MechanismScramSHA512}
			},
			check: func(t *testing.T, out *model.ShowInstanceResponse) {
				require.Equal(t, dmsd.SASLPlaintext, *out.KafkaSecurityProtocol)
				require.True(t, *out.PortProtocols.PrivateSaslPlaintextEnable)
			},
		},
		{
			name:   "not running",
			change: func(inst *dmsd.Instance) { inst.Status = dmsd.InstanceCreating },
			check: func(t *testing.T, out *model.ShowInstanceResponse) {
				require.Equal(t, "CREATING", *out.Status)
				require.Nil(t, out.CrossVpcInfo, "no address before the brokers run")
				require.Empty(t, *out.ConnectAddress)
			},
		},
		{
			name: "external",
			change: func(inst *dmsd.Instance) {
				inst.Ports = nil
				inst.External = &dmsd.ExternalCluster{BootstrapServers: []string{"kafka-1.example:9092", "kafka-2.example:9092"},
					SASLMechanism: "SCRAM-SHA-512", Username: "dmsd", Password: "Secret-2026x"}
			},
			check: func(t *testing.T, out *model.ShowInstanceResponse) {
				require.Equal(t, "kafka-1.example", *out.ConnectAddress)
				require.Equal(t, int32(9092), *out.Port)
				require.Equal(t, "kafka-1.example:9092,kafka-2.example:9092", *out.KafkaPrivateConnectAddress)
				require.Nil(t, out.PortProtocols, "dmsd does not know an external cluster's listeners")
			},
		},
		{
			name:   "single broker",
			change: func(inst *dmsd.Instance) { inst.BrokerNum, inst.Ports = 1, []int{19092} },
			check: func(t *testing.T, out *model.ShowInstanceResponse) {
				require.Equal(t, "single", out.Type.Value())
				require.Equal(t, "100", *out.PartitionNum)
			},
		},
		{
			name:   "storage past int32",
			change: func(inst *dmsd.Instance) { inst.StorageSpace = 1 << 40 },
			check: func(t *testing.T, out *model.ShowInstanceResponse) {
				require.Equal(t, int32(1<<31-1), *out.StorageSpace, "clamped to what the SDK decodes")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes()
			tc.change(f.instance)
			w := do(t, fakeServer(f), http.MethodGet, instancePath, nil, nil)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.NotContains(t, w.Body.String(), "Secret-2026x")
			tc.check(t, decodeAsSDK[model.ShowInstanceResponse](t, w))
		})
	}
}
