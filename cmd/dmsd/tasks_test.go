package main

import (
	"context"
	"encoding/json"
	"io"
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

// kafkaClient returns a franz-go client bootstrapped from the instance's
// advertised address, as a user would connect.
func kafkaClient(t *testing.T, inst *model.ShowInstanceResponse, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	require.NotEmpty(t, *inst.ConnectAddress)
	seed := *inst.ConnectAddress + ":" + strconv.Itoa(int(*inst.Port))
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seed), kgo.MetadataMinAge(50 * time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

func TestCreateInstanceRunsRealCluster(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--metrics-listen", "127.0.0.1:0")
	c := s.client(0)

	inst := createInstance(t, c, "orders-cluster", 3, false)
	require.Equal(t, "orders-cluster", *inst.Name)
	require.Equal(t, int32(3), *inst.BrokerNum)
	require.Equal(t, "alice", *inst.UserName)

	// The cluster is real: three brokers, and records go through.
	cl := kafkaClient(t, inst)
	adm := kadm.NewClient(cl)
	meta, err := adm.BrokerMetadata(context.Background())
	require.NoError(t, err)
	require.Len(t, meta.Brokers, 3)
	_, err = adm.CreateTopic(context.Background(), 3, 3, nil, "orders")
	require.NoError(t, err)
	require.NoError(t, cl.ProduceSync(context.Background(), &kgo.Record{Topic: "orders", Value: []byte("order-1")}).FirstErr())
	consumer := kafkaClient(t, inst, kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fetches := consumer.PollFetches(context.Background())
	require.NoError(t, fetches.Err())
	require.Equal(t, "order-1", string(fetches.Records()[0].Value))

	// The creation is a finished task with the creator's name and honest params.
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: *inst.InstanceId})
	require.Equal(t, "1", *list.TaskCount)
	task := (*list.Tasks)[0]
	require.Equal(t, "createInstance", *task.Name)
	require.Equal(t, "SUCCESS", *task.Status)
	require.Equal(t, "alice", *task.UserName)
	require.Equal(t, s.creds[0].UserID, *task.UserId)
	require.Regexp(t, `^[0-9a-f]{32}$`, *task.Id)
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, *task.CreatedAt)
	var params map[string]any
	require.NoError(t, json.Unmarshal([]byte(*task.Params), &params))
	require.Equal(t, float64(3), params["broker_num"])

	// Metrics, on their own listener, count the task and the requests by
	// route, not by raw path.
	resp, err := http.Get(s.metricsURL)
	require.NoError(t, err)
	metrics, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(metrics), `dmsd_tasks{name="createInstance",status="SUCCESS"} 1`)
	require.Contains(t, string(metrics), `dmsd_task_duration_seconds_count{name="createInstance",status="SUCCESS"} 1`)
	require.Contains(t, string(metrics), `dmsd_http_requests_total{code="200",route="GET /v2/{project_id}/instances/{instance_id}/tasks"} 1`)

	progress, err := c.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: *inst.InstanceId, TaskId: *task.Id})
	require.NoError(t, err)
	require.Equal(t, int32(100), *progress.ProgressPercentage)
	require.NotEmpty(t, *progress.StepList)
	for _, step := range *progress.StepList {
		require.Equal(t, "COMPLETED", *step.Statue, *step.Name)
		require.NotEmpty(t, *step.StartTime)
		require.NotEmpty(t, *step.EndTime)
	}
}

func TestDeleteTask(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "delete-me", 1, false)
	id := *inst.InstanceId

	restart, err := c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	require.Equal(t, "success", *(*restart.Results)[0].Result)
	waitInstance(t, c, id, "RUNNING")

	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "2", *list.TaskCount)
	newest := (*list.Tasks)[0]
	require.Equal(t, "restartInstance", *newest.Name)
	waitTask(t, c, id, *newest.Id)

	_, err = c.DeleteBackgroundTask(&model.DeleteBackgroundTaskRequest{InstanceId: id, TaskId: *newest.Id})
	require.NoError(t, err)

	_, err = c.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: *newest.Id})
	requireDMSError(t, err, 404, dmsd.ETASKNOTFOUND)
	_, err = c.DeleteBackgroundTask(&model.DeleteBackgroundTaskRequest{InstanceId: id, TaskId: *newest.Id})
	requireDMSError(t, err, 404, dmsd.ETASKNOTFOUND)
	list = listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "1", *list.TaskCount)
	require.Equal(t, "createInstance", *(*list.Tasks)[0].Name)

	// Another project sees neither the instance nor its tasks, and cannot
	// delete them.
	other := s.client(1)
	firstID := *(*list.Tasks)[0].Id
	_, err = other.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: firstID})
	requireDMSError(t, err, 404, dmsd.EINSTANCENOTFOUND)
	_, err = other.DeleteBackgroundTask(&model.DeleteBackgroundTaskRequest{InstanceId: id, TaskId: firstID})
	requireDMSError(t, err, 404, dmsd.EINSTANCENOTFOUND)
	_, err = other.ListBackgroundTasks(&model.ListBackgroundTasksRequest{InstanceId: id})
	requireDMSError(t, err, 404, dmsd.EINSTANCENOTFOUND)
	_, err = c.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: firstID})
	require.NoError(t, err, "the other project's attempts changed nothing")
}

