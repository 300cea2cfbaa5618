package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
	"github.com/dmsd/dmsd/engine"
	"github.com/dmsd/dmsd/httpapi"
	"github.com/dmsd/dmsd/kafka"
	"github.com/dmsd/dmsd/sqlite"
)

// testServer is dmsd's API served in-process, wired as cmd/dmsd wires it.
type testServer struct {
	url   string
	creds []dmsd.Credential
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	creds := []dmsd.Credential{
		{AccessKey: "AKCLIENTONE", SecretKey: "secret-one", ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "alice"},
		{AccessKey: "AKCLIENTTWO", SecretKey: "secret-two", ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "bob"},
	}

	db, err := sqlite.Open(ctx, filepath.Join(dir, "dmsd.db"), logger)
	require.NoError(t, err)
	clusters := kafka.NewEmbedded(filepath.Join(dir, "kafka"), logger)
	registry := prometheus.NewRegistry()
	eng := engine.New(db, clusters, logger, registry)
	q, err := engine.NewQueue(db.RiverDriver(), engine.QueueConfig{Workers: eng.Workers(), PollInterval: sqlite.PollInterval})
	require.NoError(t, err)
	require.NoError(t, db.StartQueue(ctx, "", q))
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{
		Store:       db,
		Instances:   eng,
		Credentials: creds,
		Logger:      logger,
		Registry:    registry,
	}))
	t.Cleanup(func() {
		srv.Close()
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, db.StopQueue(stopCtx))
		require.NoError(t, clusters.Close())
		require.NoError(t, db.Close())
	})
	return &testServer{url: srv.URL, creds: creds}
}

// client returns a client signed with the i-th credential.
func (s *testServer) client(i int, opts ...client.Option) *client.Client {
	c := s.creds[i]
	opts = append([]client.Option{client.WithPollInterval(10 * time.Millisecond)}, opts...)
	return client.New(s.url, client.Credentials{AccessKey: c.AccessKey, SecretKey: c.SecretKey, ProjectID: c.ProjectID}, opts...)
}

func newInstance(name string) client.CreateInstanceRequest {
	return client.CreateInstanceRequest{
		Name:            name,
		EngineVersion:   "3.x",
		BrokerNum:       1,
		StorageSpace:    100,
		VpcID:           "vpc-1",
		SecurityGroupID: "sg-1",
		SubnetID:        "subnet-1",
		AvailableZones:  []string{dmsd.DefaultZoneID},
		ProductID:       "c6.2u4g.cluster",
		StorageSpecCode: "dms.physical.storage.ultra.v2",
	}
}

// requireError asserts that err is a *client.Error with status and code, and
// a request id.
func requireError(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, status, e.Status, e.Error())
	require.Equal(t, code, e.Code, e.Error())
	require.NotEmpty(t, e.Message)
	require.Regexp(t, `^[0-9a-f]{32}$`, e.RequestID)
	require.Equal(t, code, client.ErrorCode(err))
	require.Contains(t, err.Error(), code)
	require.Contains(t, err.Error(), e.RequestID)
	return e
}

func TestSignature(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()

	list, err := s.client(0).ListInstances(ctx, client.InstanceListOptions{})
	require.NoError(t, err)
	require.Empty(t, list)

	c := s.creds[0]
	wrong := client.New(s.url, client.Credentials{AccessKey: c.AccessKey, SecretKey: "not-the-secret", ProjectID: c.ProjectID})
	_, err = wrong.ListInstances(ctx, client.InstanceListOptions{})
	requireError(t, err, http.StatusUnauthorized, dmsd.ETOKENINVALID)

	// A clock more than 15 minutes off is refused.
	late := s.client(0, client.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }))
	_, err = late.ListInstances(ctx, client.InstanceListOptions{})
	requireError(t, err, http.StatusUnauthorized, dmsd.ETOKENEXPIRED)

	// Another project's access key does not open this project.
	other := client.New(s.url, client.Credentials{AccessKey: s.creds[1].AccessKey, SecretKey: s.creds[1].SecretKey, ProjectID: c.ProjectID})
	_, err = other.ListInstances(ctx, client.InstanceListOptions{})
	requireError(t, err, http.StatusNotFound, dmsd.EPROJECTNOTFOUND)
}

