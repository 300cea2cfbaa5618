package main

import (
	"context"
	"net/http"
	"testing"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// requireTaskCount asserts how many task records the instance has.
func requireTaskCount(t *testing.T, c *kafkasdk.KafkaClient, id, count string) {
	t.Helper()
	require.Equal(t, count, *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount)
}

// requireStepsDone asserts that every step of a task succeeded, with times.
func requireStepsDone(t *testing.T, c *kafkasdk.KafkaClient, id, taskID string, names ...string) {
	t.Helper()
	progress, err := c.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: id, TaskId: taskID})
	require.NoError(t, err)
	require.Equal(t, int32(100), *progress.ProgressPercentage)
	var got []string
	for _, step := range *progress.StepList {
		require.Equal(t, "COMPLETED", *step.Statue, *step.Name)
		require.NotEmpty(t, *step.StartTime)
		require.NotEmpty(t, *step.EndTime)
		got = append(got, *step.Name)
	}
	require.Equal(t, names, got)
}

func topicConfig(t *testing.T, adm *kadm.Client, topic, key string) string {
	t.Helper()
	rcs, err := adm.DescribeTopicConfigs(context.Background(), topic)
	require.NoError(t, err)
	rc, err := rcs.On(topic, nil)
	require.NoError(t, err)
	for _, c := range rc.Configs {
		if c.Key == key && c.Value != nil {
			return *c.Value
		}
	}
	return ""
}

func TestTopicLifecycle(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "topics-cluster", 3, false)
	id := *inst.InstanceId
	// A fresh client for every look, as kgo answers metadata requests from
	// its cache for a while.
	adm := func() *kadm.Client { return kadm.NewClient(kafkaClient(t, inst)) }
	ctx := context.Background()

	created, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{
		Id: "orders-topic", Partition: ptr(int32(6)), Replication: ptr(int32(3)), RetentionTime: ptr(int32(24)),
		TopicOtherConfigs: &[]model.CreateInstanceTopicReqTopicOtherConfigs{{Name: ptr("max.message.bytes"), Value: ptr("1000")}},
	}})
	require.NoError(t, err)
	require.Equal(t, "orders-topic", *created.Name)

	// The cluster has it, as a Kafka client sees it.
	details, err := adm().ListTopics(ctx, "orders-topic")
	require.NoError(t, err)
	require.Len(t, details["orders-topic"].Partitions, 6)
	require.Len(t, details["orders-topic"].Partitions[0].Replicas, 3)
	require.Equal(t, "86400000", topicConfig(t, adm(), "orders-topic", "retention.ms"))
	require.Equal(t, "1000", topicConfig(t, adm(), "orders-topic", "max.message.bytes"))
	producer := kafkaClient(t, inst, kgo.ProducerBatchCompression(kgo.NoCompression()))
	err = producer.ProduceSync(ctx, &kgo.Record{Topic: "orders-topic", Value: make([]byte, 5000)}).FirstErr()
	require.ErrorIs(t, err, kerr.MessageTooLarge, "the broker enforces the topic's max.message.bytes")
	require.NoError(t, producer.ProduceSync(ctx, &kgo.Record{Topic: "orders-topic", Value: []byte("small")}).FirstErr())

	// Defaults: 3 partitions, 3 replicas, 72 hours.
	_, err = c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "plain-topic"}})
	require.NoError(t, err)

	list, err := c.ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, int32(2), *list.Total)
	require.Equal(t, int32(300), *list.MaxPartitions)
	require.Equal(t, int32(300-9), *list.RemainPartitions)
	require.Equal(t, int32(200), *list.TopicMaxPartitions)
	topics := *list.Topics
	require.Equal(t, "orders-topic", *topics[0].Name)
	require.Equal(t, int32(6), *topics[0].Partition)
	require.Equal(t, int32(3), *topics[0].Replication)
	require.Equal(t, int32(24), *topics[0].RetentionTime)
	require.Equal(t, "plain-topic", *topics[1].Name)
	require.Equal(t, int32(3), *topics[1].Partition)
	require.Equal(t, int32(72), *topics[1].RetentionTime)
	for _, oc := range *topics[0].TopicOtherConfigs {
		if *oc.Name == "max.message.bytes" {
			require.Equal(t, "1000", *oc.Value)
		}
	}
	page, err := c.ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id, Offset: ptr("1"), Limit: ptr("1")})
	require.NoError(t, err)
	require.Len(t, *page.Topics, 1)
	require.Equal(t, "plain-topic", *(*page.Topics)[0].Name)

	_, err = c.UpdateInstanceTopic(&model.UpdateInstanceTopicRequest{InstanceId: id, Body: &model.UpdateInstanceTopicReq{Topics: &[]model.UpdateInstanceTopicReqTopics{{
		Id: "orders-topic", NewPartitionNumbers: ptr(int32(8)), RetentionTime: ptr(int32(48)), SyncMessageFlush: ptr(true), SyncReplication: ptr(true),
	}}}})
	require.NoError(t, err)
	details, err = adm().ListTopics(ctx, "orders-topic")
	require.NoError(t, err)
	require.Len(t, details["orders-topic"].Partitions, 8)
	require.Equal(t, "172800000", topicConfig(t, adm(), "orders-topic", "retention.ms"))
	require.Equal(t, "1", topicConfig(t, adm(), "orders-topic", "flush.messages"))
	require.Equal(t, "2", topicConfig(t, adm(), "orders-topic", "min.insync.replicas"))

	del, err := c.BatchDeleteInstanceTopic(&model.BatchDeleteInstanceTopicRequest{InstanceId: id, Body: &model.BatchDeleteInstanceTopicReq{Topics: &[]string{"orders-topic", "missing-topic"}}})
	require.NoError(t, err)
	require.Equal(t, "orders-topic", *(*del.Topics)[0].Id)
	require.True(t, *(*del.Topics)[0].Success)
	require.False(t, *(*del.Topics)[1].Success)
	details, err = adm().ListTopics(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"plain-topic"}, details.Names())

	// Topic operations are synchronous: the only task is the creation.
	requireTaskCount(t, c, id, "1")
}

