package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/dmsd/dmsd"
)

var reassignSteps = []string{"CHECK_REASSIGN_PLAN", "SET_REPLICATION_THROTTLE", "REASSIGN_PARTITIONS", "VERIFY_REASSIGNMENT", "REMOVE_REPLICATION_THROTTLE"}

// replicasOf returns the replicas of every partition of the topics, as
// franz-go's metadata reports them.
func replicasOf(t *testing.T, inst *model.ShowInstanceResponse, topics ...string) map[string]map[int32][]int32 {
	t.Helper()
	md, err := kadm.NewClient(kafkaClient(t, inst)).Metadata(context.Background(), topics...)
	require.NoError(t, err)
	out := map[string]map[int32][]int32{}
	for _, topic := range topics {
		out[topic] = map[int32][]int32{}
		for p, pd := range md.Topics[topic].Partitions {
			require.NoError(t, pd.Err)
			out[topic][p] = pd.Replicas
		}
	}
	return out
}

func TestReassignment(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "reassign-cluster", 3, false)
	id := *inst.InstanceId
	for _, topic := range []string{"moves", "pinned"} {
		_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{
			Id: topic, Partition: ptr(int32(3)), Replication: ptr(int32(2)),
		}})
		require.NoError(t, err)
	}
	md, err := kadm.NewClient(kafkaClient(t, inst)).BrokerMetadata(context.Background())
	require.NoError(t, err)
	brokers := make([]int32, 0, len(md.Brokers))
	for _, b := range md.Brokers {
		brokers = append(brokers, b.NodeID)
	}
	require.Len(t, brokers, 3)
	tasksBefore := *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount

	// A broker id the cluster does not have is refused before any task.
	_, err = c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "moves", Brokers: &[]int32{brokers[0], 99}, ReplicationFactor: ptr(int32(2))}},
	}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EBROKERNOTFOUND)
	_, err = c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "moves", Assignment: &[]model.TopicAssignment{{Partition: ptr(int32(0)), PartitionBrokers: &[]int32{99}}}}},
	}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EBROKERNOTFOUND)
	_, err = c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "no-such-topic", Brokers: &brokers}},
	}})
	requireDMSError(t, err, http.StatusNotFound, dmsd.ENOTOPIC)
	require.Equal(t, tasksBefore, *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount, "a refused plan starts no task")

	// A move the embedded cluster can make: each partition of "moves" one
	// broker on (kfake lists a partition's replicas as its leader and the
	// brokers after it), and one partition of "pinned", with a throttle.
	// It succeeds, and franz-go's metadata shows the requested replicas.
	before := replicasOf(t, inst, "moves", "pinned")
	next := func(b int32) int32 { return brokers[(slices.Index(brokers, b)+1)%len(brokers)] }
	var moves []model.TopicAssignment
	want := map[string]map[int32][]int32{"moves": {}, "pinned": {1: {brokers[2], brokers[0]}}}
	for p, replicas := range before["moves"] {
		shifted := []int32{next(replicas[0]), next(replicas[1])}
		want["moves"][p] = shifted
		moves = append(moves, model.TopicAssignment{Partition: ptr(p), PartitionBrokers: &shifted})
	}
	resp, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{
			{Topic: "moves", Assignment: &moves},
			{Topic: "pinned", Assignment: &[]model.TopicAssignment{{Partition: ptr(int32(1)), PartitionBrokers: &[]int32{brokers[2], brokers[0]}}}},
		},
		Throttle: ptr(int32(10_000_000)),
	}})
	require.NoError(t, err)
	require.NotNil(t, resp.JobId)
	task := waitTask(t, c, id, *resp.JobId)
	_, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/tasks/"+*resp.JobId)
	require.Equal(t, "SUCCESS", *task.Status, body)
	require.Equal(t, "kafkaReassignment", *task.Name)
	require.Contains(t, *task.Params, `"throttle":10000000`)
	require.Contains(t, *task.Params, `"topic":"pinned"`)
	requireStepsDone(t, c, id, *resp.JobId, reassignSteps...)
	require.Contains(t, body, "Kafka accepted the reassignment of 4 partitions and reports all of them on the requested replicas", "the task records what Kafka reported")
	after := replicasOf(t, inst, "moves", "pinned")
	require.Equal(t, want["moves"], after["moves"])
	require.Equal(t, want["pinned"][1], after["pinned"][1])
	require.Equal(t, before["pinned"][0], after["pinned"][0], "a partition not in the plan stays")
	waitInstance(t, c, id, "RUNNING")

	// A move kfake cannot make (three replicas of a topic created with
	// two): FAILED, with what Kafka reports, nothing moved, and the
	// throttle removed.
	before = replicasOf(t, inst, "moves")
	resp, err = c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "moves", Brokers: &brokers, ReplicationFactor: ptr(int32(3))}},
		Throttle:      ptr(int32(5_000_000)),
	}})
	require.NoError(t, err)
	task = waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "FAILED", *task.Status, task.String())
	_, body = s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/tasks/"+*resp.JobId)
	require.Contains(t, body, "VERIFY_REASSIGNMENT: Kafka reports 0 of 3 partitions on the requested replicas; moves-0: requested [")
	require.Contains(t, body, "the replication throttle is removed")
	require.Equal(t, before, replicasOf(t, inst, "moves"), "a partition kfake cannot place stays where it was")
	require.Empty(t, topicConfig(t, kadm.NewClient(kafkaClient(t, inst)), "moves", "leader.replication.throttled.replicas"))
	waitInstance(t, c, id, "RUNNING")

	// The reference's path works too.
	code, body := s.signedDo(t, 0, sdkRequest{method: "POST", pathAndQuery: "/v2/kafka/" + s.creds[0].ProjectID + "/instances/" + id + "/reassign",
		body: `{"reassignments":[{"topic":"moves","brokers":[` + strconv.Itoa(int(brokers[1])) + `]}]}`, headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusBadRequest, code, body)
	require.Contains(t, body, dmsd.EREPLICATION, "2 replicas over 1 broker")
}

