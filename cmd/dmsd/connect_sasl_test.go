package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

// Tasks log in to a SASL peer given by bootstrap_servers with PLAIN,
// SCRAM-SHA-256 and SCRAM-SHA-512 over SASL_PLAINTEXT and copy its records;
// to a SASL instance as its access user or as a user named in the task. The
// passwords are in no answer and no file of the data dir; a wrong password
// is refused by the connectivity check, and settings dmsd cannot honour
// (SASL_SSL to an external peer, a login on PLAINTEXT, a mechanism the peer
// instance does not enable) are refused when the task is created.
func TestConnectSASLPeers(t *testing.T) {
	t.Parallel()
	logins := []struct{ mechanism, user, password string }{
		{"PLAIN", "plain-user", "Plain-Peer-Secret1"},
		{"SCRAM-SHA-256", "scram256-user", "Scram256-Peer-Secret2"},
		{"SCRAM-SHA-512", "scram512-user", "Scram512-Peer-Secret3"},
	}
	var opts []kfake.Opt
	opts = append(opts, kfake.EnableSASL())
	for _, l := range logins {
		opts = append(opts, kfake.Superuser(l.mechanism, l.user, l.password))
	}
	peer := startPeerKafka(t, opts...)
	src := peer.client(kgo.SASL(scram.Auth{User: logins[2].user, Pass: logins[2].password}.AsSha512Mechanism()))
	_, err := kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	produceN(t, src, "orders", 0, 30)

	dir := t.TempDir()
	s := startServer(t, dir, "--external-allow", peer.addr())
	c := s.client(0)
	here := createInstance(t, c, "sasl-here", 1, false)
	there := createSASLInstance(t, c, "sasl-there")
	enableConnector(t, c, *here.InstanceId)

	// One task per mechanism, each writing to a topic of its own.
	var ids []string
	for _, l := range logins {
		req := peerTask(*here.InstanceId, "from-"+l.user, peer.addr())
		src := req.Body.SourceTask
		src.SecurityProtocol, src.SaslMechanism, src.UserName, src.Password = ptr("SASL_PLAINTEXT"), ptr(l.mechanism), ptr(l.user), ptr(l.password)
		src.RenameTopicEnabled, src.TopicsMapping = ptr(false), ptr("orders:from-"+l.user)
		created, err := c.CreateConnectorTask(req)
		require.NoError(t, err, l.mechanism)
		require.Equal(t, l.user, *created.SourceTask.UserName)
		require.Equal(t, l.mechanism, *created.SourceTask.SaslMechanism)
		ids = append(ids, *created.Id)
	}
	for i, l := range logins {
		requireCopiedOnce(t, readAll(t, here, "from-"+l.user, 30, 30*time.Second), 30)
		shown := showTaskRaw(t, s, *here.InstanceId, ids[i])
		require.Equal(t, dmsd.ConnectRunning, shown.Status, shown.body)
		require.Contains(t, shown.body, `"security_protocol":"SASL_PLAINTEXT"`)
		require.NotContains(t, shown.body, l.password, "the password is never shown")
		require.NotContains(t, shown.body, `"password"`)
	}

	// A SASL instance as the peer: as its access user, and as a user the
	// task names with a mechanism the instance enables.
	thereCl := scramClient(t, there, accessUser, accessPassword, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	_, err = kadm.NewClient(thereCl).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	produceN(t, thereCl, "orders", 0, 30)
	req := newReplicationTask("from-sasl-instance", *there.InstanceId, "pull", false)
	req.InstanceId = *here.InstanceId
	_, err = c.CreateConnectorTask(req)
	require.NoError(t, err)
	require.NoError(t, createUser(c, *there.InstanceId, "mirror-user", "replication", "Mirror-Pass1"))
	_, err = setPolicies(t, c, *there.InstanceId, "orders", map[string]model.AccessPolicyEntityAccessPolicy{
		"mirror-user": model.GetAccessPolicyEntityAccessPolicyEnum().SUB})
	require.NoError(t, err)
	req = newReplicationTask("as-mirror-user", *there.InstanceId, "pull", false)
	req.InstanceId = *here.InstanceId
	req.Body.SourceTask.UserName, req.Body.SourceTask.Password = ptr("mirror-user"), ptr("Mirror-Pass1")
	req.Body.SourceTask.SaslMechanism = ptr("SCRAM-SHA-512")
	req.Body.SourceTask.RenameTopicEnabled, req.Body.SourceTask.TopicsMapping = ptr(false), ptr("orders:as-mirror-user")
	created, err := c.CreateConnectorTask(req)
	require.NoError(t, err)
	require.Equal(t, "SASL_PLAINTEXT", *created.SourceTask.SecurityProtocol, "the peer instance's listeners decide")
	requireCopiedOnce(t, readAll(t, here, "there.orders", 30, 30*time.Second), 30)
	requireCopiedOnce(t, readAll(t, here, "as-mirror-user", 30, 30*time.Second), 30)

	// Refusals, at creation and by the connectivity check.
	refused := func(code string, change func(*model.SmartConnectTaskReqSourceConfig)) {
		t.Helper()
		req := peerTask(*here.InstanceId, "refused-task", peer.addr())
		change(req.Body.SourceTask)
		_, err := c.CreateConnectorTask(req)
		requireDMSError(t, err, http.StatusBadRequest, code)
	}
	refused(dmsd.ECONNECTPEER, func(p *model.SmartConnectTaskReqSourceConfig) {
		p.SecurityProtocol, p.UserName, p.Password = ptr("SASL_SSL"), ptr("u"), ptr("p")
	})
	refused(dmsd.EINVALID, func(p *model.SmartConnectTaskReqSourceConfig) {
		p.SecurityProtocol, p.UserName, p.Password = ptr("PLAINTEXT"), ptr("u"), ptr("p")
	})
	refused(dmsd.EINVALID, func(p *model.SmartConnectTaskReqSourceConfig) { p.UserName = ptr("u") })
	refused(dmsd.ECONNECTPEER, func(p *model.SmartConnectTaskReqSourceConfig) {
		p.BootstrapServers, p.InstanceId = nil, there.InstanceId
		p.UserName, p.Password, p.SaslMechanism = ptr(accessUser), ptr(accessPassword), ptr("PLAIN") // there enables SCRAM-SHA-512 only
	})
	// A wrong password: the peer refuses the login, and the task says so.
	req = peerTask(*here.InstanceId, "wrong-password", peer.addr())
	req.Body.SourceTask.SecurityProtocol, req.Body.SourceTask.SaslMechanism = ptr("SASL_PLAINTEXT"), ptr("SCRAM-SHA-256")
	req.Body.SourceTask.UserName, req.Body.SourceTask.Password = ptr(logins[1].user), ptr("Wrong-Password9")
	created, err = c.CreateConnectorTask(req)
	require.NoError(t, err)
	waitTaskStatus(t, c, *here.InstanceId, *created.Id, dmsd.ConnectError, 60*time.Second)
	shown := showTaskRaw(t, s, *here.InstanceId, *created.Id)
	require.Contains(t, shown.Reason, "pull: the source cluster (the peer) cannot be reached or refused the task's login", shown.body)
	t.Logf("wrong password: %s", shown.Reason)

	// A modified task keeps its login, and its password stays sealed.
	_, err = c.ModifyConnectorTask(&model.ModifyConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: ids[0],
		Body: &model.SmartConnectTaskEntity{TaskName: ptr("renamed-" + logins[0].user)}})
	require.NoError(t, err)
	produceN(t, src, "orders", 30, 10)
	requireCopiedOnce(t, readAll(t, here, "from-"+logins[0].user, 40, 30*time.Second), 40)

	// A task's answer sent back as a change, as a read-modify-write client
	// does, carries the task's own login: it is no change of the login.
	shownTask, err := c.ShowConnectorTask(&model.ShowConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: ids[0]})
	require.NoError(t, err)
	require.Equal(t, logins[0].user, *shownTask.SourceTask.UserName)
	back := &model.SmartConnectTaskEntity{TaskName: ptr("again-" + logins[0].user), Topics: shownTask.Topics, TopicsRegex: shownTask.TopicsRegex,
		SourceType: shownTask.SourceType, SourceTask: shownTask.SourceTask, SinkType: shownTask.SinkType, SinkTask: shownTask.SinkTask,
		Id: shownTask.Id, Status: shownTask.Status, CreateTime: shownTask.CreateTime}
	_, err = c.ModifyConnectorTask(&model.ModifyConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: ids[0], Body: back})
	require.NoError(t, err)
	back.SourceTask.UserName = ptr(logins[1].user)
	_, err = c.ModifyConnectorTask(&model.ModifyConnectorTaskRequest{InstanceId: *here.InstanceId, TaskId: ids[0], Body: back})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	produceN(t, src, "orders", 40, 10)
	requireCopiedOnce(t, readAll(t, here, "from-"+logins[0].user, 50, 30*time.Second), 50)

	// No file of the data dir holds a password, while dmsd runs and after.
	secrets := []string{logins[0].password, logins[1].password, logins[2].password, "Mirror-Pass1", "Wrong-Password9", accessPassword}
	require.Empty(t, filesHolding(t, dir, secrets...))
	for _, p := range secrets {
		require.NotContains(t, s.logs.String(), p, "no log holds a password")
	}
	s.stop()
	require.Empty(t, filesHolding(t, dir, secrets...))
}

