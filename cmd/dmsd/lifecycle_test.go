package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// setRecyclePolicy turns the project's recycle bin on or off with the given
// retention and returns the answer.
func setRecyclePolicy(t *testing.T, c *kafkasdk.KafkaClient, on bool, days int32) *model.ModifyRecyclePolicyResponse {
	t.Helper()
	resp, err := c.ModifyRecyclePolicy(&model.ModifyRecyclePolicyRequest{Body: &model.ModifyRecyclePolicyReq{RetentionDays: &days, DefaultUseRecycle: &on}})
	require.NoError(t, err)
	return resp
}

// recycled returns the ids of the instances in the project's recycle bin
// with the answer.
func recycled(t *testing.T, c *kafkasdk.KafkaClient) ([]string, *model.ShowRecycleInstancesResponse) {
	t.Helper()
	resp, err := c.ShowRecycleInstances(&model.ShowRecycleInstancesRequest{})
	require.NoError(t, err)
	var ids []string
	for _, in := range *resp.RecycleInstances {
		ids = append(ids, *in.InstanceId)
	}
	return ids, resp
}

// listedIDs returns the ids ListInstances shows.
func listedIDs(t *testing.T, c *kafkasdk.KafkaClient) []string {
	t.Helper()
	resp, err := c.ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err)
	var ids []string
	for _, in := range *resp.Instances {
		ids = append(ids, *in.InstanceId)
	}
	return ids
}

// deleteInstance deletes an instance through the SDK.
func deleteInstance(t *testing.T, c *kafkasdk.KafkaClient, id string) {
	t.Helper()
	_, err := c.DeleteInstance(&model.DeleteInstanceRequest{InstanceId: id})
	require.NoError(t, err)
}

// waitGone polls until ShowInstance answers EINSTANCENOTFOUND.
func waitGone(t *testing.T, c *kafkasdk.KafkaClient, id string) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
		return err != nil
	}, 30*time.Second, 5*time.Millisecond, "instance %s is still shown", id)
	_, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)
}

