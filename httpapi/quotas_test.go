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

// fakeQuotas is the dmsd.QuotaService of fakes: it holds a topic quota and
// two user/client quotas.
type fakeQuotas struct{ *fakes }

func (s fakeQuotas) ChangeClientQuota(ctx context.Context, actor dmsd.Actor, instanceID string, change dmsd.QuotaChange, q dmsd.ClientQuota) (*dmsd.Task, error) {
	name := "kafkaUserClientQuota"
	if q.Topic != "" {
		name = "kafkaTopicQuota"
	}
	return s.newTask(name), s.record(ctx, "ChangeClientQuota", actor, instanceID, change, q)
}

func (s fakeQuotas) ClientQuotas(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.ClientQuota, error) {
	return []dmsd.ClientQuota{
		{Topic: "orders", ProducerByteRate: 1024},
		{User: "alice", Client: "app", ProducerByteRate: 10, ConsumerByteRate: 20},
		{UserDefault: true, ConsumerByteRate: 30},
	}, s.record(ctx, "ClientQuotas", actor, instanceID)
}

func (s fakeQuotas) ProjectQuota(ctx context.Context, actor dmsd.Actor) (dmsd.Quota, dmsd.Usage, error) {
	return dmsd.Quota{MaxInstances: 10}, dmsd.Usage{Instances: 2, Brokers: 4}, s.record(ctx, "ProjectQuota", actor, fakeInstanceID)
}

// quotaRouteCases are the valid requests of the client quota routes.
func quotaRouteCases() []routeCase {
	topicQuota := "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/kafka-topic-quota"
	clientQuota := "/v2/kafka/" + testProjectID + "/instances/" + fakeInstanceID + "/kafka-user-client-quota"
	checkChange := func(change dmsd.QuotaChange, q dmsd.ClientQuota) func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
		return func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
			require.Equal(t, fakeJobID, *decodeAsSDK[model.CreateKafkaTopicQuotaResponse](t, w).JobId)
			require.Equal(t, []any{fakeInstanceID, change, q}, calls[0].Args)
		}
	}
	var out []routeCase
	for _, c := range []struct {
		method string
		change dmsd.QuotaChange
	}{{http.MethodPost, dmsd.QuotaCreate}, {http.MethodPut, dmsd.QuotaModify}, {http.MethodDelete, dmsd.QuotaDelete}} {
		out = append(out, routeCase{
			name: "topic quota " + string(c.change), method: c.method, path: topicQuota,
			body:   map[string]any{"topic": "orders", "producer-byte-rate": 1024},
			status: http.StatusOK, calls: []string{"ChangeClientQuota"},
			check: checkChange(c.change, dmsd.ClientQuota{Topic: "orders", ProducerByteRate: 1024}),
		}, routeCase{
			name: "topic quota " + string(c.change) + " as the Node.js SDK writes it", method: c.method, path: topicQuota,
			body:   map[string]any{"topic": "orders", "producer_byte_rate": 1024, "consumer_byte_rate": 2048},
			status: http.StatusOK, calls: []string{"ChangeClientQuota"},
			check: checkChange(c.change, dmsd.ClientQuota{Topic: "orders", ProducerByteRate: 1024, ConsumerByteRate: 2048}),
		}, routeCase{
			name: "user client quota " + string(c.change), method: c.method, path: clientQuota,
			body:   map[string]any{"user": "alice", "client_default": true, "consumer_byte_rate": 20},
			status: http.StatusOK, calls: []string{"ChangeClientQuota"},
			check: checkChange(c.change, dmsd.ClientQuota{User: "alice", ClientDefault: true, ConsumerByteRate: 20}),
		})
	}
	return append(out, routeCase{
		name: "project quotas", method: http.MethodGet, path: projectPath + "/quotas", query: map[string]any{"includeTagsQuota": "true"},
		status: http.StatusOK, calls: []string{"ProjectQuota"},
		check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
			res := *decodeAsSDK[model.ShowQuotasResponse](t, w).Quotas.Resources
			require.Len(t, res, 3)
			require.Equal(t, "kafkaInstance", *res[0].Type)
			require.EqualValues(t, 10, *res[0].Quota)
			require.EqualValues(t, 2, *res[0].Used)
			require.EqualValues(t, -1, *res[1].Quota, "no broker limit")
		},
	}, routeCase{
		name: "show topic quotas", method: http.MethodGet, path: topicQuota, query: map[string]any{"keyword": "ord", "limit": "10", "offset": "0"},
		status: http.StatusOK, calls: []string{"ClientQuotas"},
		check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
			out := decodeAsSDK[model.ShowKafkaTopicQuotaResponse](t, w)
			require.EqualValues(t, 1, *out.Count)
			require.Equal(t, "orders", *(*out.Quotas)[0].Topic)
			require.EqualValues(t, 1024, *(*out.Quotas)[0].ProducerByteRate)
			// The Node.js SDK's KafkaTopicQuota reads the underscored keys.
			var raw struct {
				Quotas []map[string]any `json:"quotas"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &raw))
			require.EqualValues(t, 1024, raw.Quotas[0]["producer_byte_rate"])
		},
	}, routeCase{
		name: "show user client quotas", method: http.MethodGet, path: clientQuota, query: map[string]any{"offset": "1", "limit": "1"},
		status: http.StatusOK, calls: []string{"ClientQuotas"},
		check: func(t *testing.T, w *httptest.ResponseRecorder, _ []fakeCall) {
			out := decodeAsSDK[model.ShowKafkaUserClientQuotaResponse](t, w)
			require.EqualValues(t, 2, *out.Count)
			require.Len(t, *out.Quotas, 1)
			require.True(t, *(*out.Quotas)[0].UserDefault)
			require.EqualValues(t, 30, *(*out.Quotas)[0].ConsumerByteRate)
		},
	})
}
