package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

// producedRecords writes recs synchronously, each to its own partition, and
// returns them with the offsets and timestamps the cluster gave them.
func producedRecords(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) []*kgo.Record {
	t.Helper()
	require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())
	return recs
}

// consumeAt returns the record of topic/partition at offset, read by a
// plain Kafka client.
func consumeAt(t *testing.T, seed func(...kgo.Opt) *kgo.Client, topic string, partition int32, offset int64) *kgo.Record {
	t.Helper()
	cl := seed(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {partition: kgo.NewOffset().At(offset)}}))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "no record at %s/%d@%d", topic, partition, offset)
		for _, r := range fs.Records() {
			if r.Offset == offset {
				return r
			}
		}
	}
}

// startOffsets returns the log start offsets of topic as Kafka reports them.
func startOffsets(t *testing.T, adm *kadm.Client, topic string) map[int32]int64 {
	t.Helper()
	listed, err := adm.ListStartOffsets(context.Background(), topic)
	require.NoError(t, err)
	out := map[int32]int64{}
	listed.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// endOffsets returns the end offsets of topic as Kafka reports them.
func endOffsets(t *testing.T, adm *kadm.Client, topic string) map[int32]int64 {
	t.Helper()
	listed, err := adm.ListEndOffsets(context.Background(), topic)
	require.NoError(t, err)
	out := map[int32]int64{}
	listed.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

func createTopic(t *testing.T, c *kafkasdk.KafkaClient, id, name string, partitions int32) {
	t.Helper()
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{
		Id: name, Partition: ptr(partitions), Replication: ptr(int32(1)),
	}})
	require.NoError(t, err)
}

func ms(ts time.Time) string { return strconv.FormatInt(ts.UnixMilli(), 10) }

// TestMessagesEmbedded drives every message operation with the SDK against
// an embedded instance and checks each answer against what a Kafka client
// produced, consumes and sees.
func TestMessagesEmbedded(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "messages-cluster", 1, false)
	id := *inst.InstanceId
	createTopic(t, c, id, "orders", 2)
	seed := func(opts ...kgo.Opt) *kgo.Client { return kafkaClient(t, inst, opts...) }
	runMessageChecks(t, s, id, seed)

	// Refusals that need no records.
	_, err := c.ShowPartitionBeginningMessage(&model.ShowPartitionBeginningMessageRequest{InstanceId: id, Topic: "orders", Partition: 9})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EMSGPARTITION)
	_, err = c.ShowInstanceMessages(&model.ShowInstanceMessagesRequest{InstanceId: id, Topic: "orders", StartTime: ptr("0"), Limit: ptr("51")})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ELIMIT)
	_, err = c.ShowInstanceMessages(&model.ShowInstanceMessagesRequest{InstanceId: id, Topic: "orders", StartTime: ptr("9"), EndTime: ptr("8")})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDTIME)
	_, err = c.ShowInstanceMessages(&model.ShowInstanceMessagesRequest{InstanceId: id, Topic: "orders", StartTime: ptr("yesterday")})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDTIME)
	_, err = c.SendKafkaMessage(&model.SendKafkaMessageRequest{InstanceId: id, ActionId: "produce", Body: &model.SendKafkaMessageRequestBody{Topic: "orders", Body: "x"}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDACTION)
	_, err = c.ShowPartitionMessage(&model.ShowPartitionMessageRequest{InstanceId: "not-an-id", Topic: "orders", Partition: 0, MessageOffset: "0"})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDINSTANCEID)

	// Another project's instance is not found.
	_, err = s.client(1).ShowPartitionEndMessage(&model.ShowPartitionEndMessageRequest{InstanceId: id, Topic: "orders", Partition: 0})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)

	// A window holding more records than one query may read is refused,
	// however small the page: a query cannot pull a whole topic.
	createTopic(t, c, id, "wide", 1)
	wide := make([]*kgo.Record, dmsd.MaxWindowRecords+1)
	for i := range wide {
		wide[i] = &kgo.Record{Topic: "wide", Value: []byte("v")}
	}
	producedRecords(t, seed(), wide...)
	_, err = c.ShowMessages(&model.ShowMessagesRequest{InstanceId: id, Topic: "wide", Limit: ptr(int32(1))})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EQUERYTOOLARGE)
	// Its last records, a narrow window, are read.
	last := consumeAt(t, seed, "wide", 0, int64(dmsd.MaxWindowRecords))
	got, err := c.ShowMessages(&model.ShowMessagesRequest{InstanceId: id, Topic: "wide", StartTime: ptr(ms(last.Timestamp)), Limit: ptr(int32(1))})
	require.NoError(t, err)
	require.NotZero(t, *got.MessagesCount)
	require.LessOrEqual(t, *got.MessagesCount, int32(dmsd.MaxWindowRecords))
}

