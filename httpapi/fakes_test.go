package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/utils"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// Ids of the handler tests: well formed, distinct, and not the fakes' own.
const (
	fakeInstanceID = "5b1c7f3e-2a4d-4e8f-9a6b-0c1d2e3f4a5b"
	fakeTaskID     = "aaaabbbbccccddddeeeeffff00001111"
	fakeJobID      = "99998888777766665555444433332222"
)

// testActor is who the signed requests of testCredential act as.
var testActor = dmsd.Actor{ProjectID: testProjectID, UserID: testCredential.UserID, UserName: testCredential.UserName}

// fakeCall is one call a fake received: the method, the actor of a service
// call (the zero Actor for a store call), the arguments after the context
// and the actor, and whether the context marked a replayed request.
type fakeCall struct {
	Method   string
	Actor    dmsd.Actor
	Args     []any
	Replayed bool
}

// fakes stands in for every store and service a Server takes. Each method
// records its call and returns the canned results below, or fail[method].
// A method the HTTP layer is not expected to call is left to the embedded
// nil interface and panics, which the server answers with a 500.
type fakes struct {
	mu    sync.Mutex
	calls []fakeCall
	fail  map[string]error
	// spent are the signatures RememberRequest has seen: a second request
	// with one is a replay, as in the real request log.
	spent map[string]bool

	instance  *dmsd.Instance
	instances []*dmsd.Instance
	task      *dmsd.Task
	tasks     []*dmsd.Task
	count     int
	topics    []*dmsd.Topic
	deletions []dmsd.TopicDeletion
	configs   []dmsd.ConfigValue
	dynamic   int
	static    int
	users     []dmsd.User
	policies  []dmsd.UserPolicy
	brokers   []dmsd.Broker
	estimate  int
}

// newFakes returns fakes whose canned results are a RUNNING instance and a
// finished task of it.
func newFakes() *fakes {
	created := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	inst := &dmsd.Instance{
		ID: fakeInstanceID, ProjectID: testProjectID, Name: "orders", Engine: "kafka", EngineVersion: "3.x",
		BrokerNum: 3, StorageSpace: 300, StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "c6.2u4g.cluster",
		VpcID: "vpc", SubnetID: "subnet", SecurityGroupID: "sg", AvailableZones: []string{dmsd.DefaultZoneID},
		RetentionPolicy: "time_base", Status: dmsd.InstanceRunning, Ports: []int{19092, 19093, 19094}, CreatedAt: created,
		Tags: []dmsd.Tag{{Key: "team", Value: "payments"}},
	}
	task := &dmsd.Task{
		ID: fakeTaskID, ProjectID: testProjectID, InstanceID: fakeInstanceID, Name: "createInstance",
		UserID: testActor.UserID, UserName: testActor.UserName, Params: `{"name":"orders"}`, Status: dmsd.TaskSuccess,
		Steps: []dmsd.Step{
			{Name: "START_BROKERS", Status: dmsd.StepSuccess, StartedAt: created, EndedAt: created.Add(time.Second)},
			{Name: "CHECK_CLUSTER", Status: dmsd.StepSuccess, StartedAt: created.Add(time.Second), EndedAt: created.Add(2 * time.Second)},
		},
		CreatedAt: created, UpdatedAt: created.Add(2 * time.Second),
	}
	return &fakes{
		fail: map[string]error{}, spent: map[string]bool{},
		instance: inst, instances: []*dmsd.Instance{inst}, task: task, tasks: []*dmsd.Task{task}, count: 1,
	}
}

// record notes a call and returns the error the test set for its method.
func (f *fakes) record(ctx context.Context, method string, actor dmsd.Actor, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{Method: method, Actor: actor, Args: args, Replayed: dmsd.Replayed(ctx)})
	return f.fail[method]
}

// recorded returns the calls so far.
func (f *fakes) recorded() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

// newTask returns a new CREATED task, as a service returns one it started.
func (f *fakes) newTask(name string) *dmsd.Task {
	return &dmsd.Task{ID: fakeJobID, ProjectID: testProjectID, InstanceID: fakeInstanceID, Name: name, Status: dmsd.TaskCreated}
}

