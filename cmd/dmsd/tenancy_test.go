package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

// createBody returns the official SDK's create body for an instance named
// name, changed by edit (which may be nil).
func createBody(t *testing.T, name string, brokers int32, edit func(m map[string]any)) string {
	t.Helper()
	b, err := json.Marshal(newCreateRequest(name, brokers, false).Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	if edit != nil {
		edit(m)
	}
	b, err = json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

// externalBody returns a create body for an external instance whose
// bootstrap servers are servers.
func externalBody(t *testing.T, name string, servers ...string) string {
	t.Helper()
	return createBody(t, name, 1, func(m map[string]any) {
		delete(m, "broker_num")
		m["external"] = map[string]any{"bootstrap_servers": servers}
	})
}

// postCreate sends a create request with body, signed with the i-th
// credential, and returns the status and the answer.
func (s *testServer) postCreate(t *testing.T, i int, body string) (int, string) {
	t.Helper()
	return s.signedDo(t, i, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + s.creds[i].ProjectID + "/instances",
		body: body, headers: map[string]string{"Content-Type": "application/json"}})
}

// createOK sends a create request that must succeed and returns the new
// instance's id.
func (s *testServer) createOK(t *testing.T, i int, body string) string {
	t.Helper()
	status, answer := s.postCreate(t, i, body)
	require.Equal(t, http.StatusOK, status, answer)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(answer), &created))
	require.NotEmpty(t, created.InstanceID)
	return created.InstanceID
}

// createExternal creates, with the first credential, an external instance
// named name of the cluster external describes (bootstrap_servers and any
// SASL settings), waits for it to be RUNNING and returns its id.
func (s *testServer) createExternal(t *testing.T, name string, external map[string]any) string {
	t.Helper()
	id := s.createOK(t, 0, createBody(t, name, 1, func(m map[string]any) {
		delete(m, "broker_num") // taken from the cluster
		m["external"] = external
	}))
	waitInstance(t, s.client(0), id, string(dmsd.InstanceRunning))
	return id
}

func instanceCount(t *testing.T, s *testServer, i int) int32 {
	t.Helper()
	list, err := s.client(i).ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err)
	return *list.InstanceNum
}

func portOf(t *testing.T, hostport string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(hostport, "http://"))
	require.NoError(t, err)
	return port
}

// Project B cannot adopt project A's embedded broker, nor dmsd's own API,
// under any name of this host, even with all of them allowed; a real
// external cluster on the same loopback is adopted.
func TestExternalNeverAdoptsDmsdsOwnListeners(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.0/8,localhost,[::1],0.0.0.0")
	victim := createInstance(t, s.client(0), "victim-instance", 1, false)
	broker := portOf(t, *victim.KafkaPrivateConnectAddress)
	api := portOf(t, s.url)

	for _, addr := range []string{
		"127.0.0.1:" + broker, "localhost:" + broker, "LOCALHOST.:" + broker, "0.0.0.0:" + broker, "[::1]:" + broker,
		"127.0.0.2:" + broker, "[::ffff:127.0.0.1]:" + broker, "[::]:" + broker,
		"127.0.0.1:" + api, "localhost:" + api, "0.0.0.0:" + api,
	} {
		status, answer := s.postCreate(t, 1, externalBody(t, "adopter", addr))
		require.Equal(t, http.StatusBadRequest, status, "%s: %s", addr, answer)
		require.Equal(t, dmsd.EADDRREFUSED, requireClientError(t, status, answer).Code, addr)
		require.NotContains(t, answer, victim.Name)
	}
	// One of dmsd's own among allowed servers refuses the whole instance.
	addrs := startExternalKafka(t, "-brokers", "1")
	status, answer := s.postCreate(t, 1, externalBody(t, "adopter", addrs[0], "127.0.0.1:"+broker))
	require.Equal(t, dmsd.EADDRREFUSED, requireClientError(t, status, answer).Code)
	require.Equal(t, int32(0), instanceCount(t, s, 1), "no instance, no task")

	id := s.createOK(t, 1, externalBody(t, "real-external", addrs[0]))
	waitInstance(t, s.client(1), id, string(dmsd.InstanceRunning))
	// The victim's topics stay out of reach.
	_, err := s.client(0).CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: *victim.InstanceId,
		Body: &model.CreateInstanceTopicReq{Id: "victim-topic"}})
	require.NoError(t, err)
	list, err := s.client(1).ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id})
	require.NoError(t, err)
	for _, topic := range *list.Topics {
		require.NotEqual(t, "victim-topic", *topic.Name)
	}
}