func TestAutoTopic(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "auto-topic", 1, false)
	id := *inst.InstanceId

	produce := func() error {
		cl := kafkaClient(t, inst, kgo.AllowAutoTopicCreation(), kgo.RecordRetries(2))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return cl.ProduceSync(ctx, &kgo.Record{Topic: "auto-" + dmsd.NewID()[:8], Value: []byte("x")}).FirstErr()
	}
	require.Error(t, produce(), "a produce to an unknown topic must fail while automatic creation is off")

	_, err := c.UpdateInstanceAutoCreateTopic(&model.UpdateInstanceAutoCreateTopicRequest{InstanceId: id, Body: &model.UpdateInstanceAutoCreateTopicReq{EnableAutoTopic: true}})
	require.NoError(t, err)
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))})
	task := (*list.Tasks)[0]
	require.Equal(t, "kafkaConfigModify", *task.Name)
	require.JSONEq(t, `{"old_auto_status":false,"new_auto_status":true}`, *task.Params)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *task.Id).Status)

	inst = waitInstance(t, c, id, "RUNNING")
	require.True(t, *inst.EnableAutoTopic)
	require.NoError(t, produce(), "a produce to an unknown topic must create it once automatic creation is on")
}

func TestListTasksPagingAndFilters(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "paging", 1, false)
	id := *inst.InstanceId
	for i := range 4 {
		// Identical requests signed within one second are one request
		// replayed; these are signed a second apart.
		status, body := s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/action",
			body: `{"action":"restart","instances":["` + id + `"]}`, date: time.Now().Add(time.Duration(i) * time.Second),
			headers: map[string]string{"Content-Type": "application/json"}})
		require.Equal(t, http.StatusOK, status, body)
		waitInstance(t, c, id, "RUNNING")
	}
	all := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(100))})
	require.Equal(t, "5", *all.TaskCount)
	require.Len(t, *all.Tasks, 5)
	require.Equal(t, "createInstance", *(*all.Tasks)[4].Name, "newest first")

	page := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Offset: ptr(int32(2)), Limit: ptr(int32(2))})
	require.Equal(t, "5", *page.TaskCount)
	require.Equal(t, *(*all.Tasks)[2].Id, *(*page.Tasks)[0].Id)
	require.Equal(t, *(*all.Tasks)[3].Id, *(*page.Tasks)[1].Id)

	// begin_time and end_time are inclusive, to the second, in UTC.
	created, err := time.Parse("2006-01-02T15:04:05.000Z", *(*all.Tasks)[4].CreatedAt)
	require.NoError(t, err)
	second := created.Format("20060102150405")
	upToCreate := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, EndTime: &second, Limit: ptr(int32(100))})
	for _, task := range *upToCreate.Tasks {
		require.LessOrEqual(t, (*task.CreatedAt)[:19], created.Format("2006-01-02T15:04:05"))
	}
	require.Equal(t, strconv.Itoa(len(*upToCreate.Tasks)), *upToCreate.TaskCount)
	future := time.Now().UTC().Add(time.Hour).Format("20060102150405")
	none := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, BeginTime: &future})
	require.Equal(t, "0", *none.TaskCount)
	require.Empty(t, *none.Tasks)

	// start is 1-based, as the reference and Terraform send it.
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/tasks?start=3&limit=1")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, *(*all.Tasks)[2].Id)
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "bad-requests", 1, false)
	id := *inst.InstanceId
	project := s.creds[0].ProjectID
	tasks := "/v2/" + project + "/instances/" + id + "/tasks"

	for _, tc := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"limit zero", tasks + "?limit=0", 400, dmsd.ELIMIT},
		{"limit too large", tasks + "?limit=101", 400, dmsd.ELIMIT},
		{"limit not a number", tasks + "?limit=ten", 400, dmsd.EINVALID},
		{"negative offset", tasks + "?offset=-1", 400, dmsd.EOFFSET},
		{"huge offset", tasks + "?offset=99999999999999999999", 400, dmsd.EOFFSET},
		{"start zero", tasks + "?start=0", 400, dmsd.EOFFSET},
		{"offset and start", tasks + "?offset=1&start=1", 400, dmsd.EINVALID},
		{"month 13", tasks + "?begin_time=20241340000000", 400, dmsd.EINVALIDTIME},
		{"short time", tasks + "?end_time=2024010100", 400, dmsd.EINVALIDTIME},
		{"end before begin", tasks + "?begin_time=20240102000000&end_time=20240101000000", 400, dmsd.EINVALIDTIME},
		{"malformed task id", tasks + "/not-a-task", 400, dmsd.EINVALIDTASKID},
		{"unknown task", tasks + "/" + dmsd.NewID(), 404, dmsd.ETASKNOTFOUND},
		{"malformed instance id", "/v2/" + project + "/instances/xyz/tasks", 400, dmsd.EINVALIDINSTANCEID},
		{"unknown instance", "/v2/" + project + "/instances/" + dmsd.NewUUID() + "/tasks", 404, dmsd.EINSTANCENOTFOUND},
		{"malformed project id", "/v2/PROJECT/instances/" + id + "/tasks", 400, dmsd.EINVALIDPROJECTID},
		{"other project", "/v2/" + s.creds[1].ProjectID + "/instances/" + id + "/tasks", 404, dmsd.EPROJECTNOTFOUND},
		{"unknown route", "/v2/" + project + "/nothing-here", 404, dmsd.ENOTFOUNDURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := s.signedGet(t, 0, tc.path)
			require.Equal(t, tc.status, status, body)
			var e struct {
				Code string `json:"error_code"`
				Msg  string `json:"error_msg"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			require.Equal(t, tc.code, e.Code, body)
			require.NotEmpty(t, e.Msg)
		})
	}

	instancePath := "/v2/" + project + "/instances/" + id
	for _, tc := range []struct {
		name   string
		req    sdkRequest
		status int
		code   string
	}{
		{"project header differs from path", sdkRequest{method: "GET", pathAndQuery: tasks, headers: map[string]string{"X-Project-Id": s.creds[1].ProjectID}}, 401, dmsd.EPROJECTMISMATCH},
		{"date outside the skew", sdkRequest{method: "GET", pathAndQuery: tasks, date: time.Now().Add(-16 * time.Minute)}, 401, dmsd.ETOKENEXPIRED},
		{"body not JSON", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: "{enable_auto_topic: yes", headers: map[string]string{"Content-Type": "application/json"}}, 400, dmsd.EINVALIDJSON},
		{"body of the wrong type", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: `{"enable_auto_topic":"yes"}`, headers: map[string]string{"Content-Type": "application/json"}}, 400, dmsd.EINVALIDJSON},
		{"empty body", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", headers: map[string]string{"Content-Type": "application/json"}}, 400, dmsd.EEMPTYBODY},
		{"field missing", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: `{}`, headers: map[string]string{"Content-Type": "application/json"}}, 400, dmsd.EINVALID},
		{"body too large", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: `{"x":"` + strings.Repeat("a", 2<<20) + `"}`, headers: map[string]string{"Content-Type": "application/json"}}, 413, dmsd.EBODYTOOLARGE},
		{"unknown engine", sdkRequest{method: "POST", pathAndQuery: "/v2/rabbitmq/" + project + "/instances", body: `{}`, headers: map[string]string{"Content-Type": "application/json"}}, 400, dmsd.EUNSUPPORTEDENGINE},
		{"unsupported feature", sdkRequest{method: "POST", pathAndQuery: "/v2/kafka/" + project + "/instances", body: `{"name":"with-ssl","ssl_enable":true}`, headers: map[string]string{"Content-Type": "application/json"}}, 400, dmsd.EINVALID},
		{"batch action unknown", sdkRequest{method: "POST", pathAndQuery: "/v2/" + project + "/instances/action", body: `{"action":"stop","instances":["` + id + `"]}`, headers: map[string]string{"Content-Type": "application/json"}}, 400, dmsd.EINVALIDACTION},
		{"batch of 51", sdkRequest{method: "POST", pathAndQuery: "/v2/" + project + "/instances/action", body: `{"action":"restart","instances":["` + strings.TrimSuffix(strings.Repeat(id+`","`, 51), `","`) + `"]}`, headers: map[string]string{"Content-Type": "application/json"}}, 400, dmsd.ETOOMANYINSTANCES},
		{"delete malformed instance", sdkRequest{method: "DELETE", pathAndQuery: "/v2/" + project + "/instances/1;DROP"}, 400, dmsd.EINVALIDINSTANCEID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := s.signedDo(t, 0, tc.req)
			require.Equal(t, tc.status, status, body)
			var e struct {
				Code string `json:"error_code"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			require.Equal(t, tc.code, e.Code, body)
		})
	}

	t.Run("wrong method", func(t *testing.T) {
		resp, err := http.DefaultClient.Do(mustRequest(t, http.MethodPut, s.url+tasks, nil))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		require.NotEmpty(t, resp.Header.Get("X-Request-Id"))
	})

	t.Run("unsigned", func(t *testing.T) {
		resp, err := http.DefaultClient.Do(mustRequest(t, http.MethodGet, s.url+tasks, nil))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})

	t.Run("wrong secret", func(t *testing.T) {
		bad := s.creds[0]
		bad.SecretKey = "not-the-secret"
		s.creds = append(s.creds, bad)
		_, err := s.client(len(s.creds) - 1).ListBackgroundTasks(&model.ListBackgroundTasksRequest{InstanceId: id})
		requireDMSError(t, err, 401, dmsd.ETOKENINVALID)
	})

	t.Run("invalid instance create", func(t *testing.T) {
		req := newCreateRequest("x", 3, false)
		_, err := c.CreateInstanceByEngine(req)
		requireDMSError(t, err, 400, dmsd.EINVALIDNAME)
		req = newCreateRequest("valid-name", 3, false)
		req.Body.VpcId = ""
		_, err = c.CreateInstanceByEngine(req)
		requireDMSError(t, err, 400, dmsd.EEMPTYVPC)
		instances, err := c.ListInstances(&model.ListInstancesRequest{})
		require.NoError(t, err)
		require.Equal(t, int32(1), *instances.InstanceNum, "a refused create creates nothing")
		require.Equal(t, id, *(*instances.Instances)[0].InstanceId)
		for _, filter := range []*model.ListInstancesRequest{
			{Name: ptr("bad-req")},
			{InstanceId: &id},
			{Status: ptr(model.GetListInstancesRequestStatusEnum().RUNNING)},
			{Engine: model.GetListInstancesRequestEngineEnum().KAFKA},
		} {
			instances, err = c.ListInstances(filter)
			require.NoError(t, err)
			require.Equal(t, int32(1), *instances.InstanceNum, filter.String())
		}
		for _, filter := range []*model.ListInstancesRequest{
			{Name: ptr("nomatch")},
			{InstanceId: ptr(dmsd.NewUUID())},
			{Status: ptr(model.GetListInstancesRequestStatusEnum().CREATING)},
		} {
			instances, err = c.ListInstances(filter)
			require.NoError(t, err)
			require.Equal(t, int32(0), *instances.InstanceNum, filter.String())
			require.Empty(t, *instances.Instances)
		}
	})

	t.Run("invalid batch action", func(t *testing.T) {
		_, err := c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
			Instances: &[]string{}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
		}})
		requireDMSError(t, err, 400, dmsd.EEMPTYINSTANCES)
	})
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "1", *list.TaskCount, "bad requests start no task")
}

