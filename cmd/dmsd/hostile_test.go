package main

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// dmsdError is the body of every error answer.
type dmsdError struct {
	Code string `json:"error_code"`
	Msg  string `json:"error_msg"`
}

// requireClientError asserts a 4xx answer in the service's error format.
func requireClientError(t *testing.T, status int, body string) dmsdError {
	t.Helper()
	require.GreaterOrEqual(t, status, 400, body)
	require.Less(t, status, 500, body)
	var e dmsdError
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	require.True(t, strings.HasPrefix(e.Code, "DMS."), body)
	require.NotEmpty(t, e.Msg)
	return e
}

// snapshot is what a project can see of its instances and tasks; hostile
// requests must leave it as it was.
func snapshot(t *testing.T, s *testServer, i int) string {
	t.Helper()
	c := s.client(i)
	instances, err := c.ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err)
	var b strings.Builder
	for _, inst := range *instances.Instances {
		b.WriteString(*inst.InstanceId + " " + *inst.Status + " " + *inst.Name + "\n")
		list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: *inst.InstanceId, Limit: ptr(int32(100))})
		for _, task := range *list.Tasks {
			b.WriteString(*task.Id + " " + *task.Name + " " + *task.Status + "\n")
		}
	}
	return b.String()
}

func TestHostileRequests(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	inst := createInstance(t, s.client(0), "hostile", 1, false)
	id := *inst.InstanceId
	project := s.creds[0].ProjectID
	instancePath := "/v2/" + project + "/instances/" + id
	taskID := *(*listTasks(t, s.client(0), &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0].Id
	before := snapshot(t, s, 0)
	jsonCT := map[string]string{"Content-Type": "application/json"}

	for _, tc := range []struct {
		name string
		req  sdkRequest
		code string
	}{
		{"SQL in the instance id", sdkRequest{method: "GET", pathAndQuery: "/v2/" + project + "/instances/x' OR '1'='1/tasks"}, dmsd.EINVALIDINSTANCEID},
		{"SQL in the task id", sdkRequest{method: "DELETE", pathAndQuery: instancePath + "/tasks/1;DELETE FROM tasks"}, dmsd.EINVALIDTASKID},
		{"traversal in the task id", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks/..%2F..%2Fetc%2Fpasswd"}, dmsd.EINVALIDTASKID},
		{"traversal in the instance id", sdkRequest{method: "DELETE", pathAndQuery: "/v2/" + project + "/instances/..%2F" + id}, dmsd.EINVALIDINSTANCEID},
		{"upper-case task id", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks/" + strings.ToUpper(taskID)}, dmsd.EINVALIDTASKID},
		{"invalid UTF-8 in the query", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks?begin_time=%ff%fe"}, dmsd.EINVALID},
		{"invalid UTF-8 in the body", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: "{\"enable_auto_topic\":\"\xff\"}", headers: jsonCT}, dmsd.EINVALIDJSON},
		{"duplicate query parameter", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks?limit=1&limit=100"}, dmsd.EINVALID},
		{"unknown query parameter", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks?order=asc"}, dmsd.EINVALID},
		{"query on a route without one", sdkRequest{method: "DELETE", pathAndQuery: instancePath + "/tasks/" + taskID + "?force=true"}, dmsd.EINVALID},
		{"impossible date", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks?begin_time=20241340000000"}, dmsd.EINVALIDTIME},
		{"huge limit", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks?limit=18446744073709551617"}, dmsd.ELIMIT},
		{"huge offset", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks?offset=1000000000000"}, dmsd.EOFFSET},
		// Another type than JSON that the SDK still signs the body of (for text/plain it signs UNSIGNED-PAYLOAD).
		{"wrong content type", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: `{"enable_auto_topic":true}`, headers: map[string]string{"Content-Type": "application/json-patch+json"}}, dmsd.ECONTENTTYPE},
		{"JSON with trailing data", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: `{"enable_auto_topic":true} {}`, headers: jsonCT}, dmsd.EINVALIDJSON},
		{"oversized body", sdkRequest{method: "POST", pathAndQuery: "/v2/" + project + "/instances/action", body: `{"action":"restart","instances":["` + strings.Repeat("a", 2<<20) + `"]}`, headers: jsonCT}, dmsd.EBODYTOOLARGE},
		{"oversized header", sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks", headers: map[string]string{"X-Padding": strings.Repeat("p", 32<<10)}}, dmsd.EHEADERSTOOLARGE},
		// Tenancy: what is not the caller's, and numbers past the SDK's int32.
		{"external at an embedded broker", sdkRequest{method: "POST", pathAndQuery: "/v2/kafka/" + project + "/instances", body: externalBody(t, "adopter", *inst.KafkaPrivateConnectAddress), headers: jsonCT}, dmsd.EADDRREFUSED},
		{"external at dmsd's API", sdkRequest{method: "POST", pathAndQuery: "/v2/kafka/" + project + "/instances", body: externalBody(t, "adopter", "localhost:"+portOf(t, s.url)), headers: jsonCT}, dmsd.EADDRREFUSED},
		{"external not allowed", sdkRequest{method: "POST", pathAndQuery: "/v2/kafka/" + project + "/instances", body: externalBody(t, "adopter", "169.254.169.254:80"), headers: jsonCT}, dmsd.EADDRREFUSED},
		{"storage_space past int32", sdkRequest{method: "POST", pathAndQuery: "/v2/kafka/" + project + "/instances", body: createBody(t, "huge-disk", 1, func(m map[string]any) { m["storage_space"] = 3000000000 }), headers: jsonCT}, dmsd.EINVALIDDISK},
		{"new_storage_space past int32", sdkRequest{method: "POST", pathAndQuery: "/v2/kafka/" + project + "/instances/" + id + "/extend", body: `{"oper_type":"storage","new_storage_space":3000000000}`, headers: jsonCT}, dmsd.EINVALIDDISK},
		{"throttle past int32", sdkRequest{method: "POST", pathAndQuery: "/v2/" + project + "/kafka/instances/" + id + "/reassign", body: `{"reassignments":[{"topic":"some-topic","brokers":[0]}],"throttle":3000000000}`, headers: jsonCT}, dmsd.EINVALID},
		// The hash is SHA-256 of {"enable_auto_topic":false}: the signature covers it, not the body sent.
		{"body other than its signed hash", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: `{"enable_auto_topic":true}`, headers: map[string]string{"Content-Type": "application/json", "X-Sdk-Content-Sha256": "7238b1246baf9ed24e231f7184cd1182177ddbc30fbf67067b9233f4dbb0fbf0"}}, dmsd.ETOKENINVALID},
		{"UNSIGNED-PAYLOAD with a body", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: `{"enable_auto_topic":true}`, headers: map[string]string{"Content-Type": "application/json", "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}}, dmsd.ETOKENINVALID},
		{"malformed body hash", sdkRequest{method: "POST", pathAndQuery: instancePath + "/autotopic", body: `{"enable_auto_topic":true}`, headers: map[string]string{"Content-Type": "application/json", "X-Sdk-Content-Sha256": "not-a-hash"}}, dmsd.ETOKENINVALID},
		{"metrics on the API listener", sdkRequest{method: "GET", pathAndQuery: "/metrics"}, dmsd.ENOTFOUNDURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := s.signedDo(t, 0, tc.req)
			require.Equal(t, tc.code, requireClientError(t, status, body).Code, body)
		})
	}

	// Signatures that do not cover what they must.
	for _, tc := range []struct {
		name   string
		tamper func(r *http.Request)
	}{
		{"x-sdk-date not signed", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "x-sdk-date", "x-sdk-datf", 1))
		}},
		{"signed header missing", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=", "SignedHeaders=a-missing-header;", 1))
		}},
		{"signature of another request", func(r *http.Request) { r.URL.RawQuery = "limit=2" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hr, err := signRequest(s.url, s.creds[0], sdkRequest{method: "GET", pathAndQuery: instancePath + "/tasks?limit=1"})
			require.NoError(t, err)
			tc.tamper(hr)
			resp, err := http.DefaultClient.Do(hr)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, string(body))
			require.Equal(t, dmsd.ETOKENINVALID, requireClientError(t, resp.StatusCode, string(body)).Code)
		})
	}

	require.Equal(t, before, snapshot(t, s, 0), "hostile requests changed nothing")
}

// A captured request that starts a task, sent again while its signature
// still verifies, does not start a second one.
func TestReplayedRequestStartsNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	inst := createInstance(t, s.client(0), "replay", 1, false)
	id := *inst.InstanceId
	req := sdkRequest{method: "POST", pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/" + id + "/autotopic",
		body: `{"enable_auto_topic":true}`, headers: map[string]string{"Content-Type": "application/json"}}
	captured, err := signRequest(s.url, s.creds[0], req)
	require.NoError(t, err)
	body, err := io.ReadAll(captured.Body)
	require.NoError(t, err)
	send := func() (int, string) {
		r := captured.Clone(captured.Context())
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		resp, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, answer := send()
	require.Equal(t, http.StatusOK, status, answer)
	list := listTasks(t, s.client(0), &model.ListBackgroundTasksRequest{InstanceId: id})
	waitTask(t, s.client(0), id, *(*list.Tasks)[0].Id)

	status, answer = send()
	require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, answer).Code)
	list = listTasks(t, s.client(0), &model.ListBackgroundTasksRequest{InstanceId: id})
	require.Equal(t, "2", *list.TaskCount, "createInstance and one automatic topic change")
}

