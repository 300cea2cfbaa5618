package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

// kfakeServer is the kfakeserver binary, built once and shared by the tests
// that run at the same time; the last of them to end removes it.
var kfakeServer struct {
	mu    sync.Mutex
	dir   string
	users int
}

// kfakeServerBinary builds testdata/kfakeserver, unless a running test has
// already, and returns its path.
func kfakeServerBinary(t *testing.T) string {
	t.Helper()
	kfakeServer.mu.Lock()
	defer kfakeServer.mu.Unlock()
	if kfakeServer.users == 0 {
		dir, err := os.MkdirTemp("", "dmsd-kfakeserver-")
		require.NoError(t, err)
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "kfakeserver"), "./testdata/kfakeserver/main.go").CombinedOutput()
		if err != nil {
			_ = os.RemoveAll(dir)
			require.NoError(t, err, "go build: %s", out)
		}
		kfakeServer.dir = dir
	}
	kfakeServer.users++
	t.Cleanup(func() {
		kfakeServer.mu.Lock()
		defer kfakeServer.mu.Unlock()
		if kfakeServer.users--; kfakeServer.users == 0 {
			_ = os.RemoveAll(kfakeServer.dir)
		}
	})
	return filepath.Join(kfakeServer.dir, "kfakeserver")
}

// startExternalKafka runs a kfake cluster in a separate process, playing a
// Kafka cluster that dmsd does not run, and returns its brokers' addresses.
func startExternalKafka(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command(kfakeServerBinary(t), args...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = stdin.Close() // kfakeserver exits when its stdin closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(line), ",")
}

func TestExternalCluster(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "3", "-scram", "admin:admin-secret")
	require.Len(t, addrs, 3)
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)
	ctx := context.Background()
	direct := func(opts ...kgo.Opt) *kgo.Client {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs[0]),
			kgo.SASL(scram.Auth{User: "admin", Pass: "admin-secret"}.AsSha512Mechanism())}, opts...)...)
		require.NoError(t, err)
		t.Cleanup(cl.Close)
		return cl
	}

	// The SDK has no field for an external cluster, so the create request
	// is the SDK's body plus "external", signed by the SDK's signer.
	body := func(external map[string]any) string {
		req := newCreateRequest("external-cluster", 1, false)
		b, err := json.Marshal(req.Body)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		delete(m, "broker_num") // taken from the cluster
		m["external"] = external
		b, err = json.Marshal(m)
		require.NoError(t, err)
		return string(b)
	}
	create := func(external map[string]any) (int, string) {
		return s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + s.creds[0].ProjectID + "/instances",
			body: body(external), headers: map[string]string{"Content-Type": "application/json"}})
	}
	status, resp := create(map[string]any{"bootstrap_servers": []string{"no-port"}})
	require.Equal(t, http.StatusBadRequest, status, resp)
	require.Contains(t, resp, dmsd.EINVALID)
	status, resp = create(map[string]any{"bootstrap_servers": addrs[:1], "sasl_mechanism": "SCRAM-SHA-512", "username": "admin", "password": "admin-secret"})
	require.Equal(t, http.StatusOK, status, resp)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &created))
	id := created.InstanceID
	inst := waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.Equal(t, int32(3), *inst.BrokerNum, "the broker count is what the cluster reports")
	require.Equal(t, addrs[0], *inst.KafkaPrivateConnectAddress)
	status, shown := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, shown, `"username":"admin"`)
	require.NotContains(t, shown, "admin-secret", "the password is never shown")
	task := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0]
	require.NotContains(t, *task.Params, "admin-secret")

	// A topic created through dmsd is in the external cluster.
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "ext-topic", Partition: ptr(int32(4))}})
	require.NoError(t, err)
	details, err := kadm.NewClient(direct()).ListTopics(ctx, "ext-topic")
	require.NoError(t, err)
	require.Len(t, details["ext-topic"].Partitions, 4)
	require.Len(t, details["ext-topic"].Partitions[0].Replicas, 3)
	list, err := c.ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "ext-topic", *(*list.Topics)[0].Name)

	// A dynamic Kafka parameter is set live on the external brokers.
	mod, err := c.ModifyInstanceConfigs(&model.ModifyInstanceConfigsRequest{InstanceId: id, Body: &model.ModifyInstanceConfigsReq{
		KafkaConfigs: &[]model.ModifyInstanceConfig{{Name: ptr("message.max.bytes"), Value: ptr("2000000")}}}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *mod.JobId).Status)
	rcs, err := kadm.NewClient(direct()).DescribeBrokerConfigs(ctx)
	require.NoError(t, err)
	found := false
	for _, cfg := range rcs[0].Configs {
		if cfg.Key == "message.max.bytes" && cfg.Value != nil {
			require.Equal(t, "2000000", *cfg.Value)
			found = true
		}
	}
	require.True(t, found)

	// SCRAM users are the external cluster's: the new user logs in to it.
	require.NoError(t, createUser(c, id, "ext-user", "made by dmsd", "Ext-user-pass1"))
	users, err := c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
	require.NoError(t, err)
	var names []string
	for _, u := range *users.Users {
		names = append(names, *u.UserName)
	}
	require.Equal(t, []string{"admin", "ext-user"}, names)
	userClient, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.SASL(scram.Auth{User: "ext-user", Pass: "Ext-user-pass1"}.AsSha512Mechanism()))
	require.NoError(t, err)
	defer userClient.Close()
	_, err = kadm.NewClient(userClient).BrokerMetadata(ctx)
	require.NoError(t, err)

	// What only a cluster dmsd runs can do is refused, with no task.
	count := taskCount(t, c, id)
	// The batch action reports each instance's result.
	status, resp = s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/action",
		body: `{"action":"restart","instances":["` + id + `"]}`, headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, resp, `"error_code":"`+dmsd.EEXTERNAL+`"`)
	_, err = c.UpdateInstanceAutoCreateTopic(&model.UpdateInstanceAutoCreateTopicRequest{InstanceId: id, Body: &model.UpdateInstanceAutoCreateTopicReq{EnableAutoTopic: true}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EEXTERNAL)
	_, err = c.ResizeEngineInstance(resizeRequest(id, "horizontal", 0, 5))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EEXTERNAL)
	_, err = c.ResizeEngineInstance(resizeRequest(id, "storage", 600, 0))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EEXTERNAL)
	_, err = c.ModifyInstanceConfigs(&model.ModifyInstanceConfigsRequest{InstanceId: id, Body: &model.ModifyInstanceConfigsReq{
		KafkaConfigs: &[]model.ModifyInstanceConfig{{Name: ptr("log.retention.hours"), Value: ptr("66")}}}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EEXTERNAL)
	require.Equal(t, count, taskCount(t, c, id))

	// Deleting the instance leaves the external cluster and its data.
	_, err = c.DeleteInstance(&model.DeleteInstanceRequest{InstanceId: id})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
		return err != nil
	}, 30*time.Second, 10*time.Millisecond)
	details, err = kadm.NewClient(direct()).ListTopics(ctx, "ext-topic")
	require.NoError(t, err)
	require.Len(t, details["ext-topic"].Partitions, 4)
}