func TestInstanceAndTasks(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.client(0)
	start := time.Now()

	id, err := c.CreateInstance(ctx, newInstance("client-test"))
	require.NoError(t, err)
	require.True(t, dmsd.ValidInstanceID(id), id)

	create, err := c.LatestTask(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "createInstance", create.Name)
	require.Equal(t, id, create.InstanceID)

	var seen []client.Progress
	done, err := c.WaitTask(ctx, id, create.ID, func(task client.Task, p client.Progress) {
		require.Equal(t, create.ID, task.ID)
		seen = append(seen, p)
	})
	require.NoError(t, err)
	require.Equal(t, dmsd.TaskSuccess, done.Status)
	require.NotEmpty(t, seen)
	require.Equal(t, 100, seen[len(seen)-1].Percentage)

	// The typed task: times are times, the user is the credential's.
	require.Equal(t, "alice", done.UserName)
	require.Equal(t, s.creds[0].UserID, done.UserID)
	require.WithinRange(t, done.CreatedAt, start.Add(-time.Second), time.Now())
	require.False(t, done.UpdatedAt.Before(done.CreatedAt))
	require.Contains(t, done.Params, `"broker_num":1`)

	inst, err := c.ShowInstance(ctx, id)
	require.NoError(t, err)
	require.Equal(t, dmsd.InstanceRunning, inst.Status)
	require.Equal(t, "client-test", inst.Name)
	require.Equal(t, 1, inst.BrokerNum)
	require.Equal(t, 100, inst.StorageSpace)
	require.Equal(t, 100, inst.PartitionNum)
	require.Equal(t, "127.0.0.1", inst.ConnectAddress)
	require.NotZero(t, inst.Port)
	require.Len(t, inst.BrokerAddresses, 1)
	require.WithinRange(t, inst.CreatedAt, start.Add(-time.Second), time.Now())

	list, err := c.ListInstances(ctx, client.InstanceListOptions{Name: "client-test", ExactMatchName: true})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, inst, list[0])

	progress, err := c.TaskProgress(ctx, id, create.ID)
	require.NoError(t, err)
	require.Equal(t, 100, progress.Percentage)
	require.Zero(t, progress.RemainSeconds)
	require.Len(t, progress.Steps, 2)
	require.Equal(t, "START_BROKERS", progress.Steps[0].Name)
	for _, step := range progress.Steps {
		require.Equal(t, dmsd.StepSuccess, step.Status)
		require.False(t, step.StartedAt.IsZero())
		require.False(t, step.EndedAt.Before(step.StartedAt))
	}
	_, ok := progress.CurrentStep()
	require.False(t, ok)

	// Restart through the batch action, and follow its task.
	require.NoError(t, c.RestartInstance(ctx, id))
	restart, err := c.LatestTask(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "restartInstance", restart.Name)
	restart, err = c.WaitTask(ctx, id, restart.ID, nil)
	require.NoError(t, err)
	require.Equal(t, dmsd.TaskSuccess, restart.Status)

	page, err := c.ListTasks(ctx, id, client.TaskListOptions{})
	require.NoError(t, err)
	require.Equal(t, 2, page.Count)
	require.Equal(t, []string{"restartInstance", "createInstance"}, []string{page.Tasks[0].Name, page.Tasks[1].Name})
	page, err = c.ListTasks(ctx, id, client.TaskListOptions{Offset: 1, Limit: 1})
	require.NoError(t, err)
	require.Equal(t, 2, page.Count)
	require.Len(t, page.Tasks, 1)
	require.Equal(t, done, page.Tasks[0])
	page, err = c.ListTasks(ctx, id, client.TaskListOptions{Begin: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.Zero(t, page.Count)
	require.Empty(t, page.Tasks)
	page, err = c.ListTasks(ctx, id, client.TaskListOptions{Begin: start.Add(-time.Minute), End: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	require.Equal(t, 2, page.Count)

	shown, err := c.ShowTask(ctx, id, restart.ID)
	require.NoError(t, err)
	require.Equal(t, restart, shown)

	// Deleted task records are gone.
	require.NoError(t, c.DeleteTask(ctx, id, create.ID))
	_, err = c.ShowTask(ctx, id, create.ID)
	requireError(t, err, http.StatusNotFound, dmsd.ETASKNOTFOUND)
	err = c.DeleteTask(ctx, id, create.ID)
	requireError(t, err, http.StatusNotFound, dmsd.ETASKNOTFOUND)

	// Deleting the instance: its task takes its own record with it, which
	// WaitTask reports as success.
	require.NoError(t, c.DeleteInstance(ctx, id))
	del, err := c.LatestTask(ctx, id)
	if err == nil {
		require.Equal(t, "deleteInstance", del.Name)
		// Gone before WaitTask's first look, WaitTask has not seen the
		// task, and says the instance does not exist (as documented).
		if del, err = c.WaitTask(ctx, id, del.ID, nil); client.ErrorCode(err) != dmsd.EINSTANCENOTFOUND {
			require.NoError(t, err)
			require.Equal(t, dmsd.TaskSuccess, del.Status)
		}
	} else {
		requireError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND) // already done
	}
	require.Eventually(t, func() bool {
		_, err := c.ShowInstance(ctx, id)
		return client.ErrorCode(err) == dmsd.EINSTANCENOTFOUND
	}, 10*time.Second, 10*time.Millisecond)
}

func TestErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.client(0)

	_, err := c.ShowInstance(ctx, "00000000-0000-4000-8000-000000000000")
	e := requireError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)
	require.Equal(t, "DMS.00404022: "+e.Message+" (HTTP 404, request id "+e.RequestID+")", e.Error())

	_, err = c.ShowTask(ctx, "00000000-0000-4000-8000-000000000000", "not-a-task-id")
	requireError(t, err, http.StatusBadRequest, dmsd.EINVALIDTASKID)
	_, err = c.ListTasks(ctx, "not-an-instance-id", client.TaskListOptions{})
	requireError(t, err, http.StatusBadRequest, dmsd.EINVALIDINSTANCEID)
	_, err = c.ListTasks(ctx, "00000000-0000-4000-8000-000000000000", client.TaskListOptions{Limit: 101})
	requireError(t, err, http.StatusBadRequest, dmsd.ELIMIT)

	bad := newInstance("x")
	_, err = c.CreateInstance(ctx, bad)
	requireError(t, err, http.StatusBadRequest, dmsd.EINVALIDNAME)

	// The restart of an unknown instance fails in the batch answer; the
	// client finds out why.
	err = c.RestartInstance(ctx, "00000000-0000-4000-8000-000000000000")
	requireError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)

	// An answer that is not in the API's format still becomes an *Error.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "proxy-1")
		http.Error(w, "upstream is down", http.StatusBadGateway)
	}))
	defer proxy.Close()
	_, err = client.New(proxy.URL, client.Credentials{AccessKey: "AK", SecretKey: "SK", ProjectID: dmsd.NewID()}).ListInstances(ctx, client.InstanceListOptions{})
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, client.Error{Status: http.StatusBadGateway, Message: "upstream is down", RequestID: "proxy-1"}, *ce)
	require.Equal(t, "upstream is down (HTTP 502, request id proxy-1)", ce.Error())
}