func TestTopicBadRequests(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "topics-refused", 1, false)
	id := *inst.InstanceId
	adm := func() *kadm.Client { return kadm.NewClient(kafkaClient(t, inst)) }

	create := func(body model.CreateInstanceTopicReq) error {
		_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &body})
		return err
	}
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "too-many-replicas", Replication: ptr(int32(2))}), 400, dmsd.EREPLICATION)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "too-many-parts", Partition: ptr(int32(201))}), 400, dmsd.ETOPICPARTITIONS)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "zero-parts", Partition: ptr(int32(0))}), 400, dmsd.ETOPICPARTITIONS)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "replicas-21", Replication: ptr(int32(21))}), 400, dmsd.ETOPICREPLICAS)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "ab"}), 400, dmsd.ETOPICNAME)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "1starts-digit"}), 400, dmsd.ETOPICNAME)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "long-retention", RetentionTime: ptr(int32(169))}), 400, dmsd.ETOPICRETENTION)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "odd-config", TopicOtherConfigs: &[]model.CreateInstanceTopicReqTopicOtherConfigs{{Name: ptr("no.such.config"), Value: ptr("1")}}}), 400, dmsd.EINVALIDCONFIG)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "bad-value", TopicOtherConfigs: &[]model.CreateInstanceTopicReqTopicOtherConfigs{{Name: ptr("max.message.bytes"), Value: ptr("big")}}}), 400, dmsd.EINVALIDCONFIG)
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "with-desc", TopicDesc: ptr("a description")}), 400, dmsd.EINVALID)

	details, err := adm().ListTopics(context.Background())
	require.NoError(t, err)
	require.Empty(t, details.Names(), "refused requests create no topic")

	require.NoError(t, create(model.CreateInstanceTopicReq{Id: "only-topic", Partition: ptr(int32(2))}))
	requireDMSError(t, create(model.CreateInstanceTopicReq{Id: "only-topic"}), 400, dmsd.ETOPICEXISTS)

	update := func(u model.UpdateInstanceTopicReqTopics) error {
		_, err := c.UpdateInstanceTopic(&model.UpdateInstanceTopicRequest{InstanceId: id, Body: &model.UpdateInstanceTopicReq{Topics: &[]model.UpdateInstanceTopicReqTopics{u}}})
		return err
	}
	requireDMSError(t, update(model.UpdateInstanceTopicReqTopics{Id: "missing-topic", RetentionTime: ptr(int32(5))}), 400, dmsd.ETOPICNOTFOUND)
	requireDMSError(t, update(model.UpdateInstanceTopicReqTopics{Id: "only-topic", NewPartitionNumbers: ptr(int32(1))}), 400, dmsd.ETOPICPARTITIONS)
	requireDMSError(t, update(model.UpdateInstanceTopicReqTopics{Id: "only-topic", SyncReplication: ptr(true)}), 400, dmsd.EINVALID)
	requireDMSError(t, update(model.UpdateInstanceTopicReqTopics{Id: "only-topic", NewPartitionBrokers: &[]int32{0}}), 400, dmsd.EINVALID)
	details, err = adm().ListTopics(context.Background())
	require.NoError(t, err)
	require.Len(t, details["only-topic"].Partitions, 2)
	require.Equal(t, "259200000", topicConfig(t, adm(), "only-topic", "retention.ms"))

	// Another project does not see the instance.
	_, err = s.client(1).ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id})
	requireDMSError(t, err, 404, dmsd.EINSTANCENOTFOUND)
	_, err = c.ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id, Limit: ptr("201")})
	requireDMSError(t, err, 400, dmsd.ELIMIT)
	requireTaskCount(t, c, id, "1")
}