func TestDeleteInstance(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "short-lived", 1, false)
	id := *inst.InstanceId

	_, err := c.DeleteInstance(&model.DeleteInstanceRequest{InstanceId: id})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
		return err != nil && strings.Contains(err.Error(), dmsd.EINSTANCENOTFOUND)
	}, 30*time.Second, 5*time.Millisecond)
	_, err = c.ListBackgroundTasks(&model.ListBackgroundTasksRequest{InstanceId: id})
	requireDMSError(t, err, 404, dmsd.EINSTANCENOTFOUND)

	// Its brokers are gone too.
	cl, err := kgo.NewClient(kgo.SeedBrokers(*inst.ConnectAddress + ":" + strconv.Itoa(int(*inst.Port))))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	require.Error(t, cl.Ping(ctx))
}

func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client(0)
	inst := createInstance(t, c, "durable", 3, false)
	id := *inst.InstanceId
	cl := kafkaClient(t, inst)
	_, err := kadm.NewClient(cl).CreateTopic(context.Background(), 1, 1, nil, "kept")
	require.NoError(t, err)
	require.NoError(t, cl.ProduceSync(context.Background(), &kgo.Record{Topic: "kept", Value: []byte("survives")}).FirstErr())
	before := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	cl.Close()
	s.stop()

	s = startServer(t, dir)
	c = s.client(0)
	after := waitInstance(t, c, id, "RUNNING")
	require.Equal(t, *inst.Port, *after.Port, "the brokers keep their address")
	require.Equal(t, before, listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}))

	consumer := kafkaClient(t, after, kgo.ConsumeTopics("kept"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fetches := consumer.PollFetches(context.Background())
	require.NoError(t, fetches.Err())
	require.Equal(t, "survives", string(fetches.Records()[0].Value))
}