func TestExternalClusterRefusals(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "1")
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)
	post := func(body string) (int, string) {
		return s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + s.creds[0].ProjectID + "/instances",
			body: body, headers: map[string]string{"Content-Type": "application/json"}})
	}
	req := newCreateRequest("external-sasl", 1, false)
	req.Body.SslEnable, req.Body.AccessUser, req.Body.Password = ptr(true), ptr(accessUser), ptr(accessPassword)
	req.Body.KafkaSecurityProtocol = ptr("SASL_PLAINTEXT")
	b, err := json.Marshal(req.Body)
	require.NoError(t, err)
	withExternal := strings.TrimSuffix(string(b), "}") + `,"external":{"bootstrap_servers":["` + addrs[0] + `"]}}`
	status, resp := post(withExternal)
	require.Equal(t, http.StatusBadRequest, status, resp)
	require.Contains(t, resp, dmsd.EEXTERNAL, "dmsd cannot create the access user on a cluster it does not run")
	list, err := c.ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err)
	require.Equal(t, int32(0), *list.InstanceNum)

	// Without SASL, user operations are refused as on any instance without it.
	req = newCreateRequest("external-plain", 1, false)
	b, err = json.Marshal(req.Body)
	require.NoError(t, err)
	status, resp = post(strings.TrimSuffix(string(b), "}") + `,"external":{"bootstrap_servers":["` + addrs[0] + `"]}}`)
	require.Equal(t, http.StatusOK, status, resp)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &created))
	inst := waitInstance(t, c, created.InstanceID, string(dmsd.InstanceRunning))
	require.Equal(t, int32(1), *inst.BrokerNum)
	err = createUser(c, created.InstanceID, "someone", "", "Password-1234")
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ESASLDISABLED)
}
