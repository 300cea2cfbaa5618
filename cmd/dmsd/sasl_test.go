package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

// scramMechanism is SCRAM-SHA-512 as user with pass.
func scramMechanism(user, pass string) sasl.Mechanism {
	return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
}

// plainMechanism is PLAIN as user with pass.
func plainMechanism(user, pass string) sasl.Mechanism {
	return plain.Auth{User: user, Pass: pass}.AsMechanism()
}

// brokerAddrs returns the addresses of every broker of a running instance.
func brokerAddrs(inst *model.ShowInstanceResponse) string {
	return *inst.KafkaPrivateConnectAddress
}

// TestSASLPlaintextAsTheReferenceDescribes creates an instance with the
// fields of the reference's creating_an_instance table: ssl_enable true turns
// SASL on, kafka_security_protocol SASL_PLAINTEXT chooses a plaintext
// transport, sasl_enabled_mechanisms SCRAM-SHA-512. franz-go then logs in over
// SCRAM-SHA-512 without TLS, produces and consumes; a wrong password does not.
func TestSASLPlaintextAsTheReferenceDescribes(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	req := newCreateRequest("sasl-plaintext", 3, false)
	req.Body.SslEnable = ptr(true)
	req.Body.KafkaSecurityProtocol = ptr("SASL_PLAINTEXT")
	req.Body.SaslEnabledMechanisms = &[]model.CreateInstanceByEngineReqSaslEnabledMechanisms{
		model.GetCreateInstanceByEngineReqSaslEnabledMechanismsEnum().SCRAM_SHA_512,
	}
	req.Body.AccessUser, req.Body.Password = ptr(accessUser), ptr(accessPassword)
	created, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	inst := waitInstance(t, c, *created.InstanceId, string(dmsd.InstanceRunning))
	id := *inst.InstanceId

	// The instance shows itself as the reference does.
	require.True(t, *inst.SslEnable, "ssl_enable says SASL is on")
	require.Equal(t, "SASL_PLAINTEXT", *inst.KafkaSecurityProtocol)
	require.Len(t, *inst.SaslEnabledMechanisms, 1)
	require.Equal(t, "SCRAM-SHA-512", (*inst.SaslEnabledMechanisms)[0].Value())
	require.Equal(t, accessUser, *inst.AccessUser)
	pp := inst.PortProtocols
	require.NotNil(t, pp)
	require.True(t, *pp.PrivateSaslPlaintextEnable)
	require.Equal(t, brokerAddrs(inst), *pp.PrivateSaslPlaintextAddress)
	require.Len(t, strings.Split(*pp.PrivateSaslPlaintextAddress, ","), 3)
	require.False(t, *pp.PrivatePlainEnable)
	require.False(t, *pp.PrivateSaslSslEnable)
	require.False(t, *pp.PublicSaslPlaintextEnable)
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id)
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, body, accessPassword)

	// No certificate: the transport is plaintext.
	status, body = s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/ssl-certificate")
	require.Equal(t, http.StatusBadRequest, status, body)

	_, err = c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "orders", Partition: ptr(int32(3)), Replication: ptr(int32(3))}})
	require.NoError(t, err)

	// SCRAM-SHA-512 without TLS: produce, then consume what was produced.
	ctx := context.Background()
	producer := kafkaClient(t, inst, kgo.SASL(scramMechanism(accessUser, accessPassword)))
	for i := range 3 {
		require.NoError(t, producer.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte("order-" + strconv.Itoa(i))}).FirstErr())
	}
	got := consumeAll(t, inst, "orders", 3, kgo.SASL(scramMechanism(accessUser, accessPassword)))
	require.ElementsMatch(t, []string{"order-0", "order-1", "order-2"}, got)

	// A wrong password gets nothing, nor does a client without SASL.
	wrong := kafkaClient(t, inst, kgo.SASL(scramMechanism(accessUser, "Wrong-Pass1")), kgo.RequestRetries(0))
	require.Error(t, wrong.Ping(timeout(t, 3*time.Second)))
	require.Error(t, wrong.ProduceSync(timeout(t, 3*time.Second), &kgo.Record{Topic: "orders", Value: []byte("x")}).FirstErr())
	require.Error(t, kafkaClient(t, inst).Ping(timeout(t, 2*time.Second)))
}