func TestWaitTaskStopsWithContext(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.client(0)
	id, err := c.CreateInstance(context.Background(), newInstance("client-wait"))
	require.NoError(t, err)
	task, err := c.LatestTask(context.Background(), id)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.WaitTask(ctx, id, task.ID, nil)
	require.ErrorIs(t, err, context.Canceled)
	_, err = c.WaitTask(context.Background(), id, task.ID, nil) // let it finish before cleanup
	require.NoError(t, err)
}

// recorder is a transport that records requests and answers 200 with body.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body []byte
	// answers is the body to answer, by request path suffix.
	answers map[string]string
}

func (rt *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, r)
	rt.body = body
	rt.mu.Unlock()
	answer := "{}"
	for suffix, a := range rt.answers {
		if strings.HasSuffix(r.URL.Path, suffix) {
			answer = a
		}
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(answer)),
		Request:    r,
	}, nil
}

// sdkAuthorization returns the Authorization header the official SDK's
// signer computes for r, whose body is body, with the same X-Sdk-Date and
// the headers the client signs.
func sdkAuthorization(t *testing.T, r *http.Request, body []byte, ak, sk string) string {
	t.Helper()
	b := request.NewHttpRequestBuilder().
		WithEndpoint(r.URL.Scheme+"://"+r.URL.Host).
		WithMethod(r.Method).
		WithPath(r.URL.Path).
		WithSigningAlgorithm(algorithm.HmacSHA256).
		AddHeaderParam("Content-Type", r.Header.Get("Content-Type")).
		AddHeaderParam("X-Project-Id", r.Header.Get("X-Project-Id")).
		AddHeaderParam("X-Dmsd-Nonce", r.Header.Get("X-Dmsd-Nonce")).
		AddHeaderParam(signer.HeaderXDate, r.Header.Get(signer.HeaderXDate))
	for k, vs := range r.URL.Query() {
		require.Len(t, vs, 1)
		b.AddQueryParam(k, reflect.ValueOf(vs[0]))
	}
	if len(body) > 0 {
		b.WithBody("", string(body))
	}
	sn, err := signer.GetSigner(algorithm.HmacSHA256)
	require.NoError(t, err)
	headers, err := sn.Sign(b.Build(), ak, sk)
	require.NoError(t, err)
	require.Equal(t, r.Header.Get(signer.HeaderXDate), headers[signer.HeaderXDate])
	return headers[signer.HeaderAuthorization]
}