// fakeStore is the dmsd.Store of fakes.
type fakeStore struct {
	dmsd.Store
	*fakes
}

func (s fakeStore) FindInstance(ctx context.Context, projectID, instanceID string) (*dmsd.Instance, error) {
	return s.instance, s.record(ctx, "FindInstance", dmsd.Actor{}, projectID, instanceID)
}

func (s fakeStore) ListInstances(ctx context.Context, projectID string) ([]*dmsd.Instance, error) {
	return s.instances, s.record(ctx, "ListInstances", dmsd.Actor{}, projectID)
}

func (s fakeStore) ListTasks(ctx context.Context, filter dmsd.TaskFilter) ([]*dmsd.Task, int, error) {
	return s.tasks, s.count, s.record(ctx, "ListTasks", dmsd.Actor{}, filter)
}

func (s fakeStore) FindTask(ctx context.Context, projectID, instanceID, taskID string) (*dmsd.Task, error) {
	return s.task, s.record(ctx, "FindTask", dmsd.Actor{}, projectID, instanceID, taskID)
}

func (s fakeStore) DeleteTask(ctx context.Context, projectID, instanceID, taskID string) error {
	return s.record(ctx, "DeleteTask", dmsd.Actor{}, projectID, instanceID, taskID)
}

func (s fakeStore) ListScheduledTasks(ctx context.Context, filter dmsd.TaskFilter) ([]*dmsd.Task, int, error) {
	return s.tasks, s.count, s.record(ctx, "ListScheduledTasks", dmsd.Actor{}, filter)
}

func (s fakeStore) RescheduleTask(ctx context.Context, projectID, instanceID, taskID string, at time.Time) error {
	return s.record(ctx, "RescheduleTask", dmsd.Actor{}, projectID, instanceID, taskID, at)
}

func (s fakeStore) CancelTask(ctx context.Context, projectID, instanceID, taskID string) error {
	return s.record(ctx, "CancelTask", dmsd.Actor{}, projectID, instanceID, taskID)
}

func (s fakeStore) DeleteScheduledTask(ctx context.Context, projectID, instanceID, taskID string) error {
	return s.record(ctx, "DeleteScheduledTask", dmsd.Actor{}, projectID, instanceID, taskID)
}

// RememberRequest is not recorded: every mutating request calls it, and the
// tests look at what the operation itself received.
func (s fakeStore) RememberRequest(ctx context.Context, signature string, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["RememberRequest"]; err != nil {
		return err
	}
	if s.spent[signature] {
		return dmsd.Errorf(dmsd.EREPLAYED, "replayed")
	}
	s.spent[signature] = true
	return nil
}

// fakeInstances is the dmsd.InstanceService of fakes.
type fakeInstances struct {
	dmsd.InstanceService
	*fakes
}

func (s fakeInstances) CreateInstance(ctx context.Context, actor dmsd.Actor, inst *dmsd.Instance) (*dmsd.Task, error) {
	inst.ID = fakeInstanceID // as the engine assigns it
	return s.newTask("createInstance"), s.record(ctx, "CreateInstance", actor, inst)
}

func (s fakeInstances) RestartInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return s.newTask("restartInstance"), s.record(ctx, "RestartInstance", actor, instanceID)
}

func (s fakeInstances) DeleteInstance(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Task, error) {
	return s.newTask("deleteInstance"), s.record(ctx, "DeleteInstance", actor, instanceID)
}

func (s fakeInstances) SetAutoTopic(ctx context.Context, actor dmsd.Actor, instanceID string, enable bool) (*dmsd.Task, error) {
	return s.newTask("kafkaConfigModify"), s.record(ctx, "SetAutoTopic", actor, instanceID, enable)
}

func (s fakeInstances) ExtendInstance(ctx context.Context, actor dmsd.Actor, instanceID string, ext dmsd.Extension) (*dmsd.Task, error) {
	return s.newTask("extendInstance"), s.record(ctx, "ExtendInstance", actor, instanceID, ext)
}

