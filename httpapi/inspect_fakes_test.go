package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// fakeInspect is the dmsd.InspectService of fakes, with canned answers.
type fakeInspect struct {
	dmsd.InspectService
	*fakes
}

// fakeTopicDetail is a topic of two partitions on brokers 0 and 1, the
// second without a leader and with broker 1 out of sync.
var fakeTopicDetail = &dmsd.TopicDetail{
	Name: "orders-topic",
	Partitions: []dmsd.PartitionDetail{
		{Partition: 0, Leader: 0, Replicas: []int32{0, 1}, ISR: []int32{0, 1}, StartOffset: 2, EndOffset: 12, LastTimestamp: 1764547200000,
			Replica: map[int32]dmsd.ReplicaLog{0: {Size: 4096}, 1: {Size: 4096}}},
		{Partition: 1, Leader: -1, Replicas: []int32{1, 0}, ISR: []int32{0}, LastTimestamp: -1, Replica: map[int32]dmsd.ReplicaLog{}},
	},
	Groups: []string{"billing"},
}

func (s fakeInspect) TopicDetail(ctx context.Context, actor dmsd.Actor, instanceID, topic string) (*dmsd.TopicDetail, error) {
	return fakeTopicDetail, s.record(ctx, "TopicDetail", actor, instanceID, topic)
}

func (s fakeInspect) TopicProducers(ctx context.Context, actor dmsd.Actor, instanceID, topic string) ([]dmsd.Producer, error) {
	b := dmsd.Broker{ID: 0, Host: "127.0.0.1", Port: 19092}
	return []dmsd.Producer{{ProducerID: 7, Partition: 0, Leader: b}, {ProducerID: 7, Partition: 1, Leader: b}}, s.record(ctx, "TopicProducers", actor, instanceID, topic)
}

func (s fakeInspect) ClusterInfo(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.ClusterInfo, error) {
	return &dmsd.ClusterInfo{Controller: 1, Brokers: []dmsd.Broker{{ID: 0, Host: "127.0.0.1", Port: 19092}, {ID: 1, Host: "127.0.0.1", Port: 19093}},
		Topics: 1, Partitions: 2, OnlinePartitions: 1, Replicas: 4, ISRReplicas: 3, Groups: 1}, s.record(ctx, "ClusterInfo", actor, instanceID)
}

func (s fakeInspect) Coordinators(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.Coordinator, error) {
	return []dmsd.Coordinator{{Group: "billing", Broker: dmsd.Broker{ID: 1, Host: "127.0.0.1", Port: 19093}}}, s.record(ctx, "Coordinators", actor, instanceID)
}

func (s fakeInspect) DiskUsage(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.BrokerDisk, error) {
	return []dmsd.BrokerDisk{{Broker: 0, Total: 1 << 30, Usable: 1<<30 - 1<<20, Partitions: []dmsd.PartitionSize{
		{Topic: "orders-topic", Partition: 0, Size: 12 << 10}, {Topic: "orders-topic", Partition: 1, Size: 8 << 10},
	}}}, s.record(ctx, "DiskUsage", actor, instanceID)
}

func (s fakeInspect) CreatePartitions(ctx context.Context, actor dmsd.Actor, instanceID, topic string, n int) error {
	return s.record(ctx, "CreatePartitions", actor, instanceID, topic, n)
}

// inspectRouteCases are the route cases of topicdetail.go's handlers.
func inspectRouteCases() []routeCase {
	return []routeCase{
		{
			name: "topic detail", method: http.MethodGet, path: instancePath + "/management/topics/orders-topic", status: http.StatusOK,
			calls: []string{"TopicDetail"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, "orders-topic", calls[0].Args[1])
				out := decodeAsSDK[model.ShowInstanceTopicDetailResponse](t, w)
				ps := *out.Partitions
				require.Len(t, ps, 2)
				require.Equal(t, int32(12), *ps[0].Hw)
				require.Equal(t, int32(2), *ps[0].Lso)
				require.Equal(t, int32(4096), *(*ps[0].Replicas)[1].Size)
				require.False(t, *(*ps[1].Replicas)[0].InSync, "broker 1 is out of sync on partition 1")
				require.Nil(t, ps[1].LastUpdateTimestamp, "an empty partition has no last record")
				require.Equal(t, []string{"billing"}, *out.GroupSubscribed)
			},
		},
		{
			name: "kafka topic detail", method: http.MethodGet, path: "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/topics-detail/orders-topic",
			status: http.StatusOK, calls: []string{"TopicDetail"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				var out []model.KafkaTopicDetailEntity
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
				require.Equal(t, []int32{1, 0}, *(*out[0].Partitions)[1].Replicas)
			},
		},
		{
			name: "topic partitions", method: http.MethodGet, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/topics/orders-topic/partitions",
			query: map[string]any{"offset": "1", "limit": "1"}, status: http.StatusOK, calls: []string{"TopicDetail"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListTopicPartitionsResponse](t, w)
				require.Equal(t, int32(2), *out.Total)
				require.Len(t, *out.Partitions, 1)
				require.Equal(t, int32(1), *(*out.Partitions)[0].Partition)
			},
		},
		{
			name: "topic producers", method: http.MethodGet, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/topics/orders-topic/producers",
			status: http.StatusOK, calls: []string{"TopicProducers"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ListTopicProducersResponse](t, w)
				require.Equal(t, int32(1), *out.Total, "one producer on one broker is one entry")
				require.Equal(t, "127.0.0.1:19092", *(*out.Producers)[0].BrokerAddress)
			},
		},
		{
			name: "disk usage", method: http.MethodGet, path: instancePath + "/topics/diskusage",
			query: map[string]any{"top": "1"}, status: http.StatusOK, calls: []string{"DiskUsage"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowKafkaTopicPartitionDiskusageResponse](t, w)
				b := (*out.BrokerList)[0]
				require.Equal(t, "broker-0", *b.BrokerName)
				require.Equal(t, "1.0G", *b.DataDiskSize)
				require.Equal(t, "1.0M", *b.DataDiskUse)
				require.Len(t, *b.TopicList, 1, "top 1")
				require.Equal(t, "12K", *(*b.TopicList)[0].Size)
				require.Equal(t, "0", *(*b.TopicList)[0].TopicPartition)
			},
		},
		{
			name: "create partition", method: http.MethodPost, path: instancePath + "/management/topics/orders-topic/partitions-reassignment",
			body: map[string]any{"partition": 5}, status: http.StatusOK, calls: []string{"CreatePartitions"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, "orders-topic", 5}, calls[0].Args)
			},
		},
		{
			name: "show cluster", method: http.MethodGet, path: instancePath + "/management/cluster", status: http.StatusOK,
			calls: []string{"ClusterInfo"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowClusterResponse](t, w)
				require.Equal(t, "1", *out.Cluster.Controller, "controller is a string")
				require.True(t, *(*out.Cluster.Brokers)[1].IsController)
				require.True(t, *(*out.Cluster.Brokers)[1].IsHealth)
				require.Equal(t, int32(3), *out.Cluster.IsrReplicasCount)
			},
		},
		{
			name: "coordinators", method: http.MethodGet, path: instancePath + "/management/coordinators", status: http.StatusOK,
			calls: []string{"Coordinators"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
				out := decodeAsSDK[model.ShowCoordinatorsResponse](t, w)
				require.Equal(t, int32(1), *(*out.Coordinators)[0].Id)
				require.Equal(t, "billing", *(*out.Coordinators)[0].GroupId)
			},
		},
	}
}
