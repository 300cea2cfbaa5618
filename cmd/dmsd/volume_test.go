package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// TestAutoVolumeExpand drives automatic storage growth through the official
// SDK: the config is kept and shown, an instance whose logs pass its
// threshold is extended by dmsd itself (task extendInstance by user system,
// storage_space grown), and one whose growth is off is left alone.
func TestAutoVolumeExpand(t *testing.T) {
	s := startServer(t, t.TempDir(), "--volume-check-interval", "50ms")
	c := s.client(0)
	on := createInstance(t, c, "volume-on", 1, true)
	off := createInstance(t, c, "volume-off", 1, true)
	onID, offID := *on.InstanceId, *off.InstanceId

	shown, err := c.ShowVolumeExpandConfig(&model.ShowVolumeExpandConfigRequest{InstanceId: onID})
	require.NoError(t, err)
	require.False(t, *shown.AutoVolumeExpandEnable)

	_, err = c.UpdateVolumeExpansionConfig(&model.UpdateVolumeExpansionConfigRequest{InstanceId: onID,
		Body: &model.AlterAutoVolumeExpandConfig{AutoVolumeExpandEnable: true, ExpandThreshold: ptr(int32(200))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)

	// Both hold data before growth is turned on for one of them, so that
	// the check that extends it has seen the other's data too.
	for _, inst := range []*model.ShowInstanceResponse{on, off} {
		_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: *inst.InstanceId, Body: &model.CreateInstanceTopicReq{Id: "grow", Partition: ptr(int32(1))}})
		require.NoError(t, err)
		rec := &kgo.Record{Topic: "grow", Value: bytes.Repeat([]byte("x"), 4096)}
		require.NoError(t, kafkaClient(t, inst).ProduceSync(context.Background(), rec, rec).FirstErr())
	}
	_, err = c.UpdateVolumeExpansionConfig(&model.UpdateVolumeExpansionConfigRequest{InstanceId: offID,
		Body: &model.AlterAutoVolumeExpandConfig{AutoVolumeExpandEnable: false, ExpandThreshold: ptr(int32(0))}})
	require.NoError(t, err)
	_, err = c.UpdateVolumeExpansionConfig(&model.UpdateVolumeExpansionConfigRequest{InstanceId: onID,
		Body: &model.AlterAutoVolumeExpandConfig{AutoVolumeExpandEnable: true, ExpandThreshold: ptr(int32(0)), ExpandIncrement: ptr(int32(20)), MaxVolumeSize: ptr(int32(1000))}})
	require.NoError(t, err)
	shown, err = c.ShowVolumeExpandConfig(&model.ShowVolumeExpandConfigRequest{InstanceId: onID})
	require.NoError(t, err)
	require.True(t, *shown.AutoVolumeExpandEnable)
	require.Equal(t, int32(0), *shown.ExpandThreshold)
	require.Equal(t, int32(20), *shown.ExpandIncrement)
	require.Equal(t, int32(1000), *shown.MaxVolumeSize)

	extends := func(id string) []model.ListBackgroundTasksRespTasks {
		var out []model.ListBackgroundTasksRespTasks
		for _, task := range *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks {
			if *task.Name == "extendInstance" {
				out = append(out, task)
			}
		}
		return out
	}
	var task model.ListBackgroundTasksRespTasks
	require.Eventually(t, func() bool {
		found := extends(onID)
		if len(found) == 0 {
			return false
		}
		task = found[0]
		return true
	}, 30*time.Second, 10*time.Millisecond, "dmsd never extended the instance")
	require.Equal(t, "system", *task.UserName)
	done := waitTask(t, c, onID, *task.Id)
	require.Equal(t, string(dmsd.TaskSuccess), *done.Status)
	grown := waitInstance(t, c, onID, string(dmsd.InstanceRunning))
	require.Equal(t, int32(400), *grown.StorageSpace)

	require.Empty(t, extends(offID))
	still, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: offID})
	require.NoError(t, err)
	require.Equal(t, int32(300), *still.StorageSpace)
}
