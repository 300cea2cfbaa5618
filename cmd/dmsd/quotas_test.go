package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/dmsd/dmsd"
)

// describedQuotas returns the client quotas Kafka reports, keyed by entity
// ("topic=t", "user=u", "user=<default>, client-id=c" ...), as rate maps.
func describedQuotas(t *testing.T, adm *kadm.Client) map[string]map[string]float64 {
	t.Helper()
	described, err := adm.DescribeClientQuotas(context.Background(), false, nil)
	require.NoError(t, err)
	out := map[string]map[string]float64{}
	for _, d := range described {
		vals := map[string]float64{}
		for _, v := range d.Values {
			vals[v.Key] = v.Value
		}
		out[d.Entity.String()] = vals
	}
	return out
}

func TestTopicQuotas(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "topic-quotas", 1, false)
	id := *inst.InstanceId
	adm := kadm.NewClient(kafkaClient(t, inst))

	resp, err := c.CreateKafkaTopicQuota(&model.CreateKafkaTopicQuotaRequest{InstanceId: id,
		Body: &model.KafkaTopicQuota{Topic: ptr("quota-topic"), ProducerByteRate: ptr(int32(1048576)), ConsumerByteRate: ptr(int32(2097152))}})
	require.NoError(t, err)
	task := waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "SUCCESS", *task.Status)
	require.Equal(t, "kafkaTopicQuota", *task.Name)
	require.JSONEq(t, `{"action":"create","topic":"quota-topic","producer_byte_rate":1048576,"consumer_byte_rate":2097152}`, *task.Params)
	requireStepsDone(t, c, id, *resp.JobId, "ALTER_CLIENT_QUOTAS", "CHECK_CLIENT_QUOTAS")
	require.Equal(t, map[string]float64{"producer_byte_rate": 1048576, "consumer_byte_rate": 2097152}, describedQuotas(t, adm)["{topic=quota-topic}"])

	// Creating it again is refused; so is changing one that does not exist.
	_, err = c.CreateKafkaTopicQuota(&model.CreateKafkaTopicQuotaRequest{InstanceId: id,
		Body: &model.KafkaTopicQuota{Topic: ptr("quota-topic"), ProducerByteRate: ptr(int32(5))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EQUOTAEXISTS)
	_, err = c.ModifyKafkaTopicQuota(&model.ModifyKafkaTopicQuotaRequest{InstanceId: id,
		Body: &model.KafkaTopicQuota{Topic: ptr("no-such-quota"), ProducerByteRate: ptr(int32(5))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EQUOTANOTFOUND)
	_, err = c.CreateKafkaTopicQuota(&model.CreateKafkaTopicQuotaRequest{InstanceId: id, Body: &model.KafkaTopicQuota{Topic: ptr("quota-topic-2")}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.CreateKafkaTopicQuota(&model.CreateKafkaTopicQuotaRequest{InstanceId: id, Body: &model.KafkaTopicQuota{Topic: ptr("1bad"), ProducerByteRate: ptr(int32(5))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNAME)

	// Modify: only the producer rate remains.
	mod, err := c.ModifyKafkaTopicQuota(&model.ModifyKafkaTopicQuotaRequest{InstanceId: id,
		Body: &model.KafkaTopicQuota{Topic: ptr("quota-topic"), ProducerByteRate: ptr(int32(4096))}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *mod.JobId).Status)
	require.Equal(t, map[string]float64{"producer_byte_rate": 4096}, describedQuotas(t, adm)["{topic=quota-topic}"])

	shown, err := c.ShowKafkaTopicQuota(&model.ShowKafkaTopicQuotaRequest{InstanceId: id, Keyword: ptr("quota")})
	require.NoError(t, err)
	require.EqualValues(t, 1, *shown.Count)
	require.Equal(t, "quota-topic", *(*shown.Quotas)[0].Topic)
	require.EqualValues(t, 4096, *(*shown.Quotas)[0].ProducerByteRate)
	shown, err = c.ShowKafkaTopicQuota(&model.ShowKafkaTopicQuotaRequest{InstanceId: id, Keyword: ptr("other")})
	require.NoError(t, err)
	require.EqualValues(t, 0, *shown.Count)

	del, err := c.DeleteKafkaTopicQuota(&model.DeleteKafkaTopicQuotaRequest{InstanceId: id, Body: &model.KafkaTopicQuota{Topic: ptr("quota-topic")}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *del.JobId).Status)
	require.NotContains(t, describedQuotas(t, adm), "{topic=quota-topic}")
	shown, err = c.ShowKafkaTopicQuota(&model.ShowKafkaTopicQuotaRequest{InstanceId: id})
	require.NoError(t, err)
	require.EqualValues(t, 0, *shown.Count)
}

func TestUserClientQuotas(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "client-quotas", 1, false)
	id := *inst.InstanceId
	adm := kadm.NewClient(kafkaClient(t, inst))

	resp, err := c.CreateKafkaUserClientQuotaTask(&model.CreateKafkaUserClientQuotaTaskRequest{InstanceId: id,
		Body: &model.CreateKafkaUserClientQuotaTaskReq{User: ptr("alice"), Client: ptr("app-1"), ProducerByteRate: ptr(int64(1000))}})
	require.NoError(t, err)
	task := waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "SUCCESS", *task.Status)
	require.Equal(t, "kafkaUserClientQuota", *task.Name)
	require.JSONEq(t, `{"action":"create","user":"alice","client":"app-1","producer_byte_rate":1000}`, *task.Params)
	require.Equal(t, map[string]float64{"producer_byte_rate": 1000}, describedQuotas(t, adm)["{client-id=app-1, user=alice}"])

	def, err := c.CreateKafkaUserClientQuotaTask(&model.CreateKafkaUserClientQuotaTaskRequest{InstanceId: id,
		Body: &model.CreateKafkaUserClientQuotaTaskReq{UserDefault: ptr(true), ConsumerByteRate: ptr(int64(3000))}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *def.JobId).Status)
	require.Equal(t, map[string]float64{"consumer_byte_rate": 3000}, describedQuotas(t, adm)["{user=<default>}"])

	// Refusals.
	_, err = c.CreateKafkaUserClientQuotaTask(&model.CreateKafkaUserClientQuotaTaskRequest{InstanceId: id,
		Body: &model.CreateKafkaUserClientQuotaTaskReq{ProducerByteRate: ptr(int64(1))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.CreateKafkaUserClientQuotaTask(&model.CreateKafkaUserClientQuotaTaskRequest{InstanceId: id,
		Body: &model.CreateKafkaUserClientQuotaTaskReq{User: ptr("bob"), UserDefault: ptr(true), ProducerByteRate: ptr(int64(1))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.UpdateKafkaUserClientQuotaTask(&model.UpdateKafkaUserClientQuotaTaskRequest{InstanceId: id,
		Body: &model.UpdateKafkaUserClientQuotaTaskReq{User: ptr("bob"), ProducerByteRate: ptr(int64(1))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EQUOTANOTFOUND)

	upd, err := c.UpdateKafkaUserClientQuotaTask(&model.UpdateKafkaUserClientQuotaTaskRequest{InstanceId: id,
		Body: &model.UpdateKafkaUserClientQuotaTaskReq{User: ptr("alice"), Client: ptr("app-1"), ProducerByteRate: ptr(int64(2000)), ConsumerByteRate: ptr(int64(4000))}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *upd.JobId).Status)
	require.Equal(t, map[string]float64{"producer_byte_rate": 2000, "consumer_byte_rate": 4000}, describedQuotas(t, adm)["{client-id=app-1, user=alice}"])

	shown, err := c.ShowKafkaUserClientQuota(&model.ShowKafkaUserClientQuotaRequest{InstanceId: id})
	require.NoError(t, err)
	require.EqualValues(t, 2, *shown.Count)
	var alice model.QuotaResp
	for _, q := range *shown.Quotas {
		if q.User != nil && *q.User == "alice" {
			alice = q
		}
	}
	require.Equal(t, "app-1", *alice.Client)
	require.EqualValues(t, 2000, *alice.ProducerByteRate)
	require.EqualValues(t, 4000, *alice.ConsumerByteRate)
	paged, err := c.ShowKafkaUserClientQuota(&model.ShowKafkaUserClientQuotaRequest{InstanceId: id, Offset: ptr(int32(1)), Limit: ptr(int32(5))})
	require.NoError(t, err)
	require.Len(t, *paged.Quotas, 1)

	del, err := c.DeleteKafkaUserClientQuotaTask(&model.DeleteKafkaUserClientQuotaTaskRequest{InstanceId: id,
		Body: &model.DeleteKafkaUserClientQuotaTaskReq{User: ptr("alice"), Client: ptr("app-1")}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *del.JobId).Status)
	require.NotContains(t, describedQuotas(t, adm), "{client-id=app-1, user=alice}")
	require.Contains(t, describedQuotas(t, adm), "{user=<default>}")
}

func TestShowQuotasFollowsTheProjectQuota(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--max-instances-per-project", "2", "--max-brokers-per-project", "4")
	c := s.client(0)
	resources := func() map[string][2]int32 {
		t.Helper()
		resp, err := c.ShowQuotas(&model.ShowQuotasRequest{IncludeTagsQuota: ptr("true")})
		require.NoError(t, err)
		out := map[string][2]int32{}
		for _, r := range *resp.Quotas.Resources {
			out[*r.Type] = [2]int32{*r.Quota, *r.Used}
		}
		return out
	}
	require.Equal(t, map[string][2]int32{"kafkaInstance": {2, 0}, "kafkaBroker": {4, 0}, "tags": {dmsd.MaxTags, 0}}, resources())
	createInstance(t, c, "quota-one", 3, false)
	require.Equal(t, [2]int32{2, 1}, resources()["kafkaInstance"])
	require.Equal(t, [2]int32{4, 3}, resources()["kafkaBroker"])
	// What ShowQuotas leaves is what creation may take.
	_, err := c.CreateInstanceByEngine(newCreateRequest("quota-two", 3, false))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EBROKERQUOTA)
}