func (s fakeInstances) SetSSL(ctx context.Context, actor dmsd.Actor, instanceID, protocol string, enable bool) (*dmsd.Task, error) {
	return s.newTask("kafkaSslSwitch"), s.record(ctx, "SetSSL", actor, instanceID, protocol, enable)
}

// fakeTopics is the dmsd.TopicService of fakes.
type fakeTopics struct {
	dmsd.TopicService
	*fakes
}

func (s fakeTopics) CreateTopic(ctx context.Context, actor dmsd.Actor, instanceID string, t *dmsd.Topic) error {
	return s.record(ctx, "CreateTopic", actor, instanceID, t)
}

func (s fakeTopics) ListTopics(ctx context.Context, actor dmsd.Actor, instanceID string) ([]*dmsd.Topic, *dmsd.Instance, error) {
	return s.topics, s.instance, s.record(ctx, "ListTopics", actor, instanceID)
}

func (s fakeTopics) UpdateTopics(ctx context.Context, actor dmsd.Actor, instanceID string, updates []*dmsd.TopicUpdate) error {
	return s.record(ctx, "UpdateTopics", actor, instanceID, updates)
}

func (s fakeTopics) DeleteTopics(ctx context.Context, actor dmsd.Actor, instanceID string, names []string) ([]dmsd.TopicDeletion, error) {
	return s.deletions, s.record(ctx, "DeleteTopics", actor, instanceID, names)
}

func (s fakeTopics) ShowConfigs(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.ConfigValue, error) {
	return s.configs, s.record(ctx, "ShowConfigs", actor, instanceID)
}

func (s fakeInstances) ModifyConfigs(ctx context.Context, actor dmsd.Actor, instanceID string, settings []dmsd.ConfigSetting) (*dmsd.Task, int, int, error) {
	return s.newTask("kafkaConfigModify"), s.dynamic, s.static, s.record(ctx, "ModifyConfigs", actor, instanceID, settings)
}

func (s fakeInstances) UpdateInstance(ctx context.Context, actor dmsd.Actor, instanceID string, u *dmsd.InstanceUpdate) (*dmsd.Task, error) {
	return nil, s.record(ctx, "UpdateInstance", actor, instanceID, u)
}

// fakeUsers is the dmsd.UserService of fakes.
type fakeUsers struct {
	dmsd.UserService
	*fakes
}

func (s fakeUsers) ListUsers(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.User, error) {
	return s.users, s.record(ctx, "ListUsers", actor, instanceID)
}

func (s fakeUsers) CreateUser(ctx context.Context, actor dmsd.Actor, instanceID string, user dmsd.User, password string) error {
	return s.record(ctx, "CreateUser", actor, instanceID, user, password)
}

func (s fakeUsers) ResetUserPassword(ctx context.Context, actor dmsd.Actor, instanceID, name, password string) error {
	return s.record(ctx, "ResetUserPassword", actor, instanceID, name, password)
}

func (s fakeUsers) UpdateUser(ctx context.Context, actor dmsd.Actor, instanceID, name string, description, password *string) error {
	return s.record(ctx, "UpdateUser", actor, instanceID, name, description, password)
}

func (s fakeUsers) DeleteUsers(ctx context.Context, actor dmsd.Actor, instanceID string, names []string) error {
	return s.record(ctx, "DeleteUsers", actor, instanceID, names)
}

func (s fakeInstances) UpdateTopicPolicies(ctx context.Context, actor dmsd.Actor, instanceID string, topics []dmsd.TopicPolicies) (*dmsd.Task, error) {
	return s.newTask("updateTopicPolicies"), s.record(ctx, "UpdateTopicPolicies", actor, instanceID, topics)
}

func (s fakeUsers) TopicPolicies(ctx context.Context, actor dmsd.Actor, instanceID, topic string) ([]dmsd.UserPolicy, error) {
	return s.policies, s.record(ctx, "TopicPolicies", actor, instanceID, topic)
}

func (s fakeInstances) ResetOffsets(ctx context.Context, actor dmsd.Actor, instanceID string, r dmsd.OffsetReset) (*dmsd.Task, error) {
	return s.newTask("kafkaResetConsumerOffset"), s.record(ctx, "ResetOffsets", actor, instanceID, r)
}