func TestScheduledReassignment(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "scheduled-cluster", 3, false)
	id := *inst.InstanceId
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "later", Partition: ptr(int32(2)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	md, err := kadm.NewClient(kafkaClient(t, inst)).BrokerMetadata(context.Background())
	require.NoError(t, err)
	brokers := make([]int32, 0, len(md.Brokers))
	for _, b := range md.Brokers {
		brokers = append(brokers, b.NodeID)
	}
	schedule := func(at time.Time, replicas int32) string {
		t.Helper()
		resp, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
			Reassignments: []model.PartitionReassignEntity{{Topic: "later", Brokers: &brokers, ReplicationFactor: ptr(replicas)}},
			IsSchedule:    ptr(true), ExecuteAt: ptr(at.UnixMilli()),
		}})
		require.NoError(t, err)
		return *resp.JobId
	}
	scheduled := func() map[string]model.ScheduledTaskEntity {
		t.Helper()
		list, err := c.ListScheduledTasks(&model.ListScheduledTasksRequest{InstanceId: id})
		require.NoError(t, err)
		out := map[string]model.ScheduledTaskEntity{}
		for _, j := range *list.Jobs {
			out[*j.Id] = j
		}
		require.Equal(t, strconv.Itoa(len(out)), *list.JobCount)
		return out
	}

	later := time.Now().Add(time.Hour)
	a := schedule(later, 1)
	b := schedule(later, 3)
	jobs := scheduled()
	require.Len(t, jobs, 2)
	require.Equal(t, "CREATED", *jobs[a].Status)
	require.Equal(t, "kafkaReassignment", *jobs[a].Name)
	require.Equal(t, dmsd.FormatTime(later.Truncate(time.Millisecond)), *jobs[a].ScheduleAt)
	require.Contains(t, *jobs[a].Params, `"is_schedule":true`)

	// Waiting scheduled tasks do not block the instance's other operations.
	_, err = c.UpdateInstance(&model.UpdateInstanceRequest{InstanceId: id, Body: &model.UpdateInstanceReq{Description: ptr("while two wait")}})
	require.NoError(t, err)
	restart, err := c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	require.Equal(t, "success", *(*restart.Results)[0].Result)
	waitInstance(t, c, id, "RUNNING")
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "restartInstance", *(*list.Tasks)[0].Name)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *(*list.Tasks)[0].Id).Status)

	// Cancel b: CANCELLED, finished, deletable; a cancelled task cannot be
	// rescheduled.
	_, err = c.UpdateScheduledTask(&model.UpdateScheduledTaskRequest{InstanceId: id, TaskId: b, Status: ptr("CANCELLED")})
	require.NoError(t, err)
	require.Equal(t, "CANCELLED", *scheduled()[b].Status)
	_, err = c.UpdateScheduledTask(&model.UpdateScheduledTaskRequest{InstanceId: id, TaskId: b, ExecuteAt: ptr(strconv.FormatInt(later.UnixMilli(), 10))})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ESCHEDULESTARTED)
	_, err = c.DeleteScheduledTask(&model.DeleteScheduledTaskRequest{InstanceId: id, TaskId: b})
	require.NoError(t, err)
	_, err = c.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: b})
	requireDMSError(t, err, http.StatusNotFound, dmsd.ETASKNOTFOUND)

	// Reschedule a to run shortly; it runs then, and not before.
	soon := time.Now().Add(1500 * time.Millisecond).Truncate(time.Millisecond)
	_, err = c.UpdateScheduledTask(&model.UpdateScheduledTaskRequest{InstanceId: id, TaskId: a, ExecuteAt: ptr(strconv.FormatInt(soon.UnixMilli(), 10))})
	require.NoError(t, err)
	require.Equal(t, dmsd.FormatTime(soon), *scheduled()[a].ScheduleAt)
	task := waitTask(t, c, id, a)
	require.Equal(t, "SUCCESS", *task.Status)
	progress, err := c.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: id, TaskId: a})
	require.NoError(t, err)
	started, err := time.Parse("2006-01-02T15:04:05.000Z", *(*progress.StepList)[0].StartTime)
	require.NoError(t, err)
	require.False(t, started.Before(soon), "started %s, scheduled for %s", started, soon)
	requireStepsDone(t, c, id, a, reassignSteps...)
	require.Equal(t, "SUCCESS", *scheduled()[a].Status)

	// A task that ran can no longer be cancelled, but its record can be deleted.
	_, err = c.UpdateScheduledTask(&model.UpdateScheduledTaskRequest{InstanceId: id, TaskId: a, Status: ptr("CANCELLED")})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ESCHEDULESTARTED)
	_, err = c.UpdateScheduledTask(&model.UpdateScheduledTaskRequest{InstanceId: id, TaskId: a, Status: ptr("SUCCESS")})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.DeleteScheduledTask(&model.DeleteScheduledTaskRequest{InstanceId: id, TaskId: a})
	require.NoError(t, err)
	require.Empty(t, scheduled())

	// A task that is not scheduled is not one of the scheduled tasks.
	_, err = c.DeleteScheduledTask(&model.DeleteScheduledTaskRequest{InstanceId: id, TaskId: *(*list.Tasks)[0].Id})
	requireDMSError(t, err, http.StatusNotFound, dmsd.ETASKNOTFOUND)
	_, err = c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "later", Brokers: &brokers}}, IsSchedule: ptr(true),
	}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
}

