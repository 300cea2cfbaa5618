package main

import (
	"context"
	"net"
	"net/http"
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

func TestTopicDetailEmbedded(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "detail-embedded", 3, false)
	seeds := []string{*inst.ConnectAddress + ":" + strconv.Itoa(int(*inst.Port))}
	exerciseTopicDetail(t, c, *inst.InstanceId, seeds)

	// An instance that does not exist is refused before any cluster is asked.
	_, err := c.ShowCluster(&model.ShowClusterRequest{InstanceId: "00000000-0000-4000-8000-000000000000"})
	requireDMSError(t, err, http.StatusNotFound, dmsd.EINSTANCENOTFOUND)
}

func TestTopicDetailExternal(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "3")
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)
	id := s.createOK(t, 0, externalBody(t, "detail-external", addrs[0]))
	waitInstance(t, c, id, string(dmsd.InstanceRunning))
	exerciseTopicDetail(t, c, id, addrs)
}

// exerciseTopicDetail drives every topic detail and cluster operation on the
// instance id, whose brokers are at seeds, with the SDK, and checks each
// answer against what franz-go reports of the cluster at that moment.
func exerciseTopicDetail(t *testing.T, c *kafkasdk.KafkaClient, id string, seeds []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.MetadataMinAge(50*time.Millisecond))
	require.NoError(t, err)
	defer cl.Close()
	adm := kadm.NewClient(cl)
	const topic = "detail-topic"

	_, err = c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: topic, Partition: ptr(int32(3)), Replication: ptr(int32(2))}})
	require.NoError(t, err)
	perPartition := []int{5, 2, 0}
	for p, n := range perPartition {
		for i := range n {
			r := &kgo.Record{Topic: topic, Partition: int32(p), Value: []byte("value-" + strconv.Itoa(i))}
			require.NoError(t, cl.ProduceSync(ctx, r).FirstErr())
		}
	}
	const group = "detail-group"
	committed, err := adm.CommitOffsets(ctx, group, kadm.OffsetsFromRecords(kgo.Record{Topic: topic, Partition: 0, Offset: 2}))
	require.NoError(t, err)
	require.NoError(t, committed.Error())

	// ShowInstanceTopicDetail: leaders, replicas, ISR, offsets and sizes as
	// kadm reports them.
	detail, err := c.ShowInstanceTopicDetail(&model.ShowInstanceTopicDetailRequest{InstanceId: id, Topic: topic})
	require.NoError(t, err)
	md, err := adm.ListTopics(ctx, topic)
	require.NoError(t, err)
	ends, err := adm.ListEndOffsets(ctx, topic)
	require.NoError(t, err)
	starts, err := adm.ListStartOffsets(ctx, topic)
	require.NoError(t, err)
	set := kadm.TopicsSet{}
	set.Add(topic, md[topic].Partitions.Numbers()...)
	logs, err := adm.DescribeAllLogDirs(ctx, set)
	require.NoError(t, err)
	require.Equal(t, topic, *detail.Topic)
	require.Equal(t, []string{group}, *detail.GroupSubscribed)
	require.Len(t, *detail.Partitions, 3)
	for _, p := range *detail.Partitions {
		want := md[topic].Partitions[*p.Partition]
		require.Equal(t, want.Leader, *p.Leader)
		end, _ := ends.Lookup(topic, *p.Partition)
		start, _ := starts.Lookup(topic, *p.Partition)
		require.Equal(t, int32(perPartition[*p.Partition]), *p.Hw, "the high watermark counts what was produced")
		require.Equal(t, int32(end.Offset), *p.Hw)
		require.Equal(t, int32(end.Offset), *p.Leo)
		require.Equal(t, int32(start.Offset), *p.Lso)
		require.Equal(t, perPartition[*p.Partition] > 0, p.LastUpdateTimestamp != nil, "a last record time only where records are")
		var brokers []int32
		for _, r := range *p.Replicas {
			brokers = append(brokers, *r.Broker)
			require.Equal(t, *r.Broker == want.Leader, *r.Leader)
			require.Equal(t, slices.Contains(want.ISR, *r.Broker), *r.InSync)
			if lp, ok := logs[*r.Broker].LookupPartition(topic, *p.Partition); ok {
				require.Equal(t, int32(lp.Size), *r.Size, "the size broker %d reports", *r.Broker)
			}
		}
		require.Equal(t, want.Replicas, brokers)
	}
	p0 := (*detail.Partitions)[0]
	lp, ok := logs[*p0.Leader].LookupPartition(topic, 0)
	require.True(t, ok)
	require.Positive(t, lp.Size, "partition 0 holds records")

	// ShowKafkaTopicDetail: the same topic as an array.
	kd, err := c.ShowKafkaTopicDetail(&model.ShowKafkaTopicDetailRequest{InstanceId: id, Topic: topic})
	require.NoError(t, err)
	require.Len(t, *kd.Body, 1)
	for _, p := range *(*kd.Body)[0].Partitions {
		require.Equal(t, md[topic].Partitions[*p.Partition].Leader, *p.Leader)
		require.Equal(t, md[topic].Partitions[*p.Partition].Replicas, *p.Replicas)
	}

	// ListTopicPartitions: a page of partitions with their offsets.
	parts, err := c.ListTopicPartitions(&model.ListTopicPartitionsRequest{InstanceId: id, Topic: topic, Offset: ptr(int32(1)), Limit: ptr(int32(2))})
	require.NoError(t, err)
	require.Equal(t, int32(3), *parts.Total)
	require.Len(t, *parts.Partitions, 2)
	for _, p := range *parts.Partitions {
		end, _ := ends.Lookup(topic, *p.Partition)
		require.Equal(t, end.Offset, *p.LastOffset)
		require.Equal(t, int64(perPartition[*p.Partition]), *p.MessageCount)
	}
	require.Equal(t, int32(1), *(*parts.Partitions)[0].Partition)

	// ShowKafkaTopicPartitionDiskusage: each broker's partitions as its log
	// directories report them; top, minSize and percentage select.
	usage, err := c.ShowKafkaTopicPartitionDiskusage(&model.ShowKafkaTopicPartitionDiskusageRequest{InstanceId: id})
	require.NoError(t, err)
	all, err := adm.DescribeAllLogDirs(ctx, nil)
	require.NoError(t, err)
	require.Len(t, *usage.BrokerList, len(all))
	for _, b := range *usage.BrokerList {
		broker, err := strconv.Atoi((*b.BrokerName)[len("broker-"):])
		require.NoError(t, err)
		var want int
		all[int32(broker)].EachPartition(func(kadm.DescribedLogDirPartition) { want++ })
		require.Len(t, *b.TopicList, want, "broker %d lists every partition it reports", broker)
	}
	top, err := c.ShowKafkaTopicPartitionDiskusage(&model.ShowKafkaTopicPartitionDiskusageRequest{InstanceId: id, Top: ptr("1")})
	require.NoError(t, err)
	for _, b := range *top.BrokerList {
		require.LessOrEqual(t, len(*b.TopicList), 1)
	}
	large, err := c.ShowKafkaTopicPartitionDiskusage(&model.ShowKafkaTopicPartitionDiskusageRequest{InstanceId: id, MinSize: ptr("1G")})
	require.NoError(t, err)
	for _, b := range *large.BrokerList {
		require.Empty(t, *b.TopicList, "no partition holds a gigabyte")
	}
	for _, bad := range []*model.ShowKafkaTopicPartitionDiskusageRequest{
		{InstanceId: id, Top: ptr("0")}, {InstanceId: id, MinSize: ptr("lots")}, {InstanceId: id, Percentage: ptr("101")},
	} {
		_, err := c.ShowKafkaTopicPartitionDiskusage(bad)
		requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	}

	// ShowCluster and ShowKafkaCluster: the brokers, controller and counts
	// of the metadata.
	cluster, err := c.ShowCluster(&model.ShowClusterRequest{InstanceId: id})
	require.NoError(t, err)
	meta, err := adm.Metadata(ctx)
	require.NoError(t, err)
	groups, err := adm.ListGroups(ctx)
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(int(meta.Controller)), *cluster.Cluster.Controller)
	require.Len(t, *cluster.Cluster.Brokers, len(meta.Brokers))
	for i, b := range *cluster.Cluster.Brokers {
		require.Equal(t, strconv.Itoa(int(meta.Brokers[i].NodeID)), *b.BrokerId)
		require.Equal(t, meta.Brokers[i].Port, *b.Port)
		require.Equal(t, meta.Brokers[i].NodeID == meta.Controller, *b.IsController)
		require.True(t, *b.IsHealth)
	}
	var partitions, replicas int
	for _, td := range meta.Topics {
		partitions += len(td.Partitions)
		for _, p := range td.Partitions {
			replicas += len(p.Replicas)
		}
	}
	require.Equal(t, int32(len(meta.Topics)), *cluster.Cluster.TopicsCount)
	require.Equal(t, int32(partitions), *cluster.Cluster.PartitionsCount)
	require.Equal(t, int32(replicas), *cluster.Cluster.ReplicasCount)
	require.Equal(t, int32(len(groups)), *cluster.Cluster.ConsumersCount)
	require.Contains(t, groups.Groups(), group)
	kc, err := c.ShowKafkaCluster(&model.ShowKafkaClusterRequest{InstanceId: id})
	require.NoError(t, err)
	require.Len(t, *kc.Cluster.Brokers, len(meta.Brokers))

	// ShowCoordinators: each group's coordinator as FindCoordinator names it.
	coords, err := c.ShowCoordinators(&model.ShowCoordinatorsRequest{InstanceId: id})
	require.NoError(t, err)
	want := adm.FindGroupCoordinators(ctx, groups.Groups()...)
	require.Len(t, *coords.Coordinators, len(want))
	for _, co := range *coords.Coordinators {
		w := want[*co.GroupId]
		require.NoError(t, w.Err)
		require.Equal(t, w.NodeID, *co.Id)
		require.Equal(t, w.Host, *co.Host)
		require.Equal(t, w.Port, *co.Port)
	}

	// ListTopicProducers: what DescribeProducers reports, none while no
	// transaction is open, then the open transaction's producer at the
	// partition's leader.
	producers, err := c.ListTopicProducers(&model.ListTopicProducersRequest{InstanceId: id, Topic: topic})
	require.NoError(t, err)
	described, err := adm.DescribeProducers(ctx, kadm.TopicsSet{topic: {}})
	require.NoError(t, err)
	require.Equal(t, int32(len(described.SortedProducers())), *producers.Total)
	txn, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.TransactionalID("detail-txn"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(t, err)
	defer txn.Close()
	require.NoError(t, txn.BeginTransaction())
	require.NoError(t, txn.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: 1, Value: []byte("in a transaction")}).FirstErr())
	described, err = adm.DescribeProducers(ctx, kadm.TopicsSet{topic: {}})
	require.NoError(t, err)
	open := described.SortedProducers()
	require.Len(t, open, 1, "kadm sees the open transaction's producer")
	producers, err = c.ListTopicProducers(&model.ListTopicProducersRequest{InstanceId: id, Topic: topic, Limit: ptr(int32(10))})
	require.NoError(t, err)
	require.Equal(t, int32(1), *producers.Total)
	leader := md[topic].Partitions[1].Leader
	for _, b := range meta.Brokers {
		if b.NodeID == leader {
			require.Equal(t, net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))), *(*producers.Producers)[0].BrokerAddress)
		}
	}
	require.NoError(t, txn.EndTransaction(ctx, kgo.TryAbort))

	// CreatePartition: the partitions exist when it answers.
	_, err = c.CreatePartition(&model.CreatePartitionRequest{InstanceId: id, Topic: topic, Body: &model.CreatePartitionReq{Partition: ptr(int32(5))}})
	require.NoError(t, err)
	// A new client, whose metadata no earlier answer caches.
	fresh, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	require.NoError(t, err)
	defer fresh.Close()
	md, err = kadm.NewClient(fresh).ListTopics(ctx, topic)
	require.NoError(t, err)
	require.Len(t, md[topic].Partitions, 5)
	for _, n := range []int32{4, 201} {
		_, err = c.CreatePartition(&model.CreatePartitionRequest{InstanceId: id, Topic: topic, Body: &model.CreatePartitionReq{Partition: ptr(n)}})
		requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICPARTITIONS)
	}
	md, err = kadm.NewClient(fresh).ListTopics(ctx, topic)
	require.NoError(t, err)
	require.Len(t, md[topic].Partitions, 5, "a refused request changes nothing")

	// Unknown and malformed topics.
	const missing = "no-such-topic"
	_, err = c.ShowInstanceTopicDetail(&model.ShowInstanceTopicDetailRequest{InstanceId: id, Topic: missing})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)
	_, err = c.ShowKafkaTopicDetail(&model.ShowKafkaTopicDetailRequest{InstanceId: id, Topic: missing})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)
	_, err = c.ListTopicPartitions(&model.ListTopicPartitionsRequest{InstanceId: id, Topic: missing})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)
	_, err = c.ListTopicProducers(&model.ListTopicProducersRequest{InstanceId: id, Topic: missing})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)
	_, err = c.CreatePartition(&model.CreatePartitionRequest{InstanceId: id, Topic: missing, Body: &model.CreatePartitionReq{Partition: ptr(int32(5))}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNOTFOUND)
	_, err = c.ShowInstanceTopicDetail(&model.ShowInstanceTopicDetailRequest{InstanceId: id, Topic: "9-starts-with-a-digit"})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ETOPICNAME)
	_, err = c.ListTopicPartitions(&model.ListTopicPartitionsRequest{InstanceId: id, Topic: topic, Limit: ptr(int32(0))})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.ELIMIT)
	_, err = c.CreatePartition(&model.CreatePartitionRequest{InstanceId: id, Topic: topic, Body: &model.CreatePartitionReq{}})
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
}

