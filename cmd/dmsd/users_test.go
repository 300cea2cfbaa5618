package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

const (
	accessUser     = "admin-user"
	accessPassword = "Admin-Pass1"
)

// createSASLInstance creates an instance whose cluster requires SASL with
// accessUser as its superuser, and waits until it is RUNNING.
func createSASLInstance(t *testing.T, c *kafkasdk.KafkaClient, name string) *model.ShowInstanceResponse {
	t.Helper()
	req := newCreateRequest(name, 1, false)
	req.Body.SslEnable, req.Body.AccessUser, req.Body.Password = ptr(true), ptr(accessUser), ptr(accessPassword)
	req.Body.KafkaSecurityProtocol = ptr("SASL_PLAINTEXT")
	req.Body.SaslEnabledMechanisms = &[]model.CreateInstanceByEngineReqSaslEnabledMechanisms{
		model.GetCreateInstanceByEngineReqSaslEnabledMechanismsEnum().SCRAM_SHA_512,
	}
	resp, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	return waitInstance(t, c, *resp.InstanceId, string(dmsd.InstanceRunning))
}

// scramClient is a franz-go client of the instance logged in with
// SCRAM-SHA-512.
func scramClient(t *testing.T, inst *model.ShowInstanceResponse, user, pass string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	return kafkaClient(t, inst, append([]kgo.Opt{kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism())}, opts...)...)
}

func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func taskCount(t *testing.T, c *kafkasdk.KafkaClient, id string) string {
	t.Helper()
	return *listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).TaskCount
}

func createUser(c *kafkasdk.KafkaClient, id, name, desc, pass string) error {
	_, err := c.CreateInstanceUser(&model.CreateInstanceUserRequest{InstanceId: id,
		Body: &model.CreateInstanceUserReq{UserName: ptr(name), UserDesc: ptr(desc), UserPasswd: ptr(pass)}})
	return err
}

func setPolicies(t *testing.T, c *kafkasdk.KafkaClient, id, topic string, policies map[string]model.AccessPolicyEntityAccessPolicy) (*model.UpdateTopicAccessPolicyResponse, error) {
	t.Helper()
	var ps []model.AccessPolicyEntity
	for u, p := range policies {
		ps = append(ps, model.AccessPolicyEntity{UserName: ptr(u), AccessPolicy: ptr(p)})
	}
	return c.UpdateTopicAccessPolicy(&model.UpdateTopicAccessPolicyRequest{InstanceId: id,
		Body: &model.UpdateTopicAccessPolicyReq{Topics: []model.AccessPolicyTopicEntity{{Name: topic, Policies: ps}}}})
}