// TestMessagesExternal runs the same checks on an external cluster, reached
// with SCRAM through the address policy.
func TestMessagesExternal(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "1", "-scram", "admin:admin-secret")
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)
	id := s.createExternal(t, "external-messages", map[string]any{"bootstrap_servers": addrs, "sasl_mechanism": "SCRAM-SHA-512", "username": "admin", "password": "admin-secret"})
	createTopic(t, c, id, "orders", 2)
	seed := func(opts ...kgo.Opt) *kgo.Client {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...),
			kgo.SASL(scram.Auth{User: "admin", Pass: "admin-secret"}.AsSha512Mechanism())}, opts...)...)
		require.NoError(t, err)
		t.Cleanup(cl.Close)
		return cl
	}
	runMessageChecks(t, s, id, seed)
}

// runMessageChecks produces records to the two partitions of the topic
// orders of instance id with a Kafka client from seed, and checks every
// message operation against them; the topic must be empty.
func runMessageChecks(t *testing.T, s *testServer, id string, seed func(...kgo.Opt) *kgo.Client) {
	c := s.client(0)
	t.Helper()
	adm := func() *kadm.Client { return kadm.NewClient(seed()) }
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	big := strings.Repeat("b", dmsd.MessageValueCap+100)
	binary := []byte{0xff, 0xfe, 'x', 0x00}
	var recs []*kgo.Record
	for i := range 5 {
		recs = append(recs, &kgo.Record{Topic: "orders", Partition: 0, Key: []byte("k" + strconv.Itoa(i)),
			Value: []byte("order-" + strconv.Itoa(i)), Timestamp: base.Add(time.Duration(2*i) * time.Second)})
	}
	recs = append(recs,
		&kgo.Record{Topic: "orders", Partition: 1, Key: []byte("k1"), Value: []byte("order-p1"), Timestamp: base.Add(1 * time.Second)},
		&kgo.Record{Topic: "orders", Partition: 1, Value: binary, Timestamp: base.Add(3 * time.Second)},
		&kgo.Record{Topic: "orders", Partition: 1, Value: []byte(big), Timestamp: base.Add(5 * time.Second)},
	)
	producedRecords(t, seed(kgo.RecordPartitioner(kgo.ManualPartitioner())), recs...)

	// A message by partition and offset is what was produced.
	for _, r := range []*kgo.Record{recs[2], recs[5]} {
		got, err := c.ShowPartitionMessage(&model.ShowPartitionMessageRequest{InstanceId: id, Topic: "orders", Partition: r.Partition, MessageOffset: strconv.FormatInt(r.Offset, 10)})
		require.NoError(t, err)
		require.Len(t, *got.Message, 1)
		m := (*got.Message)[0]
		require.Equal(t, string(r.Key), *m.Key)
		require.Equal(t, string(r.Value), *m.Value)
		require.Equal(t, r.Offset, *m.MessageOffset)
		require.Equal(t, r.Partition, *m.Partition)
		require.Equal(t, r.Timestamp.UnixMilli(), *m.Timestamp)
		require.Equal(t, int32(len(r.Key)+len(r.Value)), *m.Size)
	}
	// The same through ShowInstanceMessages; a value that is not UTF-8 is
	// its base64, a long one is cut and flagged unless downloaded.
	at := func(r *kgo.Record, download bool) model.MessagesEntity {
		got, err := c.ShowInstanceMessages(&model.ShowInstanceMessagesRequest{InstanceId: id, Topic: "orders",
			Partition: ptr(strconv.Itoa(int(r.Partition))), MessageOffset: ptr(strconv.FormatInt(r.Offset, 10)), Download: ptr(download)})
		require.NoError(t, err)
		require.Equal(t, int64(1), *got.Total)
		return (*got.Messages)[0]
	}
	require.Equal(t, "order-3", *at(recs[3], false).Value)
	require.Equal(t, base64.StdEncoding.EncodeToString(binary), *at(recs[6], false).Value)
	cut := at(recs[7], false)
	require.True(t, *cut.HugeMessage)
	require.Equal(t, big[:dmsd.MessageValueCap], *cut.Value)
	require.Equal(t, int32(len(big)), *cut.Size)
	full := at(recs[7], true)
	require.False(t, *full.HugeMessage)
	require.Equal(t, big, *full.Value)

	// The first and last message of a partition, as Kafka lists them.
	begin, err := c.ShowPartitionBeginningMessage(&model.ShowPartitionBeginningMessageRequest{InstanceId: id, Topic: "orders", Partition: 0})
	require.NoError(t, err)
	require.Equal(t, int32(startOffsets(t, adm(), "orders")[0]), *begin.Offset)
	require.Equal(t, recs[0].Timestamp.UnixMilli(), *begin.Timestamp)
	end, err := c.ShowPartitionEndMessage(&model.ShowPartitionEndMessageRequest{InstanceId: id, Topic: "orders", Partition: 0})
	require.NoError(t, err)
	require.Equal(t, int32(endOffsets(t, adm(), "orders")[0]-1), *end.Offset)
	require.Equal(t, recs[4].Timestamp.UnixMilli(), *end.Timestamp)

	// A time window over both partitions, sorted by time, filtered and paged.
	window := func(req model.ShowInstanceMessagesRequest) *model.ShowInstanceMessagesResponse {
		req.InstanceId, req.Topic = id, "orders"
		got, err := c.ShowInstanceMessages(&req)
		require.NoError(t, err)
		return got
	}
	all := window(model.ShowInstanceMessagesRequest{StartTime: ptr(ms(base)), EndTime: ptr(ms(base.Add(time.Minute))), Limit: ptr("50")})
	require.Equal(t, int64(len(recs)), *all.Total)
	var want, gotTimes []int64
	for _, r := range recs {
		want = append(want, r.Timestamp.UnixMilli())
	}
	slices.Sort(want)
	for _, m := range *all.Messages {
		gotTimes = append(gotTimes, *m.Timestamp)
	}
	require.Equal(t, want, gotTimes, "sorted by time")
	// end_time is included, start_time too.
	mid := window(model.ShowInstanceMessagesRequest{StartTime: ptr(ms(base.Add(2 * time.Second))), EndTime: ptr(ms(base.Add(4 * time.Second)))})
	require.Equal(t, int64(3), *mid.Total)
	desc := window(model.ShowInstanceMessagesRequest{StartTime: ptr(ms(base)), EndTime: ptr(ms(base.Add(time.Minute))), Asc: ptr(false), Limit: ptr("2"), Offset: ptr("1")})
	require.Equal(t, int64(len(recs)), *desc.Total)
	require.Len(t, *desc.Messages, 2)
	require.Equal(t, base.Add(5*time.Second).UnixMilli(), *(*desc.Messages)[0].Timestamp, "page 1 of 2, newest first")
	kw := window(model.ShowInstanceMessagesRequest{StartTime: ptr(ms(base)), Keyword: ptr("der-p")})
	require.Equal(t, int64(1), *kw.Total)
	require.Equal(t, "order-p1", *(*kw.Messages)[0].Value)
	byKey := window(model.ShowInstanceMessagesRequest{StartTime: ptr(ms(base)), Key: ptr("k1")})
	require.Equal(t, int64(2), *byKey.Total, "k1 is in both partitions")
	onP1 := window(model.ShowInstanceMessagesRequest{StartTime: ptr(ms(base)), Key: ptr("k1"), Partition: ptr("1")})
	require.Equal(t, int64(1), *onP1.Total)

	// ShowMessages: the same window without keys and values.
	shown, err := c.ShowMessages(&model.ShowMessagesRequest{InstanceId: id, Topic: "orders", StartTime: ptr(ms(base)), Limit: ptr(int32(3)), Partition: ptr("0")})
	require.NoError(t, err)
	require.Equal(t, int32(5), *shown.MessagesCount)
	require.Equal(t, int32(2), *shown.OffsetsCount, "5 messages, 3 a page")
	require.Len(t, *shown.Messages, 3)
	require.Equal(t, recs[0].Offset, *(*shown.Messages)[0].MessageOffset)

	// A send, with key, headers and partition, is what a consumer reads.
	sent, err := c.SendKafkaMessage(&model.SendKafkaMessageRequest{InstanceId: id, ActionId: "send", Body: &model.SendKafkaMessageRequestBody{
		Topic: "orders", Body: "sent-through-api",
		PropertyList: []model.SendKafkaMessageRequestBodyPropertyList{
			{Name: ptr("KEY"), Value: ptr("sent-key")}, {Name: ptr("PARTITION"), Value: ptr("1")}, {Name: ptr("trace"), Value: ptr("abc")},
		},
	}})
	require.NoError(t, err)
	require.Equal(t, "sent-through-api", *sent.Body)
	props := map[string]string{}
	for _, p := range *sent.PropertyList {
		pm := p.(map[string]any)
		props[pm["name"].(string)] = pm["value"].(string)
	}
	require.Equal(t, "1", props["PARTITION"])
	off, err := strconv.ParseInt(props["OFFSET"], 10, 64)
	require.NoError(t, err)
	r := consumeAt(t, seed, "orders", 1, off)
	require.Equal(t, "sent-through-api", string(r.Value))
	require.Equal(t, "sent-key", string(r.Key))
	require.Equal(t, []kgo.RecordHeader{{Key: "trace", Value: []byte("abc")}}, r.Headers)

	// A send that is refused writes nothing.
	ends := endOffsets(t, adm(), "orders")
	_, err = c.SendKafkaMessage(&model.SendKafkaMessageRequest{InstanceId: id, ActionId: "send", Body: &model.SendKafkaMessageRequestBody{
		Topic: "orders", Body: "nowhere", PropertyList: []model.SendKafkaMessageRequestBodyPropertyList{{Name: ptr("PARTITION"), Value: ptr("7")}}}})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EMSGPARTITION)
	_, err = c.SendKafkaMessage(&model.SendKafkaMessageRequest{InstanceId: id, ActionId: "send", Body: &model.SendKafkaMessageRequestBody{Topic: "no-such-topic", Body: "x"}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)
	_, err = c.SendKafkaMessage(&model.SendKafkaMessageRequest{InstanceId: id, ActionId: "send", Body: &model.SendKafkaMessageRequestBody{Topic: "orders", Body: strings.Repeat("x", dmsd.MaxSendBytes+1)}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EMSGTOOLARGE)
	require.Equal(t, ends, endOffsets(t, adm(), "orders"))

	// Reads of what does not exist.
	_, err = c.ShowPartitionMessage(&model.ShowPartitionMessageRequest{InstanceId: id, Topic: "orders", Partition: 0, MessageOffset: "99"})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EMSGOFFSET)
	_, err = c.ShowPartitionMessage(&model.ShowPartitionMessageRequest{InstanceId: id, Topic: "orders", Partition: 5, MessageOffset: "0"})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EMSGPARTITION)
	_, err = c.ShowPartitionMessage(&model.ShowPartitionMessageRequest{InstanceId: id, Topic: "orders", Partition: 0, MessageOffset: "first"})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.ShowMessages(&model.ShowMessagesRequest{InstanceId: id, Topic: "no-such-topic"})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)

	// A delete moves the start offset; a refused one moves nothing.
	_, err = c.DeleteKafkaTopicMessages(&model.DeleteKafkaTopicMessagesRequest{InstanceId: id, Topic: "orders", Body: &model.DeleteKafkaMessageRequestBody{
		Partitions: &[]model.PartitionOffsetEntity{{Partition: ptr(int32(0)), Offset: ptr(int32(3))}, {Partition: ptr(int32(1)), Offset: ptr(int32(99))}}}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EMSGDELETEAHEAD)
	_, err = c.DeleteKafkaTopicMessages(&model.DeleteKafkaTopicMessagesRequest{InstanceId: id, Topic: "orders", Body: &model.DeleteKafkaMessageRequestBody{
		Partitions: &[]model.PartitionOffsetEntity{{Partition: ptr(int32(4)), Offset: ptr(int32(1))}}}})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EMSGPARTITION)
	require.Equal(t, map[int32]int64{0: 0, 1: 0}, startOffsets(t, adm(), "orders"))
	deleted, err := c.DeleteKafkaTopicMessages(&model.DeleteKafkaTopicMessagesRequest{InstanceId: id, Topic: "orders", Body: &model.DeleteKafkaMessageRequestBody{
		Partitions: &[]model.PartitionOffsetEntity{{Partition: ptr(int32(0)), Offset: ptr(int32(3))}}}})
	require.NoError(t, err)
	require.Len(t, *deleted.Partitions, 1)
	require.Equal(t, "success", *(*deleted.Partitions)[0].Result)
	require.Equal(t, map[int32]int64{0: 3, 1: 0}, startOffsets(t, adm(), "orders"))
	begin, err = c.ShowPartitionBeginningMessage(&model.ShowPartitionBeginningMessageRequest{InstanceId: id, Topic: "orders", Partition: 0})
	require.NoError(t, err)
	require.Equal(t, int32(3), *begin.Offset)
	require.Equal(t, recs[3].Timestamp.UnixMilli(), *begin.Timestamp)
	_, err = c.ShowPartitionMessage(&model.ShowPartitionMessageRequest{InstanceId: id, Topic: "orders", Partition: 0, MessageOffset: "1"})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EMSGOFFSET)
	// The Terraform provider's path deletes as the SDK's does.
	status, body := s.signedDo(t, 0, sdkRequest{method: http.MethodDelete,
		pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/kafka/instances/" + id + "/topics/orders/messages",
		body:         `{"partitions":[{"partition":1,"offset":2}]}`, headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, body)
	require.JSONEq(t, `{"partitions":[{"partition":1,"result":"success"}]}`, body)
	require.Equal(t, map[int32]int64{0: 3, 1: 2}, startOffsets(t, adm(), "orders"))
	_, err = c.DeleteKafkaTopicMessages(&model.DeleteKafkaTopicMessagesRequest{InstanceId: id, Topic: "no-such-topic", Body: &model.DeleteKafkaMessageRequestBody{
		Partitions: &[]model.PartitionOffsetEntity{{Partition: ptr(int32(0)), Offset: ptr(int32(1))}}}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)
}

// TestReplayedMessageWritesNothing sends a captured send and a captured
// delete twice: the second of each is refused as a replay and the topic's
// offsets are what the first left.
func TestReplayedMessageWritesNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "replayed-messages", 1, false)
	id := *inst.InstanceId
	createTopic(t, c, id, "replayed", 1)
	adm := kadm.NewClient(kafkaClient(t, inst))
	json := map[string]string{"Content-Type": "application/json"}
	send := capture(t, s, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/" + id + "/messages/action?action_id=send",
		body: `{"topic":"replayed","body":"once","property_list":[]}`, headers: json})
	status, body := send.sendTo(t, s.url)
	require.Equal(t, http.StatusOK, status, body)
	status, body = send.sendTo(t, s.url)
	require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
	require.Equal(t, map[int32]int64{0: 1}, endOffsets(t, adm, "replayed"))

	producedRecords(t, kafkaClient(t, inst), &kgo.Record{Topic: "replayed", Value: []byte("two")}, &kgo.Record{Topic: "replayed", Value: []byte("three")})
	del := capture(t, s, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/kafka/instances/" + id + "/topics/replayed/messages/delete",
		body: `{"partitions":[{"partition":0,"offset":1}]}`, headers: json})
	status, body = del.sendTo(t, s.url)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, map[int32]int64{0: 1}, startOffsets(t, adm, "replayed"))
	status, body = del.sendTo(t, s.url)
	require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
	require.Equal(t, map[int32]int64{0: 1}, startOffsets(t, adm, "replayed"))
}
