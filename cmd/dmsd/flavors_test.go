package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestProductCoresAndMaintainWindows(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)

	cores, err := c.ShowKafkaProductCores(&model.ShowKafkaProductCoresRequest{ProductId: "c6.2u4g.cluster", BrokerNum: "3"})
	require.NoError(t, err)
	require.EqualValues(t, 6, *cores.CoreNum)
	// The bounds are those creation checks.
	_, err = c.ShowKafkaProductCores(&model.ShowKafkaProductCoresRequest{ProductId: "c6.2u4g.single", BrokerNum: "3"})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.CreateInstanceByEngine(func() *model.CreateInstanceByEngineRequest {
		r := newCreateRequest("single-three", 3, false)
		r.Body.ProductId = "c6.2u4g.single"
		return r
	}())
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.ShowKafkaProductCores(&model.ShowKafkaProductCoresRequest{ProductId: "c9.nothing", BrokerNum: "3"})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDPRODUCT)

	windows, err := c.ShowMaintainWindows(&model.ShowMaintainWindowsRequest{})
	require.NoError(t, err)
	require.Len(t, *windows.MaintainWindows, 6)
	// Every window offered is one an instance may take.
	id := *createInstance(t, c, "windows", 1, false).InstanceId
	for _, w := range *windows.MaintainWindows {
		_, err := c.UpdateInstance(&model.UpdateInstanceRequest{InstanceId: id, Body: &model.UpdateInstanceReq{MaintainBegin: w.Begin, MaintainEnd: w.End}})
		require.NoError(t, err, "window %d", *w.Seq)
		inst, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
		require.NoError(t, err)
		require.Equal(t, *w.Begin, *inst.MaintainBegin)
	}
}

func TestScalePreCheckAgreesWithExtend(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "1")
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)

	embedded := *createInstance(t, c, "precheck-embedded", 1, false).InstanceId
	check, err := c.ShowKafkaScalePreCheckInfo(&model.ShowKafkaScalePreCheckInfoRequest{InstanceId: embedded})
	require.NoError(t, err)
	require.True(t, *check.Success)
	require.Equal(t, "extend", *check.Name)

	// An external cluster: the pre-check fails with the refusal extend answers.
	req := newCreateRequest("precheck-external", 1, false)
	b, err := json.Marshal(req.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	delete(m, "broker_num")
	m["external"] = map[string]any{"bootstrap_servers": addrs[:1]}
	b, err = json.Marshal(m)
	require.NoError(t, err)
	status, body := s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + s.creds[0].ProjectID + "/instances",
		body: string(b), headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, body)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	external := created.InstanceID
	waitInstance(t, c, external, string(dmsd.InstanceRunning))

	check, err = c.ShowKafkaScalePreCheckInfo(&model.ShowKafkaScalePreCheckInfoRequest{InstanceId: external})
	require.NoError(t, err)
	require.False(t, *check.Success)
	require.True(t, strings.HasPrefix(*check.Reason, dmsd.EEXTERNAL), *check.Reason)
	_, err = c.ResizeEngineInstance(resizeRequest(external, "storage", 600, 0))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EEXTERNAL)

	_, err = c.ShowKafkaScalePreCheckInfo(&model.ShowKafkaScalePreCheckInfoRequest{InstanceId: "00000000-0000-4000-8000-000000000000"})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)
}
