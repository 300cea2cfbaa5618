package main

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// TestExtendFollowsTheCatalog shows that the extension catalog answers the
// flavors of dmsd.Products and that extension applies their bounds: a
// single-broker flavor cannot grow, a cluster flavor not past 30 brokers.
func TestExtendFollowsTheCatalog(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	cluster := *createInstance(t, c, "catalog-cluster", 1, false).InstanceId

	info, err := c.ShowKafkaInstanceExtendProductInfo(&model.ShowKafkaInstanceExtendProductInfoRequest{
		InstanceId: cluster, Type: model.GetShowKafkaInstanceExtendProductInfoRequestTypeEnum().ADVANCED})
	require.NoError(t, err)
	require.Equal(t, "kafka", *info.Engine)
	maxBrokers := map[string]string{}
	for _, p := range *info.Products {
		maxBrokers[*p.ProductId] = *p.Properties.MaxBroker
	}
	require.Equal(t, "30", maxBrokers["c6.2u4g.cluster"])
	require.NotContains(t, maxBrokers, "c6.2u4g.single", "a cluster instance is offered cluster flavors")

	_, err = c.ResizeEngineInstance(resizeRequest(cluster, "horizontal", 0, 31))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)

	req := newCreateRequest("catalog-single", 1, false)
	req.Body.ProductId = "c6.2u4g.single"
	created, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	single := *created.InstanceId
	waitInstance(t, c, single, string(dmsd.InstanceRunning))
	info, err = c.ShowKafkaInstanceExtendProductInfo(&model.ShowKafkaInstanceExtendProductInfoRequest{
		InstanceId: single, Type: model.GetShowKafkaInstanceExtendProductInfoRequestTypeEnum().ADVANCED})
	require.NoError(t, err)
	require.Len(t, *info.Products, 1)
	require.Equal(t, "1", *(*info.Products)[0].Properties.MaxBroker)
	_, err = c.ResizeEngineInstance(resizeRequest(single, "horizontal", 0, 2))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	// Nothing started.
	tasks := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: single})
	for _, task := range *tasks.Tasks {
		require.NotEqual(t, "extendInstance", *task.Name)
	}
}

// TestCesHierarchyListsTheCluster shows the monitoring dimensions name the
// brokers, topics with their partitions and consumer groups Kafka has.
func TestCesHierarchyListsTheCluster(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "ces-dims", 1, false)
	id := *inst.InstanceId

	cl, err := kgo.NewClient(kgo.SeedBrokers(*inst.ConnectAddress + ":" + strconv.Itoa(int(*inst.Port))))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)
	ctx := timeout(t, 30*time.Second)
	_, err = adm.CreateTopic(ctx, 3, 1, nil, "ces-topic")
	require.NoError(t, err)
	require.NoError(t, adm.CommitAllOffsets(ctx, "ces-app", kadm.Offsets{"ces-topic": {
		1: {Topic: "ces-topic", Partition: 1, At: 0, LeaderEpoch: -1},
	}}))

	out, err := c.ShowCesHierarchy(&model.ShowCesHierarchyRequest{InstanceId: id})
	require.NoError(t, err)
	require.Equal(t, id, *(*out.InstanceIds)[0].Name)
	require.Len(t, *out.Nodes, 1)
	var partitions []string
	for _, q := range *out.Queues {
		if *q.Name == "ces-topic" {
			for _, p := range *q.Partitions {
				partitions = append(partitions, *p.Name)
			}
		}
	}
	require.Equal(t, []string{"0", "1", "2"}, partitions)
	var group *model.ShowCeshierarchyRespGroups
	for _, g := range *out.Groups {
		if *g.Name == "ces-app" {
			group = &g
		}
	}
	require.NotNil(t, group, "the committed group is listed")
	require.Equal(t, "ces-topic", *(*group.Queues)[0].Name)
	// Every partition of a topic the group consumes has its backlog.
	require.Len(t, *(*group.Queues)[0].Partitions, 3)

	_, err = c.ShowCesHierarchy(&model.ShowCesHierarchyRequest{InstanceId: "00000000-0000-4000-8000-000000000000"})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)
}

// TestConfigFeatures shows the feature list says which features are served
// (log tasks are: TestLogTasks).
func TestConfigFeatures(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)

	features, err := c.ListConfigFeatures(&model.ListConfigFeaturesRequest{})
	require.NoError(t, err)
	status := map[string]int32{}
	for _, f := range *features.Features {
		status[*f.FeatureId] = *f.Status
	}
	require.EqualValues(t, len(status), *features.TotalRecord)
	require.EqualValues(t, 1, status["rebalance_log"])
	require.EqualValues(t, 1, status["smart_connect"])
	require.EqualValues(t, 1, status["log_task"])
}
