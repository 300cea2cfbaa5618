package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// sslSwitch sends the SDK's plain-ssl-switch for the instance.
func sslSwitch(c *kafkasdk.KafkaClient, id, protocol string, enable bool) (*model.UpdateKafkaPortProtocolResponse, error) {
	return c.UpdateKafkaPortProtocol(&model.UpdateKafkaPortProtocolRequest{
		Engine:     model.GetUpdateKafkaPortProtocolRequestEngineEnum().KAFKA,
		InstanceId: id,
		Body:       &model.PlainSslEnableRequest{Protocol: sslProtocol(protocol), Enable: enable},
	})
}

func sslProtocol(p string) model.PlainSslEnableRequestProtocol {
	var out model.PlainSslEnableRequestProtocol
	if err := out.UnmarshalJSON([]byte(`"` + p + `"`)); err != nil {
		panic(err)
	}
	return out
}

// downloadCA fetches the instance's CA certificate (PEM).
func downloadCA(t *testing.T, s *testServer, id string) string {
	t.Helper()
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/ssl-certificate")
	require.Equal(t, http.StatusOK, status, body)
	require.True(t, strings.HasPrefix(body, "-----BEGIN CERTIFICATE-----"), body)
	return body
}

// tlsOpt is the franz-go option that trusts caPEM.
func tlsOpt(t *testing.T, caPEM string) kgo.Opt {
	t.Helper()
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM([]byte(caPEM)))
	return kgo.DialTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
}

