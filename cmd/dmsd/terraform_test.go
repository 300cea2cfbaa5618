package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// The tests of this file send what the Terraform provider (huaweicloud
// v1.97.1) sends, with the official SDK where it has the operation and as
// raw signed requests where the provider builds its own body.

func zoneIDs() []string {
	ids := make([]string, 0, len(dmsd.AvailabilityZones))
	for _, z := range dmsd.AvailabilityZones {
		ids = append(ids, z.ID)
	}
	return ids
}

func TestTerraformFlavorsAndZones(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)

	// The flavors data source's request, exactly.
	status, body := s.signedGet(t, 0, "/v2/kafka/products?product_id=c6.2u4g.cluster")
	require.Equal(t, http.StatusOK, status, body)
	resp, err := c.ListEngineProducts(&model.ListEngineProductsRequest{
		Engine: model.GetListEngineProductsRequestEngineEnum().KAFKA, ProductId: ptr("c6.2u4g.cluster")})
	require.NoError(t, err)
	require.Equal(t, "kafka", *resp.Engine)
	require.Len(t, *resp.Products, 1)
	p := (*resp.Products)[0]
	require.Equal(t, "c6.2u4g.cluster", *p.ProductId)
	require.Equal(t, "cluster", *p.Type)
	require.Equal(t, []string{"X86"}, *p.ArchTypes)
	var specs []string
	for _, io := range *p.Ios {
		specs = append(specs, *io.IoSpec)
		require.Equal(t, []string{"az1", "az2", "az3"}, *io.AvailableZones)
	}
	require.Contains(t, specs, "dms.physical.storage.ultra.v2")
	require.Equal(t, "30", *p.Properties.MaxBroker)
	all, err := c.ListEngineProducts(&model.ListEngineProductsRequest{Engine: model.GetListEngineProductsRequestEngineEnum().KAFKA})
	require.NoError(t, err)
	require.Len(t, *all.Products, len(dmsd.Products))

	// The zones, with no project in the path: any valid key reads them.
	status, body = s.signedGet(t, 1, "/v2/available-zones")
	require.Equal(t, http.StatusOK, status, body)
	zones, err := c.ListAvailableZones(&model.ListAvailableZonesRequest{})
	require.NoError(t, err)
	require.Len(t, *zones.AvailableZones, 3)
	var ids, codes []string
	for _, z := range *zones.AvailableZones {
		ids, codes = append(ids, *z.Id), append(codes, *z.Code)
	}
	require.Equal(t, zoneIDs(), ids)
	require.Equal(t, []string{"az1", "az2", "az3"}, codes)
	unsigned, err := http.Get(s.url + "/v2/available-zones")
	require.NoError(t, err)
	unsigned.Body.Close()
	require.Equal(t, http.StatusUnauthorized, unsigned.StatusCode, "an unsigned request is refused")

	// Creation accepts only what the lists offer: refusals create nothing.
	bad := func(mutate func(*model.CreateInstanceByEngineReq)) error {
		req := newCreateRequest("refused", 1, false)
		mutate(req.Body)
		_, err := c.CreateInstanceByEngine(req)
		return err
	}
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.ProductId = "c6.99u99g.cluster" }), 400, dmsd.EINVALIDPRODUCT)
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.AvailableZones = []string{"az-1"} }), 400, dmsd.EAZNOTFOUND)
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.AvailableZones = zoneIDs()[:2] }), 400, dmsd.EINVALIDAZ)
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) { b.AvailableZones = nil }), 400, dmsd.EINVALIDAZ)
	requireDMSError(t, bad(func(b *model.CreateInstanceByEngineReq) {
		b.ProductId, b.BrokerNum = "c6.2u4g.single", 3
	}), 400, dmsd.EINVALID)
	instances, err := c.ListInstances(&model.ListInstancesRequest{})
	require.NoError(t, err)
	require.Equal(t, int32(0), *instances.InstanceNum)
}

// terraformCreateBody is a create body as the provider builds it, with zone
// codes in availability_zones and tags.
const terraformCreateBody = `{"name":"tf-kafka","engine":"kafka","engine_version":"3.x","broker_num":3,
"storage_space":300,"vpc_id":"vpc-1","security_group_id":"sg-1","subnet_id":"subnet-1",
"availability_zones":["az1","az2","az3"],"product_id":"c6.2u4g.cluster",
"storage_spec_code":"dms.physical.storage.ultra.v2","arch_type":"X86",
"tags":[{"key":"owner","value":"terraform"},{"key":"env","value":"test"}]}`

