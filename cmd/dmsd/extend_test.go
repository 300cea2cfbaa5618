package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

func resizeRequest(id, operType string, storage, brokers int32) *model.ResizeEngineInstanceRequest {
	body := &model.ResizeEngineInstanceReq{OperType: operType}
	if storage != 0 {
		body.NewStorageSpace = &storage
	}
	if brokers != 0 {
		body.NewBrokerNum = &brokers
	}
	return &model.ResizeEngineInstanceRequest{Engine: model.GetResizeEngineInstanceRequestEngineEnum().KAFKA, InstanceId: id, Body: body}
}

// brokerPorts returns the ports of kafka_private_connect_address.
func brokerPorts(t *testing.T, inst *model.ShowInstanceResponse) []int {
	t.Helper()
	var ports []int
	for _, addr := range strings.Split(*inst.KafkaPrivateConnectAddress, ",") {
		_, port, ok := strings.Cut(addr, ":")
		require.True(t, ok, addr)
		p, err := strconv.Atoi(port)
		require.NoError(t, err)
		ports = append(ports, p)
	}
	return ports
}

func TestExtendInstance(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "extend-cluster", 3, false)
	id := *inst.InstanceId
	ctx := context.Background()
	oldPorts := brokerPorts(t, inst)
	require.Len(t, oldPorts, 3)

	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "kept-topic", Partition: ptr(int32(3))}})
	require.NoError(t, err)
	producer := kafkaClient(t, inst)
	require.NoError(t, producer.ProduceSync(ctx, &kgo.Record{Topic: "kept-topic", Value: []byte("before-extend")}).FirstErr())

	// Refusals: no task is created.
	_, err = c.ResizeEngineInstance(resizeRequest(id, "storage", 350, 0))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDDISK)
	_, err = c.ResizeEngineInstance(resizeRequest(id, "storage", 200, 0))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDDISK)
	_, err = c.ResizeEngineInstance(resizeRequest(id, "storage", 300, 0))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDDISK)
	_, err = c.ResizeEngineInstance(resizeRequest(id, "horizontal", 0, 2))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.ResizeEngineInstance(resizeRequest(id, "horizontal", 0, 3))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.ResizeEngineInstance(resizeRequest(id, "vertical", 0, 0))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.ResizeEngineInstance(resizeRequest(id, "", 600, 0))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	requireTaskCount(t, c, id, "1")

	// More storage.
	resp, err := c.ResizeEngineInstance(resizeRequest(id, "storage", 600, 0))
	require.NoError(t, err)
	require.NotNil(t, resp.JobId)
	task := waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "SUCCESS", *task.Status)
	require.Equal(t, "extendInstance", *task.Name)
	require.JSONEq(t, `{"oper_type":"storage","old_storage_space":300,"new_storage_space":600}`, *task.Params)
	requireStepsDone(t, c, id, *resp.JobId, "EXTEND_SPEC", "STOP_BROKERS", "START_BROKERS", "CHECK_CLUSTER")
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.Equal(t, int32(600), *inst.StorageSpace)
	require.Equal(t, oldPorts, brokerPorts(t, inst), "more storage does not move the brokers")

	// More brokers, through the older path the SDK also offers.
	resp2, err := c.ResizeKafkaInstance(&model.ResizeKafkaInstanceRequest{InstanceId: id, Body: &model.ResizeEngineInstanceReq{OperType: "horizontal", NewBrokerNum: ptr(int32(5))}})
	require.NoError(t, err)
	task = waitTask(t, c, id, *resp2.JobId)
	require.Equal(t, "SUCCESS", *task.Status)
	require.JSONEq(t, `{"oper_type":"horizontal","old_storage_space":600,"new_storage_space":1000,"old_broker_num":3,"new_broker_num":5}`, *task.Params)
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.Equal(t, int32(5), *inst.BrokerNum)
	require.Equal(t, int32(1000), *inst.StorageSpace)
	newPorts := brokerPorts(t, inst)
	require.Len(t, newPorts, 5)
	require.Equal(t, oldPorts, newPorts[:3], "the existing brokers keep their ports")

	// A Kafka client sees the five brokers, and the data is kept.
	cl := kafkaClient(t, inst)
	md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	require.NoError(t, err)
	require.Len(t, md.Brokers, 5)
	consumer := kafkaClient(t, inst, kgo.ConsumeTopics("kept-topic"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var values []string
	for len(values) == 0 && fctx.Err() == nil {
		consumer.PollFetches(fctx).EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	require.Equal(t, []string{"before-extend"}, values)

	// A restart of dmsd brings the five brokers back on their ports.
	requireTaskCount(t, c, id, "3")
	s.stop()
	s = startServer(t, s.dataDir)
	c = s.client(0)
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.Equal(t, newPorts, brokerPorts(t, inst))
	md, err = kadm.NewClient(kafkaClient(t, inst)).BrokerMetadata(ctx)
	require.NoError(t, err)
	require.Len(t, md.Brokers, 5)
}