// fakeReassign is the dmsd.ReassignService of fakes.
type fakeReassign struct {
	dmsd.ReassignService
	*fakes
}

func (s fakeInstances) Reassign(ctx context.Context, actor dmsd.Actor, instanceID string, req *dmsd.ReassignRequest) (*dmsd.Task, error) {
	return s.newTask("kafkaReassignment"), s.record(ctx, "Reassign", actor, instanceID, req)
}

func (s fakeReassign) EstimateReassignment(ctx context.Context, actor dmsd.Actor, instanceID string, req *dmsd.ReassignRequest) (int, error) {
	return s.estimate, s.record(ctx, "EstimateReassignment", actor, instanceID, req)
}

// fakeBrokers is the dmsd.BrokerService of fakes.
type fakeBrokers struct {
	dmsd.BrokerService
	*fakes
}

func (s fakeBrokers) Brokers(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.Broker, *dmsd.Instance, error) {
	return s.brokers, s.instance, s.record(ctx, "Brokers", actor, instanceID)
}

// fakeServer returns a Server on f that knows testCredential and whose
// clock stands at testSignTime.
func fakeServer(f *fakes) *Server {
	return NewServer(Config{
		Store:        fakeStore{fakes: f},
		Instances:    fakeInstances{fakes: f},
		Topics:       fakeTopics{fakes: f},
		Users:        fakeUsers{fakes: f},
		Reassign:     fakeReassign{fakes: f},
		Brokers:      fakeBrokers{fakes: f},
		Inspect:      fakeInspect{fakes: f},
		Groups:       fakeGroups{fakes: f},
		Lifecycle:    fakeLifecycle{fakes: f},
		Messages:     fakeMessages{fakes: f},
		Diagnosis:    fakeDiagnosis{fakes: f},
		Reports:      fakeReports{fakes: f},
		Logs:         fakeLogs{fakes: f},
		Quotas:       fakeQuotas{fakes: f},
		Tags:         fakeTags{fakes: f},
		Credentials:  []dmsd.Credential{testCredential},
		Logger:       slog.New(slog.DiscardHandler),
		Now:          func() time.Time { return testSignTime },
		Connectors:   fakeConnect{fakes: f},
		ConnectTasks: fakeConnect{fakes: f},
	})
}

// do signs a request as the SDK does (with Content-Type: application/json,
// as the SDK sends it on every call) and serves it with s. body is sent as
// is when it is a string and JSON-encoded otherwise; nil sends none.
func do(t *testing.T, s *Server, method, path string, query map[string]any, body any) *httptest.ResponseRecorder {
	t.Helper()
	r, _ := signedBySDK(t, sdkRequest{
		Method: method, Path: path, Query: query, Body: body,
		Headers: map[string]string{"Content-Type": "application/json"},
	}, testAccessKey, testSecretKey, testSignTime)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// decodeAsSDK decodes an answer into the SDK's response model as the SDK's
// client does (jsoniter, numbers kept as json.Number), so that a field of
// the wrong JSON type fails the test as it fails the SDK's call.
func decodeAsSDK[T any](t *testing.T, w *httptest.ResponseRecorder) *T {
	t.Helper()
	out := new(T)
	require.NoError(t, utils.Unmarshal(w.Body.Bytes(), out), "the SDK decodes %s", w.Body.String())
	return out
}

// jsonKeys returns the answer as a generic JSON object.
func jsonKeys(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), "a JSON object: %s", w.Body.String())
	return m
}

// requireDMSError asserts that w is the DMS error code with its status from
// the one status table, and a message.
func requireDMSError(t *testing.T, w *httptest.ResponseRecorder, code string) {
	t.Helper()
	var e errorResponse
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), "a DMS error: %s", w.Body.String())
	require.Equal(t, code, e.Code, "body %s", w.Body.String())
	want, ok := statusOf[code]
	require.True(t, ok, "%s is in the status table", code)
	require.Equal(t, want, w.Code, "status of %s", code)
	require.NotEmpty(t, e.Message)
	require.Equal(t, "application/json;charset=UTF-8", w.Header().Get("Content-Type"))
}