// TestRecycleBinKeepsAndRestores deletes an instance with the recycle bin on:
// it leaves the instance list, its brokers stop, the recycle bin shows it;
// restored (a task), it is RUNNING with its topic and its records, which
// franz-go consumes.
func TestRecycleBinKeepsAndRestores(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)

	_, before := recycled(t, c)
	require.False(t, *before.DefaultUseRecycle, "the recycle bin is off until a project turns it on")
	policy := setRecyclePolicy(t, c, true, 2)
	require.True(t, *policy.DefaultUseRecycle)
	require.Equal(t, int32(2), *policy.RetentionDays)

	inst := createInstance(t, c, "recycled", 1, false)
	id := *inst.InstanceId
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "orders", Partition: ptr(int32(1)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	cl := kafkaClient(t, inst)
	for i := range 3 {
		require.NoError(t, cl.ProduceSync(context.Background(), &kgo.Record{Topic: "orders", Value: []byte("order-" + strconv.Itoa(i))}).FirstErr())
	}
	cl.Close()

	deleteInstance(t, c, id)
	var bin *model.ShowRecycleInstancesResponse
	require.Eventually(t, func() bool {
		var ids []string
		ids, bin = recycled(t, c)
		return slices.Contains(ids, id)
	}, 30*time.Second, 5*time.Millisecond, "the deleted instance never reached the recycle bin")
	in := (*bin.RecycleInstances)[0]
	require.Equal(t, "RECYCLED", *in.Status)
	require.Equal(t, "recycled", *in.Name)
	require.Equal(t, int32(2), *in.SaveTime)
	require.Equal(t, int64(48*time.Hour/time.Millisecond), *in.AutoDeleteTime-*in.InRecycleTime)
	waitGone(t, c, id)
	require.NotContains(t, listedIDs(t, c), id)
	require.DirExists(t, filepath.Join(s.dataDir, "kafka", id), "the data is kept")
	conn, err := net.DialTimeout("tcp", *inst.ConnectAddress+":"+strconv.Itoa(int(*inst.Port)), time.Second)
	if err == nil {
		conn.Close()
	}
	require.Error(t, err, "the brokers are stopped")
	// The other project does not see it.
	ids, _ := recycled(t, s.client(1))
	require.NotContains(t, ids, id)

	resp, err := c.RestoreRecycleInstance(&model.RestoreRecycleInstanceRequest{Body: &model.BatchResumeInstanceReq{Instances: &[]string{id}}})
	require.NoError(t, err)
	res := (*resp.Results)[0]
	require.Equal(t, id, *res.InstanceId)
	require.NotNil(t, res.JobId, "the restore is a task")
	task := waitTask(t, c, id, *res.JobId)
	require.Equal(t, "SUCCESS", *task.Status)
	require.Equal(t, "restoreInstance", *task.Name)
	restored := waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.Contains(t, listedIDs(t, c), id)
	ids, _ = recycled(t, c)
	require.NotContains(t, ids, id)

	topics, err := c.ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "orders", *(*topics.Topics)[0].Name)
	require.Equal(t, []string{"order-0", "order-1", "order-2"}, consumeAll(t, restored, "orders", 3))

	// Restoring what is not in the bin is refused in its result.
	resp, err = c.RestoreRecycleInstance(&model.RestoreRecycleInstanceRequest{Body: &model.BatchResumeInstanceReq{Instances: &[]string{id}}})
	require.NoError(t, err)
	require.Nil(t, (*resp.Results)[0].JobId)
	require.Contains(t, *(*resp.Results)[0].ErrorMsg, dmsd.EINSTANCENOTFOUND)
	// A retention out of range is refused.
	_, err = c.ModifyRecyclePolicy(&model.ModifyRecyclePolicyRequest{Body: &model.ModifyRecyclePolicyReq{RetentionDays: ptr(int32(0))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
}

// TestRecycleBinExpiresAndPolicyOff runs dmsd with retention days of a
// second: an instance deleted with the policy on is in the recycle bin, then
// removed for good by dmsd itself, data dir included. In the other project,
// whose policy is off, deletion removes the instance at once, as before.
func TestRecycleBinExpiresAndPolicyOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--recycle-day", "2s", "--recycle-interval", "50ms")
	on, off := s.client(0), s.client(1)
	setRecyclePolicy(t, on, true, 1)

	kept := createInstance(t, on, "expires", 1, false)
	plain := createInstance(t, off, "deleted", 1, false)
	keptID, plainID := *kept.InstanceId, *plain.InstanceId

	deleteInstance(t, on, keptID)
	deleteInstance(t, off, plainID)
	require.Eventually(t, func() bool {
		ids, _ := recycled(t, on)
		return slices.Contains(ids, keptID)
	}, 30*time.Second, 5*time.Millisecond, "the deleted instance never reached the recycle bin")

	// Policy off: gone, never in the bin, data removed.
	waitGone(t, off, plainID)
	ids, resp := recycled(t, off)
	require.False(t, *resp.DefaultUseRecycle)
	require.Empty(t, ids)
	require.NoDirExists(t, filepath.Join(s.dataDir, "kafka", plainID))

	// Policy on: removed for good when its day is over.
	require.Eventually(t, func() bool {
		ids, _ := recycled(t, on)
		_, err := os.Stat(filepath.Join(s.dataDir, "kafka", keptID))
		return !slices.Contains(ids, keptID) && os.IsNotExist(err)
	}, 30*time.Second, 10*time.Millisecond, "the recycled instance never expired")
	waitGone(t, on, keptID)
	_, err := on.RestoreRecycleInstance(&model.RestoreRecycleInstanceRequest{Body: &model.BatchResumeInstanceReq{Instances: &[]string{keptID}}})
	require.NoError(t, err)
}

// TestResetPassword resets the access user's password of a SASL instance:
// franz-go logs in with the new password and not with the old one; a weak
// password and an instance without SASL are refused.
func TestResetPassword(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createSASLInstance(t, c, "password")
	id := *inst.InstanceId

	_, err := c.ResetPassword(&model.ResetPasswordRequest{InstanceId: id, Body: &model.ResetPasswordReq{NewPassword: "weak"}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALIDPASSWORD)

	const newPassword = "Brand-New-Pass2"
	_, err = c.ResetPassword(&model.ResetPasswordRequest{InstanceId: id, Body: &model.ResetPasswordReq{NewPassword: newPassword}})
	require.NoError(t, err)
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))

	login := func(pass string) error {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokerAddrs(inst)), kgo.SASL(scramMechanism(accessUser, pass)), kgo.RequestRetries(0))
		require.NoError(t, err)
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = kadm.NewClient(cl).ListTopics(ctx)
		return err
	}
	require.NoError(t, login(newPassword), "the new password logs in")
	require.Error(t, login(accessPassword), "the old password does not")

	// PLAIN, which kfake persists apart from SCRAM.
	req := newCreateRequest("password-plain", 1, false)
	req.Body.SslEnable, req.Body.AccessUser, req.Body.Password = ptr(true), ptr(accessUser), ptr(accessPassword)
	req.Body.KafkaSecurityProtocol = ptr("SASL_PLAINTEXT")
	created, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	inst = waitInstance(t, c, *created.InstanceId, string(dmsd.InstanceRunning))
	_, err = c.ResetPassword(&model.ResetPasswordRequest{InstanceId: *inst.InstanceId, Body: &model.ResetPasswordReq{NewPassword: newPassword}})
	require.NoError(t, err)
	plainLogin := func(pass string) error {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokerAddrs(inst)), kgo.SASL(plainMechanism(accessUser, pass)), kgo.RequestRetries(0))
		require.NoError(t, err)
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = kadm.NewClient(cl).ListTopics(ctx)
		return err
	}
	require.NoError(t, plainLogin(newPassword), "the new PLAIN password logs in")
	require.Error(t, plainLogin(accessPassword), "the old PLAIN password does not")

	noSASL := createInstance(t, c, "no-sasl", 1, false)
	_, err = c.ResetPassword(&model.ResetPasswordRequest{InstanceId: *noSASL.InstanceId, Body: &model.ResetPasswordReq{NewPassword: newPassword}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ESASLDISABLED)
}