// A fresh dmsd adopts nothing; the allow-list's ports and networks decide
// what it adopts.
func TestExternalRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "1")
	port := portOf(t, addrs[0])

	s := startServer(t, t.TempDir())
	status, answer := s.postCreate(t, 0, externalBody(t, "not-allowed", addrs[0]))
	require.Equal(t, http.StatusBadRequest, status, answer)
	require.Equal(t, dmsd.EADDRREFUSED, requireClientError(t, status, answer).Code)
	require.Equal(t, int32(0), instanceCount(t, s, 0))
	s.stop()

	s = startServer(t, t.TempDir(), "--external-allow", "10.0.0.0/8, 127.0.0.0/8:"+port+"-"+port)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	for _, addr := range []string{"127.0.0.1:" + strconv.Itoa(p%65535+1), "192.0.2.1:" + port, "unresolvable.invalid:" + port} {
		status, answer = s.postCreate(t, 0, externalBody(t, "not-allowed", addr))
		require.Equal(t, dmsd.EADDRREFUSED, requireClientError(t, status, answer).Code, addr)
	}
	require.Equal(t, int32(0), instanceCount(t, s, 0))
	id := s.createOK(t, 0, externalBody(t, "allowed", addrs[0]))
	waitInstance(t, s.client(0), id, string(dmsd.InstanceRunning))
}

// A cluster that cannot be reached fails its task within seconds, with one
// reason whatever answered: nothing, a port that never answers, or one that
// does not speak Kafka.
func TestUnreachableExternalFailsFastWithOneReason(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedAddr := closed.Addr().String()
	require.NoError(t, closed.Close())
	silent := serveConns(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	garbage := serveConns(t, func(c net.Conn) {
		_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" + strings.Repeat("\xff", 64)))
		_, _ = io.Copy(io.Discard, c)
	})

	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	type result struct {
		reason  string
		elapsed time.Duration
	}
	results := map[string]result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, addr := range map[string]string{"closed": closedAddr, "silent": silent, "garbage": garbage} {
		start := time.Now()
		id := s.createOK(t, 0, externalBody(t, "unreachable-"+name, addr))
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The SDK's task type has no reason: the raw answer has.
			var task struct {
				Tasks []struct {
					Status string `json:"status"`
					Reason string `json:"reason"`
				} `json:"tasks"`
			}
			path := "/v2/" + s.creds[0].ProjectID + "/instances/" + id + "/tasks"
			deadline := time.Now().Add(30 * time.Second)
			finished := false
			for !finished && time.Now().Before(deadline) {
				status, body := s.signedGet(t, 0, path)
				finished = status == http.StatusOK && json.Unmarshal([]byte(body), &task) == nil &&
					len(task.Tasks) == 1 && dmsd.TaskStatus(task.Tasks[0].Status).Finished()
				if !finished {
					time.Sleep(20 * time.Millisecond)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if !finished {
				results[name] = result{reason: "never finished", elapsed: time.Since(start)}
				return
			}
			results[name] = result{reason: task.Tasks[0].Status + " " + task.Tasks[0].Reason, elapsed: time.Since(start)}
		}()
	}
	wg.Wait()
	want := string(dmsd.TaskFailed) + " START_BROKERS: " + dmsd.UnreachableMessage
	var fastest, slowest time.Duration
	for name, r := range results {
		t.Logf("%s: failed after %v: %s", name, r.elapsed.Round(time.Millisecond), r.reason)
		require.Equal(t, want, r.reason, name)
		require.Less(t, r.elapsed, 10*time.Second, name)
		if fastest == 0 || r.elapsed < fastest {
			fastest = r.elapsed
		}
		slowest = max(slowest, r.elapsed)
	}
	require.Less(t, slowest-fastest, 2*time.Second, "the failures' times do not tell the cases apart either")
	require.Len(t, results, 3)
}

// serveConns accepts connections on 127.0.0.1 and hands each to handle
// until the test ends; it returns the listener's address.
func serveConns(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns sync.WaitGroup
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(time.Minute))
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

func TestProjectQuota(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--max-instances-per-project", "2", "--max-brokers-per-project", "4")
	c := s.client(0)
	big := createInstance(t, c, "quota-big", 3, false)
	status, answer := s.postCreate(t, 0, createBody(t, "quota-two", 2, nil))
	require.Equal(t, http.StatusBadRequest, status, answer)
	require.Equal(t, dmsd.EBROKERQUOTA, requireClientError(t, status, answer).Code, "3 + 2 brokers exceed 4")
	createInstance(t, c, "quota-one", 1, false)
	status, answer = s.postCreate(t, 0, createBody(t, "quota-third", 1, nil))
	require.Equal(t, dmsd.EINSTANCEQUOTA, requireClientError(t, status, answer).Code)
	require.Equal(t, int32(2), instanceCount(t, s, 0), "a refused create leaves no instance")

	// Adding brokers past the quota is refused with no task.
	_, err := c.ResizeEngineInstance(resizeRequest(*big.InstanceId, "horizontal", 0, 4))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EBROKERQUOTA)
	requireTaskCount(t, c, *big.InstanceId, "1")

	// Another project has its own quota.
	createInstance(t, s.client(1), "other-project", 1, false)
}

// Concurrent creates at the last slot let exactly one through, on either
// store.
func TestProjectQuotaRace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(*testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", storetest.PostgresURL(t)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, t.TempDir(), append(tc.args(t), "--max-instances-per-project", "3")...)
			for i := range 2 {
				s.createOK(t, 0, createBody(t, "quota-pre-"+strconv.Itoa(i), 1, nil))
			}
			const racers = 8
			codes := make([]string, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, answer := s.postCreate(t, 0, createBody(t, "quota-race-"+strconv.Itoa(i), 1, nil))
					if status == http.StatusOK {
						codes[i] = "ok"
						return
					}
					var e dmsdError
					_ = json.Unmarshal([]byte(answer), &e)
					codes[i] = e.Code
				}()
			}
			wg.Wait()
			ok := 0
			for _, code := range codes {
				if code == "ok" {
					ok++
				} else {
					require.Equal(t, dmsd.EINSTANCEQUOTA, code)
				}
			}
			require.Equal(t, 1, ok, "exactly one create takes the last slot: %v", codes)
			require.Equal(t, int32(3), instanceCount(t, s, 0))
		})
	}
}

