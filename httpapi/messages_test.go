package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// fakeMessages is the dmsd.MessageService of fakes: every read answers
// fakeMessagesShown.
type fakeMessages struct {
	dmsd.MessageService
	*fakes
}

// fakeMessagesShown are the messages fakeMessages answers: a text one, one
// whose key and value are not UTF-8, and one cut at the value cap.
var fakeMessagesShown = []*dmsd.Message{
	{Topic: "orders", Partition: 0, Offset: 7, Key: []byte("k"), Value: []byte("hello"), Timestamp: 1568125036045, Size: 6},
	{Topic: "orders", Partition: 1, Offset: 8, Key: []byte{0xff, 0x00}, Value: []byte{0xc3, 0x28, 'x'}, Timestamp: 1568125036046, Size: 5},
	{Topic: "orders", Partition: 1, Offset: 9, Value: []byte("cut"), Timestamp: 1568125036047, Size: 9000, Truncated: true},
}

func (s fakeMessages) QueryMessages(ctx context.Context, actor dmsd.Actor, instanceID string, q *dmsd.MessageQuery) (*dmsd.MessagePage, error) {
	return &dmsd.MessagePage{Messages: fakeMessagesShown, Total: 30}, s.record(ctx, "QueryMessages", actor, instanceID, *q)
}

func (s fakeMessages) MessageAt(ctx context.Context, actor dmsd.Actor, instanceID string, q *dmsd.MessageQuery) (*dmsd.Message, error) {
	return fakeMessagesShown[1], s.record(ctx, "MessageAt", actor, instanceID, *q)
}

func (s fakeMessages) PartitionEdge(ctx context.Context, actor dmsd.Actor, instanceID, topic string, partition int32, last bool) (*dmsd.Message, error) {
	return &dmsd.Message{Topic: topic, Partition: partition, Offset: 9, Timestamp: 1568125039164}, s.record(ctx, "PartitionEdge", actor, instanceID, topic, partition, last)
}

func (s fakeMessages) SendMessage(ctx context.Context, actor dmsd.Actor, instanceID string, m *dmsd.Message) (*dmsd.Message, error) {
	out := *m
	out.Partition, out.Offset = 2, 41
	return &out, s.record(ctx, "SendMessage", actor, instanceID, *m)
}

func (s fakeMessages) DeleteMessages(ctx context.Context, actor dmsd.Actor, instanceID, topic string, before map[int32]int64) ([]dmsd.MessageDeletion, error) {
	return []dmsd.MessageDeletion{{Partition: 0}, {Partition: 1, Err: errOffsetOutOfRange{}}}, s.record(ctx, "DeleteMessages", actor, instanceID, topic, before)
}

// errOffsetOutOfRange is an error as Kafka's client library words it.
type errOffsetOutOfRange struct{}

func (errOffsetOutOfRange) Error() string {
	return "OFFSET_OUT_OF_RANGE: The requested offset is not within the range of offsets maintained by the server."
}