// TestSASLSSLIsTheDefault creates a SASL instance without
// kafka_security_protocol: the reference's default is SASL_SSL, so its
// listeners speak TLS and require SASL, PLAIN being the default mechanism.
func TestSASLSSLIsTheDefault(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	req := newCreateRequest("sasl-default", 1, false)
	req.Body.SslEnable = ptr(true)
	req.Body.AccessUser, req.Body.Password = ptr(accessUser), ptr(accessPassword)
	created, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	inst := waitInstance(t, c, *created.InstanceId, string(dmsd.InstanceRunning))
	require.True(t, *inst.SslEnable)
	require.Equal(t, "SASL_SSL", *inst.KafkaSecurityProtocol)
	require.Equal(t, "PLAIN", (*inst.SaslEnabledMechanisms)[0].Value())
	require.True(t, *inst.PortProtocols.PrivateSaslSslEnable)
	require.False(t, *inst.PortProtocols.PrivateSaslPlaintextEnable)
	require.Equal(t, brokerAddrs(inst), *inst.PortProtocols.PrivateSaslSslAddress)

	ca := downloadCA(t, s, *inst.InstanceId)
	_, err = c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: *inst.InstanceId, Body: &model.CreateInstanceTopicReq{Id: "secure", Partition: ptr(int32(1))}})
	require.NoError(t, err)
	plainSASL := kgo.SASL(plainMechanism(accessUser, accessPassword))
	require.NoError(t, kafkaClient(t, inst, plainSASL, tlsOpt(t, ca)).ProduceSync(context.Background(), &kgo.Record{Topic: "secure", Value: []byte("v")}).FirstErr())
	require.Equal(t, []string{"v"}, consumeAll(t, inst, "secure", 1, plainSASL, tlsOpt(t, ca)))
	require.Error(t, kafkaClient(t, inst, plainSASL, kgo.RequestRetries(0)).Ping(timeout(t, 3*time.Second)), "SASL without TLS must not reach SASL_SSL listeners")
}

// TestSASLCreateRefusals sends the combinations the reference forbids:
// access_user and password are mandatory with ssl_enable true and invalid
// with ssl_enable false. None creates an instance.
func TestSASLCreateRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	for _, tc := range []struct {
		name   string
		mutate func(*model.CreateInstanceByEngineReq)
		code   string
	}{
		{"ssl_enable without access_user", func(b *model.CreateInstanceByEngineReq) {
			b.SslEnable, b.Password = ptr(true), ptr(accessPassword)
		}, dmsd.EINVALID},
		{"ssl_enable without password", func(b *model.CreateInstanceByEngineReq) {
			b.SslEnable, b.AccessUser = ptr(true), ptr(accessUser)
		}, dmsd.EINVALIDPASSWORD},
		{"access_user with ssl_enable false", func(b *model.CreateInstanceByEngineReq) {
			b.SslEnable, b.AccessUser, b.Password = ptr(false), ptr(accessUser), ptr(accessPassword)
		}, dmsd.EINVALID},
		{"access_user without ssl_enable", func(b *model.CreateInstanceByEngineReq) {
			b.AccessUser, b.Password = ptr(accessUser), ptr(accessPassword)
		}, dmsd.EINVALID},
		{"kafka_security_protocol without ssl_enable", func(b *model.CreateInstanceByEngineReq) {
			b.KafkaSecurityProtocol = ptr("SASL_PLAINTEXT")
		}, dmsd.EINVALID},
		{"unknown kafka_security_protocol", func(b *model.CreateInstanceByEngineReq) {
			b.SslEnable, b.AccessUser, b.Password, b.KafkaSecurityProtocol = ptr(true), ptr(accessUser), ptr(accessPassword), ptr("SSL")
		}, dmsd.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newCreateRequest("sasl-refused", 1, false)
			tc.mutate(req.Body)
			_, err := c.CreateInstanceByEngine(req)
			requireDMSError(t, err, http.StatusBadRequest, tc.code)
		})
	}
	list, err := c.ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err)
	require.Equal(t, int32(0), *list.InstanceNum)
}
