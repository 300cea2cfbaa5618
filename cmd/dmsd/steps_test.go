package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
)

// TestStepStatusesAsTheSDKDocuments reads progress through the SDK: a
// finished task's steps are COMPLETED with their times, and the steps of a
// task that has not started are WAITING without start_time or end_time (not
// "").
func TestStepStatusesAsTheSDKDocuments(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "steps-cluster", 3, false)
	id := *inst.InstanceId
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	createTask := *(*list.Tasks)[0].Id

	progress, err := c.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: id, TaskId: createTask})
	require.NoError(t, err)
	require.NotEmpty(t, *progress.StepList)
	for _, step := range *progress.StepList {
		require.Equal(t, "COMPLETED", *step.Statue, *step.Name)
		require.NotEmpty(t, *step.StartTime)
		require.NotEmpty(t, *step.EndTime)
	}

	// A scheduled task has not started: every step waits, with no times.
	_, err = c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "later", Partition: ptr(int32(1)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	md, err := kadm.NewClient(kafkaClient(t, inst)).BrokerMetadata(context.Background())
	require.NoError(t, err)
	resp, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "later", Brokers: &[]int32{md.Brokers[0].NodeID}}},
		IsSchedule:    ptr(true), ExecuteAt: ptr(time.Now().Add(time.Hour).UnixMilli()),
	}})
	require.NoError(t, err)
	progress, err = c.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: id, TaskId: *resp.JobId})
	require.NoError(t, err)
	require.Len(t, *progress.StepList, len(reassignSteps))
	for _, step := range *progress.StepList {
		require.Equal(t, "WAITING", *step.Statue, *step.Name)
		require.Nil(t, step.StartTime, *step.Name)
		require.Nil(t, step.EndTime, *step.Name)
	}
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/tasks/"+*resp.JobId+"/progress")
	require.Equal(t, http.StatusOK, status, body)
	require.NotContains(t, body, "start_time")
	require.NotContains(t, body, "end_time")
}
