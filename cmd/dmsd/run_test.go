package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	sdkconfig "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// testServer is a dmsd started through run, as a user starts it.
type testServer struct {
	t       testing.TB
	dataDir string
	url     string
	creds   []dmsd.Credential
	cancel  context.CancelFunc
	done    chan error

	// metricsURL is the URL of the metrics, when --metrics-listen is given.
	metricsURL string
	// logs holds what the server logged (at the --log-level given).
	logs *logBuffer
}

// startServer runs dmsd on dataDir with two projects' credentials (created in
// dataDir at the first start, or put there by the test) and waits until it
// serves /healthz. extraArgs are added to the command line.
func startServer(t testing.TB, dataDir string, extraArgs ...string) *testServer {
	t.Helper()
	credPath := filepath.Join(dataDir, "test-credentials.json")
	if _, err := os.Stat(credPath); err != nil {
		require.NoError(t, os.MkdirAll(dataDir, 0o700))
		creds := credentialsFile{Credentials: []dmsd.Credential{
			{AccessKey: "AKPROJECTONE", SecretKey: "secret-one", ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "alice"},
			{AccessKey: "AKPROJECTTWO", SecretKey: "secret-two", ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "bob"},
		}}
		data, err := json.Marshal(creds)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(credPath, data, 0o600))
	}
	creds, err := loadCredentials(credPath)
	require.NoError(t, err)

	args := append([]string{"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--credentials", credPath, "--log-level", "warn"}, withSharedSecretKey(t, extraArgs)...)
	// The data dir's lock of a server just stopped can still be held for a
	// moment by a child that another test of this process forked meanwhile:
	// the child shares the lock's descriptor from fork until exec closes
	// it. No other dmsd uses a test's data dir, so "in use" is that, and
	// the start is tried again, a bounded number of times.
	var s *testServer
	for attempt := 0; ; attempt++ {
		var runErr error
		s, runErr = launch(t, dataDir, creds, args)
		if s.url != "" {
			break
		}
		if attempt < 50 && runErr != nil && strings.Contains(runErr.Error(), "is in use by") {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		require.Fail(t, "dmsd did not start", "run: %v; its log: %s", runErr, s.logs.String())
	}
	t.Cleanup(s.stop)

	resp, err := http.Get(s.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return s
}

// launch runs dmsd with args and returns it once it listens; or, with no
// url, run's error when it returned before listening.
func launch(t testing.TB, dataDir string, creds []dmsd.Credential, args []string) (*testServer, error) {
	t.Helper()
	s := &testServer{t: t, dataDir: dataDir, creds: creds, logs: &logBuffer{}}
	var logOut io.Writer = s.logs
	if os.Getenv("DMSD_TEST_LOG") != "" {
		logOut = io.MultiWriter(s.logs, os.Stderr)
	}
	p, err := startInProcess(context.Background(), args, logOut)
	if err != nil {
		return s, err
	}
	s.url, s.metricsURL, s.cancel, s.done = p.url, p.metricsURL, p.cancel, p.done
	return s, nil
}

// stop shuts the server down as SIGTERM would and waits for run to return.
func (s *testServer) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	require.NoError(s.t, <-s.done)
}

// client returns the official SDK's client signed with the i-th credential.
func (s *testServer) client(i int) *kafkasdk.KafkaClient {
	return newSDKClient(s.t, s.url, s.creds[i])
}

// newSDKClient returns the official SDK's client for the server at url,
// signing with c.
func newSDKClient(t testing.TB, url string, c dmsd.Credential) *kafkasdk.KafkaClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(c.AccessKey).WithSk(c.SecretKey).WithProjectId(c.ProjectID).SafeBuild()
	require.NoError(t, err)
	hc, err := kafkasdk.KafkaClientBuilder().
		WithEndpoints([]string{url}).
		WithCredential(cred).
		WithHttpConfig(sdkconfig.DefaultHttpConfig().WithTimeout(30 * time.Second)).
		SafeBuild()
	require.NoError(t, err)
	return kafkasdk.NewKafkaClient(hc)
}

func newCreateRequest(name string, brokers int32, autoTopic bool) *model.CreateInstanceByEngineRequest {
	return &model.CreateInstanceByEngineRequest{
		Engine: model.GetCreateInstanceByEngineRequestEngineEnum().KAFKA,
		Body: &model.CreateInstanceByEngineReq{
			Name:            name,
			Engine:          model.GetCreateInstanceByEngineReqEngineEnum().KAFKA,
			EngineVersion:   "3.x",
			BrokerNum:       brokers,
			StorageSpace:    300,
			VpcId:           "vpc-1",
			SecurityGroupId: "sg-1",
			SubnetId:        "subnet-1",
			AvailableZones:  []string{dmsd.DefaultZoneID},
			ProductId:       "c6.2u4g.cluster",
			StorageSpecCode: model.GetCreateInstanceByEngineReqStorageSpecCodeEnum().DMS_PHYSICAL_STORAGE_ULTRA_V2,
			EnableAutoTopic: &autoTopic,
		},
	}
}