// A peer instance whose listeners speak SASL_SSL is reached over TLS with
// its own CA, logged in as the user the task names, and its records are
// copied; a task that says SASL_PLAINTEXT for it is refused.
func TestConnectSASLSSLInstancePeer(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	here := createInstance(t, c, "tls-here", 1, false)
	req := newCreateRequest("tls-there", 1, false)
	req.Body.AccessUser, req.Body.Password, req.Body.SslEnable = ptr(accessUser), ptr(accessPassword), ptr(true)
	req.Body.KafkaSecurityProtocol = ptr("SASL_SSL")
	req.Body.SaslEnabledMechanisms = &[]model.CreateInstanceByEngineReqSaslEnabledMechanisms{
		model.GetCreateInstanceByEngineReqSaslEnabledMechanismsEnum().SCRAM_SHA_512,
	}
	resp, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	there := waitInstance(t, c, *resp.InstanceId, string(dmsd.InstanceRunning))
	src := scramClient(t, there, accessUser, accessPassword, tlsOpt(t, downloadCA(t, s, *there.InstanceId)),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	_, err = kadm.NewClient(src).CreateTopic(context.Background(), 3, 1, nil, "orders")
	require.NoError(t, err)
	produceN(t, src, "orders", 0, 30)
	enableConnector(t, c, *here.InstanceId)

	task := newReplicationTask("from-tls", *there.InstanceId, "pull", false)
	task.InstanceId = *here.InstanceId
	p := task.Body.SourceTask
	p.SecurityProtocol, p.SaslMechanism, p.UserName, p.Password = ptr("SASL_PLAINTEXT"), ptr("SCRAM-SHA-512"), ptr(accessUser), ptr(accessPassword)
	_, err = c.CreateConnectorTask(task)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ECONNECTPEER)
	p.SecurityProtocol = ptr("SASL_SSL")
	created, err := c.CreateConnectorTask(task)
	require.NoError(t, err)
	require.Equal(t, "SASL_SSL", *created.SourceTask.SecurityProtocol)
	requireCopiedOnce(t, readAll(t, here, "there.orders", 30, 30*time.Second), 30)
}