func TestTerraformCreateAndRead(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	project := s.creds[0].ProjectID

	// The provider's create path, which POST /v2/{engine}/{project_id}/instances
	// must not capture.
	status, body := s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + project + "/kafka/instances",
		body: terraformCreateBody, headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, body)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	inst := waitInstance(t, c, created.InstanceID, string(dmsd.InstanceRunning))
	require.Equal(t, zoneIDs(), *inst.AvailableZones, "codes are stored as the zones' ids")
	require.Equal(t, []string{"AZ1", "AZ2", "AZ3"}, *inst.AvailableZoneNames)

	// cross_vpc_info: one distinct entry per broker, on its listener.
	require.NotNil(t, inst.CrossVpcInfo)
	var cross map[string]struct {
		AdvertisedIP string `json:"advertised_ip"`
		Port         int    `json:"port"`
		PortID       string `json:"port_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(*inst.CrossVpcInfo), &cross))
	require.Len(t, cross, 3)
	var listeners []string
	for key, e := range cross {
		require.Equal(t, "127.0.0.1", e.AdvertisedIP)
		require.Equal(t, "127.0.0.1:"+strconv.Itoa(e.Port), key)
		require.NotEmpty(t, e.PortID)
		listeners = append(listeners, key)
	}
	slices.Sort(listeners)
	advertised := strings.Split(*inst.KafkaPrivateConnectAddress, ",")
	slices.Sort(advertised)
	require.Equal(t, advertised, listeners)

	// Tags given at create are kept and shown.
	tags, err := c.ShowKafkaTags(&model.ShowKafkaTagsRequest{InstanceId: created.InstanceID})
	require.NoError(t, err)
	require.Len(t, *tags.Tags, 2)
	require.Equal(t, "owner", *(*tags.Tags)[0].Key)
	require.Equal(t, "terraform", *(*tags.Tags)[0].Value)
	require.Len(t, *inst.Tags, 2)

	// The cluster as Kafka reports it.
	cluster, err := c.ShowKafkaCluster(&model.ShowKafkaClusterRequest{InstanceId: created.InstanceID})
	require.NoError(t, err)
	require.Len(t, *cluster.Cluster.Brokers, 3)
	var brokerAddrs, brokerIDs []string
	for _, b := range *cluster.Cluster.Brokers {
		require.True(t, *b.Health)
		brokerAddrs = append(brokerAddrs, *b.Host+":"+strconv.Itoa(int(*b.Port)))
		brokerIDs = append(brokerIDs, *b.BrokerId)
	}
	slices.Sort(brokerAddrs)
	require.Equal(t, advertised, brokerAddrs)
	require.Len(t, slices.Compact(brokerIDs), 3)

	// The task object of the instance answer is its newest task.
	_, body = s.signedGet(t, 0, "/v2/"+project+"/instances/"+created.InstanceID)
	var shown struct {
		Task struct {
			ID, Name, Status string
		} `json:"task"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &shown))
	require.Equal(t, "createInstance", shown.Task.Name)
	require.Equal(t, "SUCCESS", shown.Task.Status)
	require.NotEmpty(t, shown.Task.ID)

	// The SDK's CreatePostPaidKafkaInstance, with one zone id.
	req := newCreateRequest("tf-single", 1, false).Body
	req.AvailableZones = []string{dmsd.AvailabilityZones[1].ID}
	one, err := c.CreatePostPaidKafkaInstance(&model.CreatePostPaidKafkaInstanceRequest{Body: req})
	require.NoError(t, err)
	single := waitInstance(t, c, *one.InstanceId, string(dmsd.InstanceRunning))
	require.Equal(t, []string{dmsd.AvailabilityZones[1].ID}, *single.AvailableZones)
	require.Equal(t, []string{"AZ2"}, *single.AvailableZoneNames)
	require.Contains(t, *single.CrossVpcInfo, "advertised_ip")

	// One code, and codes that contradict the ids, on the provider's path.
	status, body = s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + project + "/kafka/instances",
		body:    strings.Replace(strings.Replace(terraformCreateBody, `["az1","az2","az3"]`, `["az3"]`, 1), `"broker_num":3`, `"broker_num":1`, 1),
		headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, body)
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	third := waitInstance(t, c, created.InstanceID, string(dmsd.InstanceRunning))
	require.Equal(t, []string{dmsd.AvailabilityZones[2].ID}, *third.AvailableZones)
	status, body = s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + project + "/kafka/instances",
		body:    strings.Replace(terraformCreateBody, `"availability_zones"`, `"available_zones":["`+dmsd.AvailabilityZones[0].ID+`"],"availability_zones"`, 1),
		headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, dmsd.EINVALIDAZ)
}

