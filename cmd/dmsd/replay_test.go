package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	sdkconfig "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/httphandler"
	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

// captured is a signed request as an eavesdropper keeps it: the same bytes
// can be sent again, to any replica (Host is not signed).
type captured struct {
	req  *http.Request
	body string
}

// capture signs r once with the i-th credential of s.
func capture(t *testing.T, s *testServer, i int, r sdkRequest) *captured {
	t.Helper()
	hr, err := signRequest(s.url, s.creds[i], r)
	require.NoError(t, err)
	var body []byte
	if hr.Body != nil {
		body, err = io.ReadAll(hr.Body)
		require.NoError(t, err)
	}
	return &captured{req: hr, body: string(body)}
}

// sendTo sends the captured request, byte for byte, to the server at
// baseURL and returns the status and body.
func (c *captured) sendTo(t *testing.T, baseURL string) (int, string) {
	t.Helper()
	base, err := url.Parse(baseURL)
	require.NoError(t, err)
	r := c.req.Clone(c.req.Context())
	r.URL.Host, r.Host = base.Host, base.Host
	r.Body = io.NopCloser(strings.NewReader(c.body))
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// actionResults decodes the results of instances/action.
func actionResults(t *testing.T, body string) []actionResult {
	t.Helper()
	var out struct {
		Results []actionResult `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &out), body)
	return out.Results
}

type actionResult struct {
	Result    string `json:"result"`
	ErrorCode string `json:"error_code"`
}

// The official SDK signs to the second and sends no nonce: the same call
// twice in one second is the same signed request. The second gets the
// service's own answer (the topic exists), not a replay error.
func TestSDKRepeatInOneSecondGetsTheServiceAnswer(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	id := *createInstance(t, s.client(0), "same-second", 1, false).InstanceId

	// The SDK's own request hook shows what it signed.
	var mu sync.Mutex
	var auths []string
	cred, err := basic.NewCredentialsBuilder().WithAk(s.creds[0].AccessKey).WithSk(s.creds[0].SecretKey).WithProjectId(s.creds[0].ProjectID).SafeBuild()
	require.NoError(t, err)
	hook := httphandler.NewHttpHandler().AddRequestHandler(func(r http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auths = append(auths, r.Header.Get("Authorization"))
	})
	hc, err := kafkasdk.KafkaClientBuilder().WithEndpoints([]string{s.url}).WithCredential(cred).
		WithHttpConfig(sdkconfig.DefaultHttpConfig().WithTimeout(30 * time.Second).WithHttpHandler(hook)).SafeBuild()
	require.NoError(t, err)
	c := kafkasdk.NewKafkaClient(hc)

	// Two calls may straddle a second boundary; a few tries make one pair
	// fall within one second.
	sameSecond := 0
	for try := range 5 {
		mu.Lock()
		auths = nil
		mu.Unlock()
		create := &model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "twice-" + string(rune('a'+try)), Partition: ptr(int32(1))}}
		_, err := c.CreateInstanceTopic(create)
		require.NoError(t, err, "the first call creates the topic")
		_, err = c.CreateInstanceTopic(create)
		requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICEXISTS)
		mu.Lock()
		require.Len(t, auths, 2)
		same := auths[0] == auths[1]
		mu.Unlock()
		if same {
			sameSecond++
			break
		}
	}
	require.Equal(t, 1, sameSecond, "two calls within one second carried one signature")
}

// A DELETE of an instance refused because a task runs, sent again byte for
// byte once the instance is idle, is refused as a replay: the instance stays.
func TestReplayedDeleteAfterRefusalDeletesNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	// The restart is quick: should it end before the DELETE arrives, the
	// instance goes, and the try starts again on a new one.
	var id string
	var del *captured
	for try := 1; ; try++ {
		id = *createInstance(t, c, "refused-delete-"+strconv.Itoa(try), 1, false).InstanceId
		del = capture(t, s, 0, sdkRequest{method: http.MethodDelete, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/" + id})
		_, err := c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
			Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
		}})
		require.NoError(t, err)
		status, body := del.sendTo(t, s.url)
		if status == http.StatusNoContent && try < 5 {
			continue
		}
		require.Equal(t, http.StatusBadRequest, status, body)
		require.Equal(t, dmsd.EINSTANCESTATUS, requireClientError(t, status, body).Code, "the restart accepted just before still runs: RESTARTING")
		break
	}

	restart := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))}).Tasks)[0]
	require.Equal(t, "restartInstance", *restart.Name)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *restart.Id).Status)
	waitInstance(t, c, id, "RUNNING")

	status, body := del.sendTo(t, s.url)
	require.Equal(t, http.StatusUnauthorized, status, body)
	require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
	inst := waitInstance(t, c, id, "RUNNING")
	require.Equal(t, "2", *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount, "createInstance and restartInstance, no deleteInstance")
	require.Equal(t, "RUNNING", *inst.Status)
}

// A re-sent POST whose task would start again is refused: no second task.
func TestReplayedRestartStartsNoSecondTask(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	id := *createInstance(t, c, "replayed-restart", 1, false).InstanceId
	restart := capture(t, s, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/action",
		body: `{"action":"restart","instances":["` + id + `"]}`, headers: map[string]string{"Content-Type": "application/json"}})

	status, body := restart.sendTo(t, s.url)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "success", actionResults(t, body)[0].Result, body)
	task := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))}).Tasks)[0]
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *task.Id).Status)
	waitInstance(t, c, id, "RUNNING")

	status, body = restart.sendTo(t, s.url)
	require.Equal(t, http.StatusOK, status, body)
	res := actionResults(t, body)[0]
	require.Equal(t, "failed", res.Result, body)
	require.Equal(t, dmsd.EREPLAYED, res.ErrorCode, body)
	require.Equal(t, "2", *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount, "createInstance and one restartInstance")
	require.Equal(t, "RUNNING", *waitInstance(t, c, id, "RUNNING").Status)
}

// An instance update that changed the retention policy, sent again byte for
// byte once its task ended, gets the service's answer: the policy is the one
// it asks for, so nothing changes (204) and no second task starts. Once the
// policy is back, the same bytes would change it, and are refused.
func TestReplayedPolicyChangeGetsTheServiceAnswer(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	id := *createInstance(t, c, "replayed-policy", 1, false).InstanceId
	update := capture(t, s, 0, sdkRequest{method: http.MethodPut, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/" + id,
		body: `{"retention_policy":"produce_reject"}`, headers: map[string]string{"Content-Type": "application/json"}})
	status, body := update.sendTo(t, s.url)
	require.Equal(t, http.StatusNoContent, status, body)
	task := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))}).Tasks)[0]
	require.Equal(t, "changeRetentionPolicy", *task.Name)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *task.Id).Status)

	status, body = update.sendTo(t, s.url)
	require.Equal(t, http.StatusNoContent, status, body)
	require.Equal(t, "2", *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount, "createInstance and one changeRetentionPolicy")

	_, err := c.UpdateInstance(&model.UpdateInstanceRequest{InstanceId: id, Body: &model.UpdateInstanceReq{RetentionPolicy: ptr(model.GetUpdateInstanceReqRetentionPolicyEnum().TIME_BASE)}})
	require.NoError(t, err)
	task = (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))}).Tasks)[0]
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *task.Id).Status)
	status, body = update.sendTo(t, s.url)
	require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
	require.Equal(t, "3", *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount)
}

// A DELETE of a task record refused while the task was unfinished, re-sent
// once it finished, deletes nothing; a DELETE that deleted a record, re-sent,
// gets the service's answer: the record is not found. The unfinished task is
// a scheduled reassignment, CREATED until it is cancelled, so that no race
// with a quick task decides what the first DELETE meets.
func TestReplayedTaskDelete(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	id := *createInstance(t, c, "replayed-task-delete", 1, false).InstanceId
	create := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0]
	taskPath := "/v2/" + s.creds[0].ProjectID + "/instances/" + id + "/tasks/"
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "moved", Partition: ptr(int32(1)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	scheduled, err := c.CreateKafkaReassignmentTask(&model.CreateKafkaReassignmentTaskRequest{InstanceId: id, Body: &model.PartitionReassignRequest{
		Reassignments: []model.PartitionReassignEntity{{Topic: "moved", Brokers: &[]int32{0}}},
		IsSchedule:    ptr(true), ExecuteAt: ptr(time.Now().Add(time.Hour).UnixMilli()),
	}})
	require.NoError(t, err)
	later := *scheduled.JobId

	early := capture(t, s, 0, sdkRequest{method: http.MethodDelete, pathAndQuery: taskPath + later})
	status, body := early.sendTo(t, s.url)
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Equal(t, dmsd.ETASKRUNNING, requireClientError(t, status, body).Code, "the scheduled task has not run")
	_, err = c.UpdateScheduledTask(&model.UpdateScheduledTaskRequest{InstanceId: id, TaskId: later, Status: ptr("CANCELLED")})
	require.NoError(t, err)
	status, body = early.sendTo(t, s.url)
	require.Equal(t, http.StatusUnauthorized, status, body)
	require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
	shown, err := c.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: id, TaskId: later})
	require.NoError(t, err, "the cancelled task's record stays")
	require.Equal(t, "CANCELLED", *(*shown.Tasks)[0].Status)

	del := capture(t, s, 0, sdkRequest{method: http.MethodDelete, pathAndQuery: taskPath + *create.Id})
	status, body = del.sendTo(t, s.url)
	require.Equal(t, http.StatusNoContent, status, body)
	status, body = del.sendTo(t, s.url)
	require.Equal(t, http.StatusNotFound, status, body)
	require.Equal(t, dmsd.ETASKNOTFOUND, requireClientError(t, status, body).Code)
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "1", *list.TaskCount, "only the cancelled task's record is left")
	require.Equal(t, later, *(*list.Tasks)[0].Id)
}

// N identical signed POSTs sent at once: exactly one takes effect, the
// others get the service's answer (a task runs) or are refused as replays.
func TestIdenticalRequestsAtOnceTakeEffectOnce(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	id := *createInstance(t, c, "at-once", 1, false).InstanceId
	req := capture(t, s, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/" + id + "/autotopic",
		body: `{"enable_auto_topic":true}`, headers: map[string]string{"Content-Type": "application/json"}})
	requireOnce(t, fireAtOnce(t, req, s.url, s.url, s.url, s.url, s.url, s.url, s.url, s.url))
	require.Equal(t, "2", *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount, "createInstance and one automatic topic change")
}

// The signatures are spent in the database the replicas share: identical
// requests spread over two replicas take effect once, and a refused DELETE
// re-sent through the other replica once the instance is idle deletes
// nothing.
func TestReplaysAcrossReplicas(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	a, b := startReplicas(t, dbURL, "replay-a", "replay-b")
	dirA := a.dataDir
	id := *createInstance(t, a.client(0), "replayed-on-replicas", 1, false).InstanceId
	project := a.creds[0].ProjectID

	topic := capture(t, a, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + project + "/instances/" + id + "/autotopic",
		body: `{"enable_auto_topic":true}`, headers: map[string]string{"Content-Type": "application/json"}})
	requireOnce(t, fireAtOnce(t, topic, a.url, b.url, a.url, b.url, a.url, b.url, a.url, b.url))
	tasks := listTasks(t, b.client(0), &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "2", *tasks.TaskCount, "createInstance and one automatic topic change")
	waitTask(t, b.client(0), id, *(*tasks.Tasks)[0].Id)
	waitInstance(t, b.client(0), id, "RUNNING")

	// With A, which runs the instance's tasks, stopped, a restart accepted
	// by B stays unfinished: a DELETE through B is refused for certain.
	a.stop()
	_, err := b.client(0).BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
	}})
	require.NoError(t, err)
	del := capture(t, b, 0, sdkRequest{method: http.MethodDelete, pathAndQuery: "/v2/" + project + "/instances/" + id})
	status, body := del.sendTo(t, b.url)
	require.Equal(t, dmsd.EINSTANCESTATUS, requireClientError(t, status, body).Code, body)

	a = startServer(t, dirA, "--database-url", dbURL, "--replica-id", "replay-a")
	restart := (*listTasks(t, a.client(0), &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))}).Tasks)[0]
	require.Equal(t, "SUCCESS", *waitTask(t, a.client(0), id, *restart.Id).Status)
	waitInstance(t, a.client(0), id, "RUNNING")
	status, body = del.sendTo(t, a.url)
	require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code, body)
	require.Equal(t, "RUNNING", *waitInstance(t, b.client(0), id, "RUNNING").Status, "the instance stays")
}

// answer is a status and a body.
type answer struct {
	status int
	body   string
}

// fireAtOnce sends the captured request to each of urls at the same moment
// and returns the answers.
func fireAtOnce(t *testing.T, c *captured, urls ...string) []answer {
	t.Helper()
	out := make([]answer, len(urls))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() {
			<-start
			out[i].status, out[i].body = c.sendTo(t, u)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// requireOnce asserts that exactly one of the answers is a success and that
// every other is the service's refusal while a task runs or a replay's.
func requireOnce(t *testing.T, answers []answer) {
	t.Helper()
	ok := 0
	for _, a := range answers {
		if a.status == http.StatusOK {
			ok++
			continue
		}
		require.Contains(t, []string{dmsd.ETASKRUNNING, dmsd.EINSTANCESTATUS, dmsd.EREPLAYED}, requireClientError(t, a.status, a.body).Code, a.body)
	}
	require.Equal(t, 1, ok, "exactly one of %d identical requests took effect: %v", len(answers), answers)
}

// Synchronous operations (topics, users, the instance's description) answer a
// re-sent request as the service would when that changes nothing, and refuse
// it where it would change something again.
func TestReplayedSynchronousOperations(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	id := *createSASLInstance(t, c, "replayed-sync").InstanceId
	base := "/v2/" + s.creds[0].ProjectID + "/instances/" + id
	jsonCT := map[string]string{"Content-Type": "application/json"}
	// Captured requests are dated a little in the past, so that no request
	// the test signs anew for the same operation shares their signature.
	past := time.Now().Add(-time.Minute)
	// The SDK signs to the second: a second create of the same topic with
	// the same body within one second would be the same request, so each
	// create here differs in its partitions.
	createTopic := func(name string, partitions int32) {
		t.Helper()
		_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: name, Partition: ptr(partitions)}})
		require.NoError(t, err)
	}
	hasTopic := func(name string) bool {
		t.Helper()
		topics, err := c.ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id})
		require.NoError(t, err)
		for _, tp := range *topics.Topics {
			if *tp.Name == name {
				return true
			}
		}
		return false
	}
	hasUser := func(name string) bool {
		t.Helper()
		users, err := c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
		require.NoError(t, err)
		for _, u := range *users.Users {
			if *u.UserName == name {
				return true
			}
		}
		return false
	}
	deleteUser := func(name string) {
		t.Helper()
		_, err := c.BatchDeleteInstanceUsers(&model.BatchDeleteInstanceUsersRequest{InstanceId: id,
			Body: &model.BatchDeleteInstanceUsersReq{Action: ptr(model.GetBatchDeleteInstanceUsersReqActionEnum().DELETE), Users: &[]string{name}}})
		require.NoError(t, err)
	}

	t.Run("topic delete", func(t *testing.T) {
		createTopic("doomed", 1)
		del := capture(t, s, 0, sdkRequest{method: http.MethodPost, pathAndQuery: base + "/topics/delete", body: `{"topics":["doomed"]}`, headers: jsonCT, date: past})
		status, body := del.sendTo(t, s.url)
		require.Equal(t, http.StatusOK, status, body)
		require.JSONEq(t, `{"topics":[{"id":"doomed","success":true}]}`, body)
		status, body = del.sendTo(t, s.url)
		require.Equal(t, http.StatusOK, status, body)
		require.JSONEq(t, `{"topics":[{"id":"doomed","success":false}]}`, body, "the topic is gone: the service's own answer")
		createTopic("doomed", 2)
		status, body = del.sendTo(t, s.url)
		require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
		require.True(t, hasTopic("doomed"), "the topic created anew stays")
	})

	t.Run("user create", func(t *testing.T) {
		create := capture(t, s, 0, sdkRequest{method: http.MethodPost, pathAndQuery: base + "/users",
			body: `{"user_name":"replayed1","user_desc":"","user_passwd":"Replay-Pass1"}`, headers: jsonCT, date: past})
		status, body := create.sendTo(t, s.url)
		require.Equal(t, http.StatusNoContent, status, body)
		status, body = create.sendTo(t, s.url)
		require.Equal(t, dmsd.EUSEREXISTS, requireClientError(t, status, body).Code, "the service's own answer")
		deleteUser("replayed1")
		status, body = create.sendTo(t, s.url)
		require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
		require.False(t, hasUser("replayed1"), "the deleted user is not created again")
	})

	t.Run("user delete", func(t *testing.T) {
		require.NoError(t, createUser(c, id, "replayed2", "", "Replay-Pass2"))
		del := capture(t, s, 0, sdkRequest{method: http.MethodPut, pathAndQuery: base + "/users",
			body: `{"action":"delete","users":["replayed2"]}`, headers: jsonCT, date: past})
		status, body := del.sendTo(t, s.url)
		require.Equal(t, http.StatusNoContent, status, body)
		status, body = del.sendTo(t, s.url)
		require.Equal(t, http.StatusNoContent, status, "no such user any more: the service's own answer, which changes nothing: %s", body)
		require.NoError(t, createUser(c, id, "replayed2", "", "Replay-Pass3"), "another password: not the request made before")
		status, body = del.sendTo(t, s.url)
		require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
		require.True(t, hasUser("replayed2"), "the user created anew stays")
	})

	t.Run("instance description", func(t *testing.T) {
		update := capture(t, s, 0, sdkRequest{method: http.MethodPut, pathAndQuery: base, body: `{"description":"original"}`, headers: jsonCT, date: past})
		status, body := update.sendTo(t, s.url)
		require.Equal(t, http.StatusNoContent, status, body)
		status, body = update.sendTo(t, s.url)
		require.Equal(t, http.StatusNoContent, status, "the description is already so: nothing changes: %s", body)
		_, err := c.UpdateInstance(&model.UpdateInstanceRequest{InstanceId: id, Body: &model.UpdateInstanceReq{Description: ptr("changed since")}})
		require.NoError(t, err)
		status, body = update.sendTo(t, s.url)
		require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
		inst, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
		require.NoError(t, err)
		require.Equal(t, "changed since", *inst.Description)
	})
}