func TestCLIScheduled(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	cli := cliAgainst(s)
	inst := createInstance(t, c, "cli-scheduled", 1, false)
	id := *inst.InstanceId
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "cli-topic", Partition: ptr(int32(1)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	var ids []string
	for i := range 2 {
		resp, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
			Reassignments: []model.PartitionReassignEntity{{Topic: "cli-topic", Brokers: &[]int32{0}}},
			IsSchedule:    ptr(true), ExecuteAt: ptr(time.Now().Add(time.Duration(i+1) * time.Hour).UnixMilli()),
		}})
		require.NoError(t, err)
		ids = append(ids, *resp.JobId)
	}

	table := cliMust(t, cli, "scheduled", "list", id)
	requireColumn(t, table, "STATUS", ids[0], "CREATED")
	requireColumn(t, table, "NAME", ids[1], "kafkaReassignment")

	at := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	require.Contains(t, cliMust(t, cli, "scheduled", "update", id, ids[0], "--at", at.Format(time.RFC3339)), "runs at")
	require.Contains(t, cliMust(t, cli, "scheduled", "cancel", "--instance", id, ids[1]), "cancelled task "+ids[1])
	var page struct {
		Count int `json:"count"`
		Tasks []struct {
			ID        string    `json:"id"`
			Status    string    `json:"status"`
			ExecuteAt time.Time `json:"execute_at"`
		} `json:"tasks"`
	}
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "scheduled", "list", id, "--json")), &page))
	require.Equal(t, 2, page.Count)
	for _, task := range page.Tasks {
		switch task.ID {
		case ids[0]:
			require.Equal(t, "CREATED", task.Status)
			require.True(t, task.ExecuteAt.Equal(at), "%s != %s", task.ExecuteAt, at)
		case ids[1]:
			require.Equal(t, "CANCELLED", task.Status)
		}
	}

	_, stderr, err := cli("scheduled", "cancel", id, ids[1])
	require.Error(t, err)
	require.Contains(t, stderr+err.Error(), dmsd.ESCHEDULESTARTED)
	_, _, err = cli("scheduled", "update", id, ids[0])
	require.ErrorContains(t, err, "--at")

	for _, task := range ids {
		require.Contains(t, cliMust(t, cli, "scheduled", "delete", id, task), "deleted scheduled task "+task)
	}
	require.Contains(t, cliMust(t, cli, "scheduled", "list", id, "--json"), `"count": 0`)
}

// A scheduled task survives a restart of dmsd and runs after it, even when
// its time came while dmsd was down.
func TestScheduledTaskSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client(0)
	inst := createInstance(t, c, "scheduled-durable", 1, false)
	id := *inst.InstanceId
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "durable-topic", Partition: ptr(int32(1)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	resp, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "durable-topic", Brokers: &[]int32{0}}},
		IsSchedule:    ptr(true), ExecuteAt: ptr(time.Now().Add(time.Second).UnixMilli()),
	}})
	require.NoError(t, err)
	s.stop()

	s = startServer(t, dir)
	c = s.client(0)
	waitInstance(t, c, id, "RUNNING")
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *resp.JobId).Status)
	requireStepsDone(t, c, id, *resp.JobId, reassignSteps...)
}