// consumeAll reads every record of a topic from the start until it holds n
// values or 10 seconds pass.
func consumeAll(t *testing.T, inst *model.ShowInstanceResponse, topic string, n int, opts ...kgo.Opt) []string {
	t.Helper()
	cl := kafkaClient(t, inst, append([]kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var values []string
	for len(values) < n && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	return values
}

// TestSSLSwitch switches a SASL instance's single listener between the
// reference's SASL_PLAINTEXT and SASL_SSL. ssl_enable means SASL, chosen at
// create: the switch neither turns it on nor off.
func TestSSLSwitch(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createSASLInstance(t, c, "ssl-cluster")
	id := *inst.InstanceId
	require.True(t, *inst.SslEnable)
	require.Equal(t, "SASL_PLAINTEXT", *inst.KafkaSecurityProtocol)
	ctx := context.Background()

	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "kept-topic", Partition: ptr(int32(1))}})
	require.NoError(t, err)
	require.NoError(t, scramClient(t, inst, accessUser, accessPassword).ProduceSync(ctx, &kgo.Record{Topic: "kept-topic", Value: []byte("plain-1")}).FirstErr())

	// No certificate while the listeners are plaintext.
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/ssl-certificate")
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, dmsd.ESSLDISABLED)

	// Refusals create no task: SASL cannot be turned off, the listener's
	// only protocol cannot be turned off, public access is not offered.
	_, err = sslSwitch(c, id, "private_plain_enable", true)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = sslSwitch(c, id, "private_sasl_plaintext_enable", false)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = sslSwitch(c, id, "public_sasl_ssl_enable", true)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EPUBLICACCESS)
	switchPath := "/v2/" + s.creds[0].ProjectID + "/kafka/instances/" + id + "/plain-ssl-switch"
	jsonHeaders := map[string]string{"Content-Type": "application/json"}
	for _, bad := range []string{`{"protocol":"private_sasl_ssl_enable"}`, `{"protocol":"nonsense","enable":true}`, `{"protocol":"private_sasl_ssl_enable","enable":"yes"}`,
		`{"protocol":"private_sasl_ssl_enable","enable":true,"user_name":"u","pass_word":"Password-1234"}`, `not json`} {
		status, body := s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: switchPath, body: bad, headers: jsonHeaders})
		require.Equal(t, http.StatusBadRequest, status, bad+": "+body)
	}
	requireTaskCount(t, c, id, "1")

	// Public access is refused, with no task.
	_, err = c.ModifyKafkaPublicIpAccessSwitch(&model.ModifyKafkaPublicIpAccessSwitchRequest{InstanceId: id, Body: &model.ModifyKafkaPublicIpAccessSwitchReq{PublicBoundwidth: ptr(int32(5)), PublicipId: ptr("eip-1")}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EPUBLICACCESS)
	requireTaskCount(t, c, id, "1")

	// SASL_SSL on.
	resp, err := sslSwitch(c, id, "private_sasl_ssl_enable", true)
	require.NoError(t, err)
	require.NotNil(t, resp.JobId)
	require.True(t, *resp.Enable)
	task := waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "SUCCESS", *task.Status, task.String())
	require.Equal(t, "kafkaSslSwitch", *task.Name)
	require.JSONEq(t, `{"old_ssl_enable":false,"new_ssl_enable":true}`, *task.Params)
	requireStepsDone(t, c, id, *resp.JobId, "UPDATE_SSL_CONFIG", "STOP_BROKERS", "START_BROKERS", "CHECK_CLUSTER")
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.True(t, *inst.SslEnable)
	require.Equal(t, "SASL_SSL", *inst.KafkaSecurityProtocol)
	require.True(t, *inst.PortProtocols.PrivateSaslSslEnable)
	require.False(t, *inst.PortProtocols.PrivateSaslPlaintextEnable)
	ca := downloadCA(t, s, id)

	// A TLS client that trusts the CA produces and consumes, and sees the
	// data of before; a plaintext client gets nowhere.
	scram := kgo.SASL(scramMechanism(accessUser, accessPassword))
	tlsCl := kafkaClient(t, inst, tlsOpt(t, ca), scram)
	require.NoError(t, tlsCl.ProduceSync(ctx, &kgo.Record{Topic: "kept-topic", Value: []byte("tls-1")}).FirstErr())
	require.Equal(t, []string{"plain-1", "tls-1"}, consumeAll(t, inst, "kept-topic", 2, tlsOpt(t, ca), scram))
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, err = kadm.NewClient(kafkaClient(t, inst, scram, kgo.RequestRetries(0))).BrokerMetadata(pctx)
	cancel()
	require.Error(t, err, "a plaintext client must not reach TLS listeners")

	// The certificate survives a restart of dmsd: the same CA still works.
	s.stop()
	s = startServer(t, s.dataDir)
	c = s.client(0)
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.Equal(t, ca, downloadCA(t, s, id))
	require.NoError(t, kafkaClient(t, inst, tlsOpt(t, ca), scram).ProduceSync(ctx, &kgo.Record{Topic: "kept-topic", Value: []byte("tls-2")}).FirstErr())

	// Back to SASL_PLAINTEXT: plaintext SASL works again, data kept.
	resp, err = sslSwitch(c, id, "private_sasl_plaintext_enable", true)
	require.NoError(t, err)
	task = waitTask(t, c, id, *resp.JobId)
	require.Equal(t, "SUCCESS", *task.Status, task.String())
	require.JSONEq(t, `{"old_ssl_enable":true,"new_ssl_enable":false}`, *task.Params)
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.True(t, *inst.SslEnable, "SASL stays on")
	require.Equal(t, "SASL_PLAINTEXT", *inst.KafkaSecurityProtocol)
	require.Equal(t, []string{"plain-1", "tls-1", "tls-2"}, consumeAll(t, inst, "kept-topic", 3, scram))
	status, body = s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/ssl-certificate")
	require.Equal(t, http.StatusBadRequest, status, body)

	// On again: the instance keeps its CA. The body differs from the first
	// switch's in its field order, as the same signed request within the
	// same second would be refused as a replay.
	status, body = s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: switchPath, body: `{"enable":true,"protocol":"private_sasl_ssl_enable"}`, headers: jsonHeaders})
	require.Equal(t, http.StatusOK, status, body)
	var again struct {
		JobID string `json:"job_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &again))
	task = waitTask(t, c, id, again.JobID)
	require.Equal(t, "SUCCESS", *task.Status, task.String())
	require.Equal(t, ca, downloadCA(t, s, id))

	// An instance without SASL is plaintext and stays so.
	plain := createInstance(t, c, "plain-cluster", 1, false)
	require.False(t, *plain.SslEnable)
	require.True(t, *plain.PortProtocols.PrivatePlainEnable)
	_, err = sslSwitch(c, *plain.InstanceId, "private_sasl_ssl_enable", true)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = sslSwitch(c, *plain.InstanceId, "private_plain_enable", false)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	requireTaskCount(t, c, *plain.InstanceId, "1")
}

func TestSSLAtCreateWithSASL(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	req := newCreateRequest("sasl-ssl-cluster", 1, false)
	req.Body.AccessUser, req.Body.Password = ptr(accessUser), ptr(accessPassword)
	req.Body.SslEnable = ptr(true)
	req.Body.KafkaSecurityProtocol = ptr("SASL_SSL")
	req.Body.SaslEnabledMechanisms = &[]model.CreateInstanceByEngineReqSaslEnabledMechanisms{
		model.GetCreateInstanceByEngineReqSaslEnabledMechanismsEnum().SCRAM_SHA_512,
	}
	created, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	inst := waitInstance(t, c, *created.InstanceId, string(dmsd.InstanceRunning))
	require.True(t, *inst.SslEnable)
	require.Equal(t, "SASL_SSL", *inst.KafkaSecurityProtocol)
	ca := downloadCA(t, s, *inst.InstanceId)
	ctx := context.Background()

	// dmsd's own admin connection works over SASL_SSL: topics are created.
	_, err = c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: *inst.InstanceId, Body: &model.CreateInstanceTopicReq{Id: "secure", Partition: ptr(int32(1))}})
	require.NoError(t, err)
	cl := scramClient(t, inst, accessUser, accessPassword, tlsOpt(t, ca))
	require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: "secure", Value: []byte("v")}).FirstErr())

	// Public access at create: refused.
	req = newCreateRequest("public-bad", 1, false)
	req.Body.EnablePublicip = ptr(true)
	_, err = c.CreateInstanceByEngine(req)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EPUBLICACCESS)
	list, err := c.ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err)
	require.Equal(t, int32(1), *list.InstanceNum)
}

func TestSSLSwitchRefusedOnExternal(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "1")
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)
	b, err := json.Marshal(newCreateRequest("external-ssl", 1, false).Body)
	require.NoError(t, err)
	status, resp := s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + s.creds[0].ProjectID + "/instances",
		body: strings.TrimSuffix(string(b), "}") + `,"external":{"bootstrap_servers":["` + addrs[0] + `"]}}`, headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, resp)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &created))
	waitInstance(t, c, created.InstanceID, string(dmsd.InstanceRunning))
	_, err = sslSwitch(c, created.InstanceID, "private_sasl_ssl_enable", true)
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EEXTERNAL)
	requireTaskCount(t, c, created.InstanceID, "1")
}