func TestKafkaConfigs(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "configs-cluster", 1, false)
	id := *inst.InstanceId

	brokerConfigs := func(inst *model.ShowInstanceResponse) map[string]string {
		t.Helper()
		rcs, err := kadm.NewClient(kafkaClient(t, inst)).DescribeBrokerConfigs(context.Background())
		require.NoError(t, err)
		out := map[string]string{}
		for _, c := range rcs[0].Configs {
			if c.Value != nil {
				out[c.Key] = *c.Value
			}
		}
		return out
	}
	values := func() map[string]model.InstanceConfig {
		t.Helper()
		resp, err := c.ShowInstanceConfigs(&model.ShowInstanceConfigsRequest{InstanceId: id})
		require.NoError(t, err)
		out := map[string]model.InstanceConfig{}
		for _, v := range *resp.KafkaConfigs {
			out[*v.Name] = v
		}
		return out
	}
	before := values()
	require.Len(t, before, len(dmsd.BrokerParams))
	require.Equal(t, "10485760", *before["message.max.bytes"].DefaultValue)
	// The value is what the brokers have in effect, where they know the
	// name: kfake's own default here.
	require.Equal(t, brokerConfigs(inst)["message.max.bytes"], *before["message.max.bytes"].Value)
	require.Equal(t, "dynamic", before["message.max.bytes"].ConfigType.Value())
	require.Equal(t, "72", *before["log.retention.hours"].Value)
	require.Equal(t, "static", before["log.retention.hours"].ConfigType.Value())
	require.Equal(t, "1~168", *before["log.retention.hours"].ValidValues)

	// Bad input: the reference's error, no task.
	modify := func(cfgs ...model.ModifyInstanceConfig) (*model.ModifyInstanceConfigsResponse, error) {
		return c.ModifyInstanceConfigs(&model.ModifyInstanceConfigsRequest{InstanceId: id, Body: &model.ModifyInstanceConfigsReq{KafkaConfigs: &cfgs}})
	}
	_, err := modify(model.ModifyInstanceConfig{Name: ptr("no.such.param"), Value: ptr("1")})
	requireDMSError(t, err, 400, dmsd.EINVALIDCONFIG)
	_, err = modify(model.ModifyInstanceConfig{Name: ptr("log.retention.hours"), Value: ptr("169")})
	requireDMSError(t, err, 400, dmsd.EINVALIDCONFIG)
	_, err = modify(model.ModifyInstanceConfig{Name: ptr("unclean.leader.election.enable"), Value: ptr("yes")})
	requireDMSError(t, err, 400, dmsd.EINVALIDCONFIG)
	_, err = modify()
	requireDMSError(t, err, 400, dmsd.EINVALIDCONFIG)
	requireTaskCount(t, c, id, "1")

	resp, err := modify(
		model.ModifyInstanceConfig{Name: ptr("message.max.bytes"), Value: ptr("2000000")},
		model.ModifyInstanceConfig{Name: ptr("log.retention.hours"), Value: ptr("66")},
	)
	require.NoError(t, err)
	require.Equal(t, int32(1), *resp.DynamicConfig)
	require.Equal(t, int32(1), *resp.StaticConfig)
	task := waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "kafkaConfigModify", *task.Name)
	require.Equal(t, "SUCCESS", *task.Status)
	require.JSONEq(t, `{"kafka_configs":[{"name":"message.max.bytes","value":"2000000"},{"name":"log.retention.hours","value":"66"}],"dynamic_config":1,"static_config":1}`, *task.Params)
	requireStepsDone(t, c, id, *resp.JobId, "MODIFY_DYNAMIC_CONFIGS", "SAVE_STATIC_CONFIGS")

	// The dynamic one is live in Kafka; the static one waits for a restart.
	live := brokerConfigs(inst)
	require.Equal(t, "2000000", live["message.max.bytes"])
	// The brokers enforce it at once.
	producer := kafkaClient(t, inst, kgo.ProducerBatchMaxBytes(4<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	_, err = kadm.NewClient(producer).CreateTopic(context.Background(), 1, 1, nil, "big-records")
	require.NoError(t, err)
	err = producer.ProduceSync(context.Background(), &kgo.Record{Topic: "big-records", Value: make([]byte, 3_000_000)}).FirstErr()
	require.ErrorIs(t, err, kerr.MessageTooLarge)
	require.NoError(t, producer.ProduceSync(context.Background(), &kgo.Record{Topic: "big-records", Value: make([]byte, 1_500_000)}).FirstErr())
	require.NotContains(t, live, "log.retention.hours")
	after := values()
	require.Equal(t, "2000000", *after["message.max.bytes"].Value)
	require.Equal(t, "66", *after["log.retention.hours"].Value)

	_, err = c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	restarted := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))}).Tasks)[0]
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *restarted.Id).Status)
	inst = waitInstance(t, c, id, "RUNNING")
	live = brokerConfigs(inst)
	require.Equal(t, "66", live["log.retention.hours"], "the restart passes the static parameter to the brokers")
	require.Equal(t, "2000000", live["message.max.bytes"])

	_, err = s.client(1).ShowInstanceConfigs(&model.ShowInstanceConfigsRequest{InstanceId: id})
	requireDMSError(t, err, 404, dmsd.EINSTANCENOTFOUND)
}