// TestUpgradeCrossVpcAndRefusals upgrades an instance's engine version label
// (a task), sets advertised addresses that cross_vpc_info then shows, and
// gets the specific refusals of what dmsd has not: DNS and Kafka Manager.
func TestUpgradeCrossVpcAndRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	req := newCreateRequest("upgrade", 1, false)
	req.Body.EngineVersion = "2.7"
	created, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	inst := waitInstance(t, c, *created.InstanceId, string(dmsd.InstanceRunning))
	id := *inst.InstanceId

	v, err := c.ShowUpgradeInstanceVersion(&model.ShowUpgradeInstanceVersionRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, "2.7", *v.CurrentVersion)
	require.Equal(t, "3.x", *v.LatestVersion)
	up, err := c.UpgradeInstance(&model.UpgradeInstanceRequest{InstanceId: id, Body: &model.UpgradeInstanceReq{}})
	require.NoError(t, err)
	var job struct {
		JobID string `json:"job_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(*up.Body), &job))
	task := waitTask(t, c, id, job.JobID)
	require.Equal(t, "SUCCESS", *task.Status)
	require.Equal(t, "upgradeInstance", *task.Name)
	require.JSONEq(t, `{"current_version":"2.7","target_version":"3.x"}`, *task.Params)
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	require.Equal(t, "3.x", *inst.EngineVersion)
	_, err = c.UpgradeInstance(&model.UpgradeInstanceRequest{InstanceId: id, Body: &model.UpgradeInstanceReq{IsSchedule: ptr(false)}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EUPGRADESAME)

	listener := *inst.ConnectAddress + ":" + strconv.Itoa(int(*inst.Port))
	cross, err := c.UpdateInstanceCrossVpcIp(&model.UpdateInstanceCrossVpcIpRequest{InstanceId: id,
		Body: &model.UpdateInstanceCrossVpcIpReq{AdvertisedIpContents: map[string]string{listener: "10.1.2.3"}}})
	require.NoError(t, err)
	require.True(t, *cross.Success)
	require.Equal(t, "10.1.2.3", *(*cross.Results)[0].AdvertisedIp)
	require.Equal(t, listener, *(*cross.Results)[0].Ip)
	inst = waitInstance(t, c, id, string(dmsd.InstanceRunning))
	var info map[string]struct {
		AdvertisedIP string `json:"advertised_ip"`
	}
	require.NoError(t, json.Unmarshal([]byte(*inst.CrossVpcInfo), &info))
	require.Equal(t, "10.1.2.3", info[listener].AdvertisedIP)
	for _, bad := range []map[string]string{{listener: "not-an-ip"}, {"192.0.2.1:9092": "10.1.2.3"}} {
		_, err = c.UpdateInstanceCrossVpcIp(&model.UpdateInstanceCrossVpcIpRequest{InstanceId: id,
			Body: &model.UpdateInstanceCrossVpcIpReq{AdvertisedIpContents: bad}})
		requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	}

	_, err = c.EnableDns(&model.EnableDnsRequest{InstanceId: id})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ENODNS)
	_, err = c.CloseKafkaManager(&model.CloseKafkaManagerRequest{InstanceId: id})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ENOKAFKAMANAGER)
	_, err = c.ResetManagerPassword(&model.ResetManagerPasswordRequest{InstanceId: id, Body: &model.ResetManagerPasswordReq{NewPassword: ptr("Manager-Pass1")}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ENOKAFKAMANAGER)
	_, err = c.RestartManager(&model.RestartManagerRequest{InstanceId: id})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ENOKAFKAMANAGER)
}