// TestCreatePartitionReplayed checks that a replayed CreatePartition gets the
// service's own answer while it would change nothing, and is refused once it
// would add partitions again.
func TestCreatePartitionReplayed(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "partition-replay", 1, false)
	id := *inst.InstanceId
	seeds := []string{*inst.ConnectAddress + ":" + strconv.Itoa(int(*inst.Port))}
	partitions := func() int {
		t.Helper()
		cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
		require.NoError(t, err)
		defer cl.Close()
		md, err := kadm.NewClient(cl).ListTopics(context.Background(), "replayed-topic")
		require.NoError(t, err)
		return len(md["replayed-topic"].Partitions)
	}
	createTopic := func(n int32) {
		t.Helper()
		_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "replayed-topic", Partition: ptr(n)}})
		require.NoError(t, err)
	}
	createTopic(1)
	add := capture(t, s, 0, sdkRequest{method: http.MethodPost,
		pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/instances/" + id + "/management/topics/replayed-topic/partitions-reassignment",
		body:         `{"partition":3}`, headers: map[string]string{"Content-Type": "application/json"}, date: time.Now().Add(-time.Minute)})
	status, body := add.sendTo(t, s.url)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, 3, partitions())
	status, body = add.sendTo(t, s.url)
	require.Equal(t, dmsd.ETOPICPARTITIONS, requireClientError(t, status, body).Code, "the topic has 3: the service's own answer")

	_, err := c.BatchDeleteInstanceTopic(&model.BatchDeleteInstanceTopicRequest{InstanceId: id, Body: &model.BatchDeleteInstanceTopicReq{Topics: &[]string{"replayed-topic"}}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "replayed-topic", Partition: ptr(int32(2))}})
		return err == nil
	}, 10*time.Second, 50*time.Millisecond)
	status, body = add.sendTo(t, s.url)
	require.Equal(t, dmsd.EREPLAYED, requireClientError(t, status, body).Code)
	require.Equal(t, 2, partitions(), "the replay adds nothing")
}