// createInstance creates an instance and waits for it to be RUNNING.
func createInstance(t testing.TB, c *kafkasdk.KafkaClient, name string, brokers int32, autoTopic bool) *model.ShowInstanceResponse {
	t.Helper()
	resp, err := c.CreateInstanceByEngine(newCreateRequest(name, brokers, autoTopic))
	require.NoError(t, err)
	require.NotNil(t, resp.InstanceId)
	return waitInstance(t, c, *resp.InstanceId, string(dmsd.InstanceRunning))
}

// waitInstance polls an instance until it reaches status.
func waitInstance(t testing.TB, c *kafkasdk.KafkaClient, id, status string) *model.ShowInstanceResponse {
	t.Helper()
	var inst *model.ShowInstanceResponse
	require.Eventually(t, func() bool {
		var err error
		inst, err = c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
		require.NoError(t, err)
		return *inst.Status == status
	}, 30*time.Second, 5*time.Millisecond, "instance %s never reached %s", id, status)
	return inst
}

// waitTask polls a task until it is finished and returns it.
func waitTask(t testing.TB, c *kafkasdk.KafkaClient, instanceID, taskID string) model.ListBackgroundTasksRespTasks {
	t.Helper()
	var task model.ListBackgroundTasksRespTasks
	require.Eventually(t, func() bool {
		resp, err := c.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: instanceID, TaskId: taskID})
		require.NoError(t, err)
		task = (*resp.Tasks)[0]
		return dmsd.TaskStatus(*task.Status).Finished()
	}, 30*time.Second, 5*time.Millisecond, "task %s never finished", taskID)
	return task
}

func listTasks(t testing.TB, c *kafkasdk.KafkaClient, req *model.ListBackgroundTasksRequest) *model.ListBackgroundTasksResponse {
	t.Helper()
	resp, err := c.ListBackgroundTasks(req)
	require.NoError(t, err)
	return resp
}

// requireDMSError asserts that err is the service's error with the given HTTP
// status and DMS code.
func requireDMSError(t testing.TB, err error, status int, code string) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	require.ErrorAs(t, err, &se)
	require.Equal(t, status, se.StatusCode, "error %s: %s", se.ErrorCode, se.ErrorMessage)
	require.Equal(t, code, se.ErrorCode, se.ErrorMessage)
	require.NotEmpty(t, se.ErrorMessage)
	require.NotEmpty(t, se.RequestId)
}

func ptr[T any](v T) *T { return &v }

func Example_run_help() {
	err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, io.Discard, io.Discard)
	fmt.Println(err)
	// Output: <nil>
}

// sdkRequest is a request to sign as the SDK signs it.
type sdkRequest struct {
	method       string
	pathAndQuery string
	body         string
	date         time.Time // zero: now
	headers      map[string]string
}

// signRequest returns r signed by the SDK's own signer with cred, as an
// *http.Request for the server at endpoint. It is for requests the SDK's
// typed client cannot express (raw queries, broken bodies, odd headers).
func signRequest(endpoint string, cred dmsd.Credential, r sdkRequest) (*http.Request, error) {
	path, rawQuery, _ := strings.Cut(r.pathAndQuery, "?")
	date := r.date
	if date.IsZero() {
		date = time.Now()
	}
	b := request.NewHttpRequestBuilder().
		WithEndpoint(endpoint).
		WithMethod(r.method).
		WithPath(path).
		WithSigningAlgorithm(algorithm.HmacSHA256).
		AddHeaderParam(signer.HeaderXDate, date.UTC().Format(signer.BasicDateFormat))
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	for k, vs := range q {
		if len(vs) == 1 {
			b.AddQueryParam(k, reflect.ValueOf(vs[0]))
		} else {
			b.AddQueryParam(k, reflect.ValueOf(vs))
		}
	}
	for k, v := range r.headers {
		b.AddHeaderParam(k, v)
	}
	if r.body != "" {
		b.WithBody("", r.body)
	}
	req := b.Build()
	sn, err := signer.GetSigner(algorithm.HmacSHA256)
	if err != nil {
		return nil, err
	}
	headers, err := sn.Sign(req, cred.AccessKey, cred.SecretKey)
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		req.AddHeaderParam(k, v)
	}
	return req.ConvertRequest()
}

// signedDo sends r signed with the i-th credential and returns the status and
// body; every answer must carry X-Request-Id.
func (s *testServer) signedDo(t testing.TB, i int, r sdkRequest) (int, string) {
	t.Helper()
	hr, err := signRequest(s.url, s.creds[i], r)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(hr)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NotEmpty(t, resp.Header.Get("X-Request-Id"))
	return resp.StatusCode, string(body)
}

// signedGet sends GET pathAndQuery signed with the i-th credential.
func (s *testServer) signedGet(t testing.TB, i int, pathAndQuery string) (int, string) {
	t.Helper()
	return s.signedDo(t, i, sdkRequest{method: http.MethodGet, pathAndQuery: pathAndQuery})
}

func mustRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	return r
}