func TestUserSASLInstanceUsersAndPermissions(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createSASLInstance(t, c, "secured")
	id := *inst.InstanceId

	// The instance says how to log in, never with what password.
	require.Equal(t, accessUser, *inst.AccessUser)
	require.Equal(t, "SASL_PLAINTEXT", *inst.KafkaSecurityProtocol)
	require.True(t, *inst.EnableAcl)
	require.Len(t, *inst.SaslEnabledMechanisms, 1)
	require.Equal(t, "SCRAM-SHA-512", (*inst.SaslEnabledMechanisms)[0].Value())
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id)
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, body, accessPassword)
	_, body = s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/tasks")
	require.NotContains(t, body, accessPassword)

	// A client without SASL gets nowhere; the access user is a superuser.
	anon := kafkaClient(t, inst)
	require.Error(t, anon.Ping(timeout(t, 2*time.Second)))
	admin := scramClient(t, inst, accessUser, accessPassword)
	_, err := kadm.NewClient(admin).CreateTopic(context.Background(), 1, 1, nil, "orders")
	require.NoError(t, err)

	// Users: bad input gets the reference's codes and changes nothing.
	tasksBefore := taskCount(t, c, id)
	requireDMSError(t, createUser(c, id, "producer1", "", "short1A"), 400, dmsd.EINVALIDPASSWORD)
	requireDMSError(t, createUser(c, id, "producer1", "", "alllowercase"), 400, dmsd.EINVALIDPASSWORD)
	requireDMSError(t, createUser(c, id, "1producer", "", "Good-Pass1"), 400, dmsd.EINVALIDUSERNAME)
	require.NoError(t, createUser(c, id, "producer1", "writes orders", "Prod-Pass1"))
	require.NoError(t, createUser(c, id, "consumer1", "reads orders", "Cons-Pass1"))
	requireDMSError(t, createUser(c, id, "consumer1", "", "Cons-Pass1"), 400, dmsd.EUSEREXISTS)
	requireDMSError(t, createUser(c, id, accessUser, "", "Cons-Pass1"), 400, dmsd.EUSEREXISTS)

	users, err := c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
	require.NoError(t, err)
	require.Len(t, *users.Users, 3)
	require.Equal(t, accessUser, *(*users.Users)[0].UserName)
	require.True(t, *(*users.Users)[0].DefaultApp)
	require.Equal(t, "consumer1", *(*users.Users)[1].UserName)
	require.Equal(t, "reads orders", *(*users.Users)[1].UserDesc)
	require.False(t, *(*users.Users)[1].DefaultApp)
	require.InDelta(t, time.Now().UnixMilli(), *(*users.Users)[1].CreatedTime, float64(time.Minute.Milliseconds()))
	require.Equal(t, "producer1", *(*users.Users)[2].UserName)

	// Permissions: bad input is refused without a task.
	enum := model.GetAccessPolicyEntityAccessPolicyEnum()
	_, err = setPolicies(t, c, id, "missing-topic", map[string]model.AccessPolicyEntityAccessPolicy{"producer1": enum.PUB})
	requireDMSError(t, err, 404, dmsd.ENOTOPIC)
	_, err = setPolicies(t, c, id, "orders", map[string]model.AccessPolicyEntityAccessPolicy{"nobody1": enum.PUB})
	requireDMSError(t, err, 404, dmsd.EUSERNOTFOUND)
	status, body = s.signedDo(t, 0, sdkRequest{method: http.MethodPost,
		pathAndQuery: "/v1/" + s.creds[0].ProjectID + "/instances/" + id + "/topics/accesspolicy",
		body:         `{"topics":[{"name":"orders","policies":[{"user_name":"producer1","access_policy":"owner"}]}]}`,
		headers:      map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, dmsd.EINVALID)
	require.Equal(t, tasksBefore, taskCount(t, c, id))

	// producer1 may publish, consumer1 subscribe: a task writes the ACLs.
	resp, err := setPolicies(t, c, id, "orders", map[string]model.AccessPolicyEntityAccessPolicy{"producer1": enum.PUB, "consumer1": enum.SUB})
	require.NoError(t, err)
	task := waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "updateTopicPolicies", *task.Name)
	require.Equal(t, "SUCCESS", *task.Status)
	require.Contains(t, *task.Params, `"user_name":"consumer1"`)

	shown, err := c.ShowTopicAccessPolicy(&model.ShowTopicAccessPolicyRequest{InstanceId: id, TopicName: "orders"})
	require.NoError(t, err)
	require.Equal(t, "orders", *shown.Name)
	require.Len(t, *shown.Policies, 2)
	require.Equal(t, "consumer1", *(*shown.Policies)[0].UserName)
	require.Equal(t, "sub", (*shown.Policies)[0].AccessPolicy.Value())
	require.Equal(t, "producer1", *(*shown.Policies)[1].UserName)
	require.Equal(t, "pub", (*shown.Policies)[1].AccessPolicy.Value())

	producer := scramClient(t, inst, "producer1", "Prod-Pass1", kgo.RecordRetries(2))
	for i := range 3 {
		require.NoError(t, producer.ProduceSync(context.Background(), &kgo.Record{Topic: "orders", Value: []byte{'a' + byte(i)}}).FirstErr())
	}
	consumerProduces := scramClient(t, inst, "consumer1", "Cons-Pass1", kgo.RecordRetries(2), kgo.DisableIdempotentWrite())
	err = consumerProduces.ProduceSync(timeout(t, 10*time.Second), &kgo.Record{Topic: "orders", Value: []byte("x")}).FirstErr()
	require.ErrorIs(t, err, kerr.TopicAuthorizationFailed)

	consumer := scramClient(t, inst, "consumer1", "Cons-Pass1", kgo.ConsumeTopics("orders"), kgo.ConsumerGroup("billing"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
	var got []string
	for len(got) < 3 {
		fetches := consumer.PollFetches(timeout(t, 10*time.Second))
		require.NoError(t, fetches.Err())
		for _, r := range fetches.Records() {
			got = append(got, string(r.Value))
		}
	}
	require.Equal(t, []string{"a", "b", "c"}, got)
	require.NoError(t, consumer.CommitUncommittedOffsets(context.Background()))
	consumer.Close()

	producerConsumes := scramClient(t, inst, "producer1", "Prod-Pass1", kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fetches := producerConsumes.PollFetches(timeout(t, 10*time.Second))
	require.Empty(t, fetches.Records())
	var denied bool
	fetches.EachError(func(_ string, _ int32, err error) { denied = denied || errors.Is(err, kerr.TopicAuthorizationFailed) })
	require.True(t, denied, "a pub user must not fetch: %v", fetches.Errors())

	// Offsets: the group committed 3; a reset moves it back to 0.
	adm := kadm.NewClient(admin)
	offsets, err := adm.FetchOffsets(context.Background(), "billing")
	require.NoError(t, err)
	o, _ := offsets.Lookup("orders", 0)
	require.Equal(t, int64(3), o.At)
	_, err = c.ResetMessageOffset(&model.ResetMessageOffsetRequest{InstanceId: id, Group: "billing",
		Body: &model.ResetMessageOffsetReq{Partition: -1, MessageOffset: ptr(int64(0))}})
	require.NoError(t, err)
	list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id})
	reset := (*list.Tasks)[0]
	require.Equal(t, "kafkaResetConsumerOffset", *reset.Name)
	require.JSONEq(t, `{"group":"billing","topic":"","partition":-1,"message_offset":0}`, *reset.Params)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *reset.Id).Status)
	offsets, err = adm.FetchOffsets(context.Background(), "billing")
	require.NoError(t, err)
	o, _ = offsets.Lookup("orders", 0)
	require.Equal(t, int64(0), o.At)

	// A new password replaces the old one at once.
	_, err = c.ResetUserPasswrod(&model.ResetUserPasswrodRequest{InstanceId: id, UserName: "consumer1",
		Body: &model.ResetUserPasswordReq{NewPassword: ptr("-New-Pass22")}})
	requireDMSError(t, err, 400, dmsd.EINVALIDPASSWORD) // starts with a hyphen
	_, err = c.ResetUserPasswrod(&model.ResetUserPasswrodRequest{InstanceId: id, UserName: accessUser,
		Body: &model.ResetUserPasswordReq{NewPassword: ptr("New-Pass22")}})
	requireDMSError(t, err, 400, dmsd.EINVALID)
	_, err = c.ResetUserPasswrod(&model.ResetUserPasswrodRequest{InstanceId: id, UserName: "nobody1",
		Body: &model.ResetUserPasswordReq{NewPassword: ptr("New-Pass22")}})
	requireDMSError(t, err, 404, dmsd.EUSERNOTFOUND)
	_, err = c.ResetUserPasswrod(&model.ResetUserPasswrodRequest{InstanceId: id, UserName: "consumer1",
		Body: &model.ResetUserPasswordReq{NewPassword: ptr("New-Pass22")}})
	require.NoError(t, err)
	require.Error(t, scramClient(t, inst, "consumer1", "Cons-Pass1").Ping(timeout(t, 2*time.Second)))
	require.NoError(t, scramClient(t, inst, "consumer1", "New-Pass22").Ping(timeout(t, 10*time.Second)))

	// Deleting users removes their logins and their permissions.
	_, err = c.BatchDeleteInstanceUsers(&model.BatchDeleteInstanceUsersRequest{InstanceId: id,
		Body: &model.BatchDeleteInstanceUsersReq{Action: ptr(model.GetBatchDeleteInstanceUsersReqActionEnum().DELETE), Users: &[]string{accessUser}}})
	requireDMSError(t, err, 400, dmsd.EINVALID)
	_, err = c.BatchDeleteInstanceUsers(&model.BatchDeleteInstanceUsersRequest{InstanceId: id,
		Body: &model.BatchDeleteInstanceUsersReq{Action: ptr(model.GetBatchDeleteInstanceUsersReqActionEnum().DELETE), Users: &[]string{"consumer1", "nobody1"}}})
	require.NoError(t, err)
	users, err = c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
	require.NoError(t, err)
	require.Len(t, *users.Users, 2)
	require.Error(t, scramClient(t, inst, "consumer1", "New-Pass22").Ping(timeout(t, 2*time.Second)))
	shown, err = c.ShowTopicAccessPolicy(&model.ShowTopicAccessPolicyRequest{InstanceId: id, TopicName: "orders"})
	require.NoError(t, err)
	require.Len(t, *shown.Policies, 1)
	require.Equal(t, "producer1", *(*shown.Policies)[0].UserName)
}