// TestSignatureMatchesSDK checks that requests the client signs carry the
// Authorization header the official SDK's signer computes for them.
func TestSignatureMatchesSDK(t *testing.T) {
	t.Parallel()
	date := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	rec := &recorder{answers: map[string]string{
		"/tasks":     `{"task_count":"0","tasks":[]}`,
		"/instances": `{"instance_id":"00000000-0000-4000-8000-000000000000","instances":[]}`,
	}}
	cred := client.Credentials{AccessKey: "AKCROSSCHECK", SecretKey: "s3cr3t/+=key", ProjectID: dmsd.NewID()}
	c := client.New("http://dmsd.example:9780/", cred,
		client.WithHTTPClient(&http.Client{Transport: rec}),
		client.WithClock(func() time.Time { return date.In(time.FixedZone("CET", 3600)) }))
	ctx := context.Background()
	instanceID := "00000000-0000-4000-8000-000000000000"

	calls := []struct {
		name string
		call func() error
	}{
		{"list tasks with a query", func() error {
			_, err := c.ListTasks(ctx, instanceID, client.TaskListOptions{Offset: 3, Limit: 20, Begin: date.Add(-time.Hour), End: date})
			return err
		}},
		{"list instances with a name to escape", func() error {
			_, err := c.ListInstances(ctx, client.InstanceListOptions{Name: "a b/ü~*", Status: dmsd.InstanceRunning})
			return err
		}},
		{"create with a body", func() error {
			_, err := c.CreateInstance(ctx, newInstance("cross-check"))
			require.Contains(t, string(rec.body), `"engine":"kafka","name":"cross-check"`)
			return err
		}},
		{"delete", func() error { return c.DeleteTask(ctx, instanceID, dmsd.NewID()) }},
	}
	for _, tc := range calls {
		require.NoError(t, tc.call(), tc.name)
		r, body := rec.reqs[len(rec.reqs)-1], rec.body
		require.Equal(t, "20250304T050607Z", r.Header.Get("X-Sdk-Date"), tc.name)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"), tc.name)
		require.Equal(t, cred.ProjectID, r.Header.Get("X-Project-Id"), tc.name)
		got := r.Header.Get("Authorization")
		require.Contains(t, got, "SignedHeaders=x-dmsd-nonce;x-project-id;x-sdk-date,", tc.name)
		require.Regexp(t, `^[0-9a-f]{32}$`, r.Header.Get("X-Dmsd-Nonce"), tc.name)
		require.Equal(t, sdkAuthorization(t, r, body, cred.AccessKey, cred.SecretKey), got, tc.name)
	}
}

// TestFlowControl checks that a request refused with 429 is signed and sent
// again after Retry-After, a few times at most.
func TestFlowControl(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var auths []string
	refuse := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auths = append(auths, r.Header.Get("Authorization"))
		if len(auths) <= refuse {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error_code":"DMS.10240407","error_msg":"The request is too frequent."}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := client.New(srv.URL, client.Credentials{AccessKey: "AK", SecretKey: "SK", ProjectID: dmsd.NewID()},
		client.WithClock(func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }))
	ctx := context.Background()
	instanceID, taskID := "00000000-0000-4000-8000-000000000000", dmsd.NewID()

	require.NoError(t, c.DeleteTask(ctx, instanceID, taskID))
	require.Len(t, auths, 3)
	// Each attempt is signed anew: alike requests signed in the same second
	// still differ, as the server refuses a signature it has seen.
	require.NotEqual(t, auths[0], auths[1])
	require.NotEqual(t, auths[1], auths[2])

	mu.Lock()
	auths, refuse = nil, 100
	mu.Unlock()
	err := c.DeleteTask(ctx, instanceID, taskID)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusTooManyRequests, e.Status)
	require.Equal(t, "DMS.10240407", e.Code)
	require.Len(t, auths, 4)
}