// messageRouteCases are the valid requests of the message routes.
func messageRouteCases() []routeCase {
	topicPath := instancePath + "/management/topics/orders"
	return []routeCase{
		{
			name: "instance messages window", method: http.MethodGet, path: instancePath + "/messages",
			query:  map[string]any{"topic": "orders", "start_time": "1000", "end_time": "2000", "limit": "3", "offset": "2", "asc": "false", "keyword": "he", "key": "k"},
			status: http.StatusOK, calls: []string{"QueryMessages"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				q := calls[0].Args[1].(dmsd.MessageQuery)
				require.Equal(t, dmsd.MessageQuery{Topic: "orders", Partition: -1, StartMs: 1000, EndMs: 2001, Keyword: "he", Key: "k",
					Desc: true, Skip: 6, Limit: 3, ValueCap: dmsd.MessageValueCap}, q)
				out := decodeAsSDK[model.ShowInstanceMessagesResponse](t, w)
				require.Equal(t, int64(30), *out.Total)
				require.Equal(t, int64(3), *out.Size)
				ms := *out.Messages
				require.Equal(t, "hello", *ms[0].Value)
				require.False(t, *ms[0].HugeMessage)
				require.Equal(t, base64.StdEncoding.EncodeToString([]byte{0xff, 0x00}), *ms[1].Key)
				require.Equal(t, base64.StdEncoding.EncodeToString([]byte{0xc3, 0x28, 'x'}), *ms[1].Value)
				require.Nil(t, ms[2].Key, "a record without a key shows none")
				require.True(t, *ms[2].HugeMessage)
				require.Equal(t, int32(9000), *ms[2].Size)
			},
		},
		{
			name: "instance message at offset", method: http.MethodGet, path: instancePath + "/messages",
			query:  map[string]any{"topic": "orders", "partition": "1", "message_offset": "8", "download": "true"},
			status: http.StatusOK, calls: []string{"MessageAt"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, dmsd.MessageQuery{Topic: "orders", Partition: 1, Offset: 8, ValueCap: dmsd.MessageDownloadCap}, calls[0].Args[1])
				out := decodeAsSDK[model.ShowInstanceMessagesResponse](t, w)
				require.Equal(t, int64(1), *out.Total)
				require.Equal(t, int64(8), *(*out.Messages)[0].MessageOffset)
			},
		},
		{
			name: "topic messages", method: http.MethodGet, path: topicPath + "/messages",
			query:  map[string]any{"start_time": "1000", "limit": "10", "offset": "1", "partition": "0"},
			status: http.StatusOK, calls: []string{"QueryMessages"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				q := calls[0].Args[1].(dmsd.MessageQuery)
				require.Equal(t, int32(0), q.Partition)
				require.Equal(t, 10, q.Skip)
				out := decodeAsSDK[model.ShowMessagesResponse](t, w)
				require.Equal(t, int32(30), *out.MessagesCount)
				require.Equal(t, int32(3), *out.OffsetsCount)
				require.Equal(t, int32(1), *out.Offset)
				require.NotContains(t, jsonKeys(t, w)["messages"].([]any)[0], "value", "ShowMessages shows no values")
			},
		},
		{
			name: "partition message", method: http.MethodGet, path: topicPath + "/partitions/1/message",
			query: map[string]any{"message_offset": "8"}, status: http.StatusOK, calls: []string{"MessageAt"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, dmsd.MessageQuery{Topic: "orders", Partition: 1, Offset: 8, ValueCap: dmsd.MessageValueCap}, calls[0].Args[1])
				out := decodeAsSDK[model.ShowPartitionMessageResponse](t, w)
				require.Equal(t, int64(8), *(*out.Message)[0].MessageOffset)
			},
		},
		{
			name: "partition beginning message", method: http.MethodGet, path: topicPath + "/partitions/2/beginning-message",
			status: http.StatusOK, calls: []string{"PartitionEdge"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, "orders", int32(2), false}, calls[0].Args)
				out := decodeAsSDK[model.ShowPartitionBeginningMessageResponse](t, w)
				require.Equal(t, int32(9), *out.Offset)
				require.Equal(t, int64(1568125039164), *out.Timestamp)
			},
		},
		{
			name: "partition end message", method: http.MethodGet, path: topicPath + "/partitions/2/end-message",
			status: http.StatusOK, calls: []string{"PartitionEdge"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, "orders", int32(2), true}, calls[0].Args)
				decodeAsSDK[model.ShowPartitionEndMessageResponse](t, w)
			},
		},
		{
			name: "send message", method: http.MethodPost, path: instancePath + "/messages/action", query: map[string]any{"action_id": "send"},
			body: map[string]any{"topic": "orders", "body": "hi", "property_list": []map[string]string{
				{"name": "KEY", "value": "k1"}, {"name": "partition", "value": "2"}, {"name": "trace", "value": "t"}}},
			status: http.StatusOK, calls: []string{"SendMessage"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, dmsd.Message{Topic: "orders", Partition: 2, Key: []byte("k1"), Value: []byte("hi"),
					Headers: []dmsd.MessageHeader{{Key: "trace", Value: []byte("t")}}}, calls[0].Args[1])
				out := decodeAsSDK[model.SendKafkaMessageResponse](t, w)
				require.Equal(t, "hi", *out.Body)
				b, err := json.Marshal(*out.PropertyList)
				require.NoError(t, err)
				require.JSONEq(t, `[{"name":"KEY","value":"k1"},{"name":"trace","value":"t"},{"name":"PARTITION","value":"2"},{"name":"OFFSET","value":"41"}]`, string(b))
			},
		},
		{
			name: "delete messages", method: http.MethodPost, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/topics/orders/messages/delete",
			body:   map[string]any{"partitions": []map[string]int{{"partition": 0, "offset": 3}, {"partition": 1, "offset": 5}}},
			status: http.StatusOK, calls: []string{"DeleteMessages"},
			check: func(t *testing.T, w *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, "orders", map[int32]int64{0: 3, 1: 5}}, calls[0].Args)
				out := decodeAsSDK[model.DeleteKafkaTopicMessagesResponse](t, w)
				ps := *out.Partitions
				require.Equal(t, "success", *ps[0].Result)
				require.Nil(t, ps[0].ErrorCode)
				require.Equal(t, "failed", *ps[1].Result)
				require.Equal(t, "OFFSET_OUT_OF_RANGE", *ps[1].ErrorCode)
			},
		},
		{
			name: "delete messages on the Terraform path", method: http.MethodDelete, path: projectPath + "/kafka/instances/" + fakeInstanceID + "/topics/orders/messages",
			body:   map[string]any{"partitions": []map[string]int{{"partition": 1, "offset": 2}}},
			status: http.StatusOK, calls: []string{"DeleteMessages"},
			check: func(t *testing.T, _ *httptest.ResponseRecorder, calls []fakeCall) {
				require.Equal(t, []any{fakeInstanceID, "orders", map[int32]int64{1: 2}}, calls[0].Args)
			},
		},
	}
}