func TestTerraformTopicsUsersAndOffsets(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createSASLInstance(t, c, "tf-secured")
	id := *inst.InstanceId

	// The provider lists topics 200 at a time.
	_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id,
		Body: &model.CreateInstanceTopicReq{Id: "orders", Partition: ptr(int32(1)), Replication: ptr(int32(1))}})
	require.NoError(t, err)
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/topics?offset=0&limit=200")
	require.Equal(t, http.StatusOK, status, body)
	topics, err := c.ListInstanceTopics(&model.ListInstanceTopicsRequest{InstanceId: id, Offset: ptr("0"), Limit: ptr("200")})
	require.NoError(t, err)
	require.Len(t, *topics.Topics, 1)

	// A user's description and password, through UpdateInstanceUser.
	require.NoError(t, createUser(c, id, "consumer1", "first", "Cons-Pass1"))
	_, err = c.UpdateInstanceUser(&model.UpdateInstanceUserRequest{Engine: "kafka", InstanceId: id, UserName: "consumer1",
		Body: &model.UpdateUserReq{UserDesc: ptr("billing consumer"), NewPassword: ptr("New-Pass22")}})
	require.NoError(t, err)
	_, err = c.UpdateInstanceUser(&model.UpdateInstanceUserRequest{Engine: "kafka", InstanceId: id, UserName: "consumer1",
		Body: &model.UpdateUserReq{UserDesc: ptr("billing consumer, v2")}})
	require.NoError(t, err)
	users, err := c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
	require.NoError(t, err)
	i := slices.IndexFunc(*users.Users, func(u model.ShowInstanceUsersEntity) bool { return *u.UserName == "consumer1" })
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, "billing consumer, v2", *(*users.Users)[i].UserDesc)
	require.NoError(t, scramClient(t, inst, "consumer1", "New-Pass22").Ping(timeout(t, 10*time.Second)))
	_, err = c.UpdateInstanceUser(&model.UpdateInstanceUserRequest{Engine: "kafka", InstanceId: id, UserName: "nobody1",
		Body: &model.UpdateUserReq{UserDesc: ptr("x")}})
	requireDMSError(t, err, 404, dmsd.EUSERNOTFOUND)
	_, err = c.UpdateInstanceUser(&model.UpdateInstanceUserRequest{Engine: "rabbitmq", InstanceId: id, UserName: "consumer1",
		Body: &model.UpdateUserReq{UserDesc: ptr("x")}})
	requireDMSError(t, err, 400, dmsd.EUNSUPPORTEDENGINE)

	// Permissions: an empty policy list revokes them, as the provider's
	// destroy does.
	task, err := setPolicies(t, c, id, "orders", map[string]model.AccessPolicyEntityAccessPolicy{"consumer1": model.GetAccessPolicyEntityAccessPolicyEnum().ALL})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *task.JobId).Status)
	shown, err := c.ShowTopicAccessPolicy(&model.ShowTopicAccessPolicyRequest{InstanceId: id, TopicName: "orders"})
	require.NoError(t, err)
	require.Len(t, *shown.Policies, 1)
	task, err = c.UpdateTopicAccessPolicy(&model.UpdateTopicAccessPolicyRequest{InstanceId: id,
		Body: &model.UpdateTopicAccessPolicyReq{Topics: []model.AccessPolicyTopicEntity{{Name: "orders", Policies: []model.AccessPolicyEntity{}}}}})
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *task.JobId).Status)
	shown, err = c.ShowTopicAccessPolicy(&model.ShowTopicAccessPolicyRequest{InstanceId: id, TopicName: "orders"})
	require.NoError(t, err)
	require.Empty(t, *shown.Policies)

	// Offsets reset through the engine path, with PUT.
	producer := scramClient(t, inst, accessUser, accessPassword)
	for range 3 {
		require.NoError(t, producer.ProduceSync(context.Background(), &kgo.Record{Topic: "orders", Value: []byte("o")}).FirstErr())
	}
	admin := kadm.NewClient(producer)
	require.NoError(t, admin.CommitAllOffsets(context.Background(), "billing", kadm.Offsets{"orders": {
		0: {Topic: "orders", Partition: 0, At: 3, LeaderEpoch: -1},
	}}))
	_, err = c.ResetMessageOffsetWithEngine(&model.ResetMessageOffsetWithEngineRequest{InstanceId: id, Group: "billing",
		Body: &model.ResetMessageOffsetReq{Partition: -1, Timestamp: ptr(int64(0))}})
	require.NoError(t, err)
	last := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0]
	require.Equal(t, "kafkaResetConsumerOffset", *last.Name)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *last.Id).Status)
	offsets, err := admin.FetchOffsets(context.Background(), "billing")
	require.NoError(t, err)
	o, _ := offsets.Lookup("orders", 0)
	require.Equal(t, int64(0), o.At, "the group is back at the first record")
}