func TestUpdateInstanceInformation(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "info-cluster", 1, false)
	id := *inst.InstanceId

	update := func(body model.UpdateInstanceReq) error {
		_, err := c.UpdateInstance(&model.UpdateInstanceRequest{InstanceId: id, Body: &body})
		return err
	}
	require.NoError(t, update(model.UpdateInstanceReq{Name: ptr("renamed-cluster"), Description: ptr("orders of the shop"), MaintainBegin: ptr("02:00:00"), MaintainEnd: ptr("06:00:00")}))
	shown := waitInstance(t, c, id, "RUNNING")
	require.Equal(t, "renamed-cluster", *shown.Name)
	require.Equal(t, "orders of the shop", *shown.Description)
	require.Equal(t, "02:00:00", *shown.MaintainBegin)
	require.Equal(t, "06:00:00", *shown.MaintainEnd)
	requireTaskCount(t, c, id, "1")

	// Refused: nothing changes, no task.
	requireDMSError(t, update(model.UpdateInstanceReq{Name: ptr("x")}), 400, dmsd.EINVALIDNAME)
	requireDMSError(t, update(model.UpdateInstanceReq{MaintainBegin: ptr("02:30:00"), MaintainEnd: ptr("06:00:00")}), 400, dmsd.EINVALIDWINDOW)
	requireDMSError(t, update(model.UpdateInstanceReq{MaintainBegin: ptr("03:00:00")}), 400, dmsd.EINVALIDWINDOW)
	status, body := s.signedDo(t, 0, sdkRequest{method: http.MethodPut, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/" + id,
		body: `{"retention_policy":"keep_forever"}`, headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, 400, status, body)
	require.Contains(t, body, dmsd.EINVALID)
	shown = waitInstance(t, c, id, "RUNNING")
	require.Equal(t, "renamed-cluster", *shown.Name)
	require.Equal(t, "time_base", shown.RetentionPolicy.Value())
	requireTaskCount(t, c, id, "1")

	require.NoError(t, update(model.UpdateInstanceReq{RetentionPolicy: ptr(model.GetUpdateInstanceReqRetentionPolicyEnum().PRODUCE_REJECT)}))
	task := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))}).Tasks)[0]
	require.Equal(t, "changeRetentionPolicy", *task.Name)
	require.JSONEq(t, `{"new_retention_policy":"produce_reject","origin_retention_policy":"time_base"}`, *task.Params)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *task.Id).Status)
	requireStepsDone(t, c, id, *task.Id, "MODIFY_RETENTION_POLICY")
	shown = waitInstance(t, c, id, "RUNNING")
	require.Equal(t, "produce_reject", shown.RetentionPolicy.Value())
	require.Equal(t, "renamed-cluster", *shown.Name)

	// The same policy again starts nothing (a body of its own, so that the
	// request is not taken for a replay).
	require.NoError(t, update(model.UpdateInstanceReq{Description: ptr("orders"), RetentionPolicy: ptr(model.GetUpdateInstanceReqRetentionPolicyEnum().PRODUCE_REJECT)}))
	require.Equal(t, "orders", *waitInstance(t, c, id, "RUNNING").Description)
	requireTaskCount(t, c, id, "2")
}