func TestUserOperationsNeedSASL(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "plain-cluster", 1, false)
	id := *inst.InstanceId

	requireDMSError(t, createUser(c, id, "producer1", "", "Prod-Pass1"), 400, dmsd.ESASLDISABLED)
	_, err := c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
	requireDMSError(t, err, 400, dmsd.ESASLDISABLED)
	_, err = setPolicies(t, c, id, "orders", map[string]model.AccessPolicyEntityAccessPolicy{"producer1": model.GetAccessPolicyEntityAccessPolicyEnum().ALL})
	requireDMSError(t, err, 400, dmsd.ESASLDISABLED)
	_, err = c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: "not-an-id"})
	requireDMSError(t, err, 400, dmsd.EINVALIDINSTANCEID)

	// Creating a SASL instance checks the access user's name and password,
	// and the security protocol.
	bad := func(mutate func(*model.CreateInstanceByEngineReq)) error {
		req := newCreateRequest("sasl-bad", 1, false)
		req.Body.SslEnable, req.Body.AccessUser, req.Body.Password = ptr(true), ptr(accessUser), ptr(accessPassword)
		req.Body.KafkaSecurityProtocol = ptr("SASL_PLAINTEXT")
		mutate(req.Body)
		_, err := c.CreateInstanceByEngine(req)
		return err
	}
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.Password = ptr("weakpassword") }), 400, dmsd.EINVALIDPASSWORD)
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.Password = nil }), 400, dmsd.EINVALIDPASSWORD)
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.AccessUser = ptr("ab") }), 400, dmsd.EINVALIDUSERNAME)
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.KafkaSecurityProtocol = ptr("PLAINTEXT") }), 400, dmsd.EINVALID)
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.SslEnable = nil }), 400, dmsd.EINVALID)
	instances, err := c.ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err)
	require.Equal(t, int32(1), *instances.InstanceNum, "no refused instance was created")

	// Offsets of a plain instance can be reset; bad resets create no task.
	cl := kafkaClient(t, inst, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	adm := kadm.NewClient(cl)
	_, err = adm.CreateTopic(context.Background(), 2, 1, nil, "events")
	require.NoError(t, err)
	for i := range 4 {
		require.NoError(t, cl.ProduceSync(context.Background(), &kgo.Record{Topic: "events", Partition: int32(i % 2), Value: []byte("e")}).FirstErr())
	}
	require.NoError(t, adm.CommitAllOffsets(context.Background(), "audit", kadm.Offsets{"events": {
		0: {Topic: "events", Partition: 0, At: 2, LeaderEpoch: -1},
		1: {Topic: "events", Partition: 1, At: 2, LeaderEpoch: -1},
	}}))
	tasksBefore := taskCount(t, c, id)
	reset := func(group string, body model.ResetMessageOffsetReq) error {
		_, err := c.ResetMessageOffset(&model.ResetMessageOffsetRequest{InstanceId: id, Group: group, Body: &body})
		return err
	}
	requireDMSError(t, reset("audit", model.ResetMessageOffsetReq{Partition: -1}), 400, dmsd.EINVALID)
	requireDMSError(t, reset("audit", model.ResetMessageOffsetReq{Partition: -1, MessageOffset: ptr(int64(0)), Timestamp: ptr(int64(0))}), 400, dmsd.EINVALID)
	requireDMSError(t, reset("audit", model.ResetMessageOffsetReq{Partition: -2, MessageOffset: ptr(int64(0))}), 400, dmsd.EINVALID)
	requireDMSError(t, reset("nobody-group", model.ResetMessageOffsetReq{Partition: -1, MessageOffset: ptr(int64(0))}), 404, dmsd.EGROUPNOTFOUND)
	requireDMSError(t, reset("audit", model.ResetMessageOffsetReq{Topic: "missing", Partition: -1, MessageOffset: ptr(int64(0))}), 404, dmsd.ENOTOPIC)

	// A group with members is refused: its consumers must stop first.
	live := kafkaClient(t, inst, kgo.ConsumeTopics("events"), kgo.ConsumerGroup("live"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fetches := live.PollFetches(timeout(t, 10*time.Second))
	require.NoError(t, fetches.Err())
	require.NotEmpty(t, fetches.Records())
	requireDMSError(t, reset("live", model.ResetMessageOffsetReq{Partition: -1, MessageOffset: ptr(int64(0))}), 400, dmsd.EGROUPACTIVE)
	live.Close()
	require.Equal(t, tasksBefore, taskCount(t, c, id))

	// One partition, to an offset past the end: clamped to the end.
	require.NoError(t, reset("audit", model.ResetMessageOffsetReq{Topic: "events", Partition: 1, MessageOffset: ptr(int64(99))}))
	last := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0]
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *last.Id).Status)
	offsets, err := adm.FetchOffsets(context.Background(), "audit")
	require.NoError(t, err)
	o0, _ := offsets.Lookup("events", 0)
	o1, _ := offsets.Lookup("events", 1)
	require.Equal(t, []int64{2, 2}, []int64{o0.At, o1.At})

	// Every partition of every topic, to a time before all records: the start.
	require.NoError(t, reset("audit", model.ResetMessageOffsetReq{Partition: -1, Timestamp: ptr(int64(0))}))
	last = (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0]
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *last.Id).Status)
	require.True(t, strings.Contains(*last.Params, `"timestamp":0`), *last.Params)
	offsets, err = adm.FetchOffsets(context.Background(), "audit")
	require.NoError(t, err)
	o0, _ = offsets.Lookup("events", 0)
	o1, _ = offsets.Lookup("events", 1)
	require.Equal(t, []int64{0, 0}, []int64{o0.At, o1.At})
}

func TestUserSASLSurvivesRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client(0)
	inst := createSASLInstance(t, c, "durable-sasl")
	id := *inst.InstanceId
	_, err := kadm.NewClient(scramClient(t, inst, accessUser, accessPassword)).CreateTopic(context.Background(), 1, 1, nil, "kept")
	require.NoError(t, err)
	require.NoError(t, createUser(c, id, "reader1", "", "Read-Pass1"))
	resp, err := setPolicies(t, c, id, "kept", map[string]model.AccessPolicyEntityAccessPolicy{"reader1": model.GetAccessPolicyEntityAccessPolicyEnum().ALL})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *resp.JobId).Status)

	// A restartInstance task checks the cluster as the access user.
	restarted, err := c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
		Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART}})
	require.NoError(t, err)
	require.Equal(t, "success", *(*restarted.Results)[0].Result)
	restart := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0]
	require.Equal(t, "restartInstance", *restart.Name)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *restart.Id).Status)

	// So does a restart of dmsd; users and their permissions are kept.
	s.stop()
	s = startServer(t, dir)
	c = s.client(0)
	after := waitInstance(t, c, id, "RUNNING")
	reader := scramClient(t, after, "reader1", "Read-Pass1")
	require.NoError(t, reader.ProduceSync(timeout(t, 10*time.Second), &kgo.Record{Topic: "kept", Value: []byte("v")}).FirstErr())
	users, err := c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
	require.NoError(t, err)
	require.Len(t, *users.Users, 2)
	shown, err := c.ShowTopicAccessPolicy(&model.ShowTopicAccessPolicyRequest{InstanceId: id, TopicName: "kept"})
	require.NoError(t, err)
	require.Len(t, *shown.Policies, 1)
	require.Equal(t, "all", (*shown.Policies)[0].AccessPolicy.Value())
	require.Error(t, kafkaClient(t, after).Ping(timeout(t, 2*time.Second)), "SASL is still required")
}

func TestUserPlainMechanism(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	req := newCreateRequest("plain-sasl", 1, false)
	req.Body.SslEnable, req.Body.AccessUser, req.Body.Password = ptr(true), ptr(accessUser), ptr(accessPassword)
	req.Body.KafkaSecurityProtocol = ptr("SASL_PLAINTEXT")
	resp, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	inst := waitInstance(t, c, *resp.InstanceId, "RUNNING")
	require.Equal(t, "PLAIN", (*inst.SaslEnabledMechanisms)[0].Value(), "PLAIN is the reference's default")

	cl := kafkaClient(t, inst, kgo.SASL(plain.Auth{User: accessUser, Pass: accessPassword}.AsMechanism()))
	require.NoError(t, cl.Ping(timeout(t, 10*time.Second)))
	// Users are SCRAM-SHA-512 users, which this instance does not enable.
	requireDMSError(t, createUser(c, *inst.InstanceId, "producer1", "", "Prod-Pass1"), 400, dmsd.EINVALID)
}