// Numbers past what the SDK's int32 fields hold are refused, so the
// project's list keeps decoding in the SDK.
func TestNumbersBoundedToSDKInt32(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--external-allow", "0.0.0.0/0")
	c := s.client(0)
	inst := createInstance(t, c, "bounded", 1, false)
	id := *inst.InstanceId
	jsonCT := map[string]string{"Content-Type": "application/json"}

	for _, storage := range []int64{3000000000, dmsd.MaxStorageSpace + 1, 1 << 40} {
		status, answer := s.postCreate(t, 0, createBody(t, "too-big", 1, func(m map[string]any) { m["storage_space"] = storage }))
		require.Equal(t, dmsd.EINVALIDDISK, requireClientError(t, status, answer).Code, storage)
	}
	status, answer := s.postCreate(t, 0, externalBody(t, "bad-port", "192.0.2.1:99999"))
	require.Equal(t, dmsd.EINVALID, requireClientError(t, status, answer).Code)
	status, answer = s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + s.creds[0].ProjectID + "/instances/" + id + "/extend",
		body: `{"oper_type":"storage","new_storage_space":3000000000}`, headers: jsonCT})
	require.Equal(t, dmsd.EINVALIDDISK, requireClientError(t, status, answer).Code)
	status, answer = s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/kafka/instances/" + id + "/reassign",
		body: `{"reassignments":[{"topic":"some-topic","brokers":[0]}],"throttle":3000000000}`, headers: jsonCT})
	require.Equal(t, dmsd.EINVALID, requireClientError(t, status, answer).Code)

	list, err := c.ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err, "the SDK still decodes the project's instances")
	require.Equal(t, int32(1), *list.InstanceNum)
	require.Equal(t, int32(300), *(*list.Instances)[0].StorageSpace)
	requireTaskCount(t, c, id, "1")
}