// TestHandlers_MessagesRefusedInput sends message requests the HTTP layer
// refuses itself: each gets its DMS code and the service is not called.
func TestHandlers_MessagesRefusedInput(t *testing.T) {
	t.Parallel()
	topicPath := instancePath + "/management/topics/orders"
	deletePath := projectPath + "/kafka/instances/" + fakeInstanceID + "/topics/orders/messages/delete"
	for _, tc := range []struct {
		name   string
		method string
		path   string
		query  map[string]any
		body   any
		code   string
	}{
		{"no topic", http.MethodGet, instancePath + "/messages", map[string]any{"start_time": "0"}, nil, dmsd.EINVALID},
		{"limit above the page cap", http.MethodGet, instancePath + "/messages", map[string]any{"topic": "t", "limit": "51"}, nil, dmsd.ELIMIT},
		{"page past the window cap", http.MethodGet, instancePath + "/messages", map[string]any{"topic": "t", "limit": "50", "offset": "200"}, nil, dmsd.EOFFSET},
		{"start after end", http.MethodGet, instancePath + "/messages", map[string]any{"topic": "t", "start_time": "5", "end_time": "4"}, nil, dmsd.EINVALIDTIME},
		{"time not in ms", http.MethodGet, topicPath + "/messages", map[string]any{"start_time": "2026-01-01"}, nil, dmsd.EINVALIDTIME},
		{"keyword too long", http.MethodGet, instancePath + "/messages", map[string]any{"topic": "t", "keyword": string(make([]byte, 51))}, nil, dmsd.EINVALID},
		{"include", http.MethodGet, instancePath + "/messages", map[string]any{"topic": "t", "include": "x"}, nil, dmsd.EINVALID},
		{"download of a window", http.MethodGet, instancePath + "/messages", map[string]any{"topic": "t", "download": "true"}, nil, dmsd.EINVALID},
		{"offset without partition", http.MethodGet, instancePath + "/messages", map[string]any{"topic": "t", "message_offset": "1"}, nil, dmsd.EINVALID},
		{"bad partition in path", http.MethodGet, topicPath + "/partitions/-1/beginning-message", nil, nil, dmsd.EINVALID},
		{"no message_offset", http.MethodGet, topicPath + "/partitions/0/message", nil, nil, dmsd.EINVALID},
		{"unknown query parameter", http.MethodGet, topicPath + "/partitions/0/end-message", map[string]any{"offset": "1"}, nil, dmsd.EINVALID},
		{"action other than send", http.MethodPost, instancePath + "/messages/action", map[string]any{"action_id": "delete"}, map[string]any{"topic": "t", "body": "x"}, dmsd.EINVALIDACTION},
		{"send without body", http.MethodPost, instancePath + "/messages/action", map[string]any{"action_id": "send"}, map[string]any{"topic": "t"}, dmsd.EINVALID},
		{"send with a bad partition", http.MethodPost, instancePath + "/messages/action", map[string]any{"action_id": "send"},
			map[string]any{"topic": "t", "body": "x", "property_list": []map[string]string{{"name": "PARTITION", "value": "one"}}}, dmsd.EINVALID},
		{"delete a partition twice", http.MethodPost, deletePath, nil,
			map[string]any{"partitions": []map[string]int{{"partition": 0, "offset": 1}, {"partition": 0, "offset": 2}}}, dmsd.EINVALID},
		{"delete without offset", http.MethodPost, deletePath, nil, map[string]any{"partitions": []map[string]int{{"partition": 0}}}, dmsd.EINVALID},
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