func TestRateLimitPerAccessKey(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--rate-limit", "5")
	path := "/v2/" + s.creds[0].ProjectID + "/instances"
	limited := 0
	for range 40 {
		status, body := s.signedGet(t, 0, path)
		if status == http.StatusTooManyRequests {
			require.Equal(t, dmsd.ETOOMANYREQUESTS, requireClientError(t, status, body).Code)
			limited++
		} else {
			require.Equal(t, http.StatusOK, status, body)
		}
	}
	require.Greater(t, limited, 0, "40 requests at once exceed 5 per second with bursts of 10")
	status, body := s.signedGet(t, 1, "/v2/"+s.creds[1].ProjectID+"/instances")
	require.Equal(t, http.StatusOK, status, "another access key has its own budget: %s", body)
}

// A client that never finishes its headers is cut off.
func TestSlowHeadersAreCutOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: dmsd\r\nX-Slow: "))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(30*time.Second)))
	start := time.Now()
	_, err = io.ReadAll(conn)
	require.NoError(t, err, "the server closes the connection")
	require.Less(t, time.Since(start), 20*time.Second)
}

// Thousands of requests with one project's credentials against another
// project's ids: not one byte of the other project's data comes back, and
// nothing of it changes.
func TestProjectsNeverSeeEachOther(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--rate-limit", "100000")
	victim := createInstance(t, s.client(1), "victim-secret-name", 1, false)
	victimID := *victim.InstanceId
	victimTask := *(*listTasks(t, s.client(1), &model.ListBackgroundTasksRequest{InstanceId: victimID}).Tasks)[0].Id
	createInstance(t, s.client(0), "attacker", 1, false)
	before := snapshot(t, s, 1)
	secrets := []string{victimID, victimTask, "victim-secret-name", s.creds[1].UserName, s.creds[1].UserID, strings.TrimPrefix(*victim.KafkaPrivateConnectAddress, "127.0.0.1:")}

	projects := []string{s.creds[0].ProjectID, s.creds[1].ProjectID}
	tasks := []string{victimTask, dmsd.NewID()}
	jsonCT := map[string]string{"Content-Type": "application/json"}
	for i := range 2000 {
		p, inst, task := projects[rand.IntN(2)], victimID, tasks[rand.IntN(2)]
		base := "/v2/" + p + "/instances/" + inst
		reqs := []sdkRequest{
			{method: "GET", pathAndQuery: base},
			{method: "GET", pathAndQuery: base + "/tasks"},
			{method: "GET", pathAndQuery: base + "/tasks/" + task},
			{method: "GET", pathAndQuery: base + "/tasks/" + task + "/progress"},
			{method: "DELETE", pathAndQuery: base + "/tasks/" + task},
			{method: "DELETE", pathAndQuery: base},
			{method: "POST", pathAndQuery: base + "/autotopic", body: `{"enable_auto_topic":true}`, headers: jsonCT},
			{method: "POST", pathAndQuery: "/v2/" + p + "/instances/action", body: `{"action":"delete","instances":["` + inst + `"]}`, headers: jsonCT},
			{method: "GET", pathAndQuery: "/v2/" + p + "/instances?instance_id=" + inst},
		}
		req := reqs[rand.IntN(len(reqs))]
		// Dates spread over the allowed skew keep most signatures distinct;
		// the rest are refused as replays, which is a refusal too.
		req.date = time.Now().Add(time.Duration(i%1700-850) * time.Second)
		status, body := s.signedDo(t, 0, req)
		for _, secret := range secrets {
			if strings.Contains(req.pathAndQuery+req.body, secret) {
				continue // Echoing what the caller sent reveals nothing.
			}
			require.NotContains(t, body, secret, "%s %s answered %d", req.method, req.pathAndQuery, status)
		}
		// Everything is refused, but the two calls that answer for the
		// caller's own project: a filtered list (empty) and a batch
		// action (each instance "failed").
		ownProjectCall := strings.HasPrefix(req.pathAndQuery, "/v2/"+projects[0]+"/instances?") ||
			strings.HasPrefix(req.pathAndQuery, "/v2/"+projects[0]+"/instances/action")
		if !ownProjectCall || status == http.StatusUnauthorized {
			requireClientError(t, status, body)
		} else {
			require.Equal(t, http.StatusOK, status, body)
		}
	}
	require.Equal(t, before, snapshot(t, s, 1), "the victim's instance and tasks are untouched")
}
