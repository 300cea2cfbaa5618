package main

import (
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

// groupFixture makes, on the cluster of inst, a topic orders of 3
// partitions holding 5, 3 and 2 records, an Empty group billing that
// committed 2 on partition 0 and 3 on partition 1, and a Stable group live
// whose one member consumed everything and committed; it returns an admin
// client and the live consumer.
func groupFixture(t *testing.T, seed string) (*kadm.Client, *kgo.Client) {
	t.Helper()
	ctx := timeout(t, 30*time.Second)
	cl, err := kgo.NewClient(kgo.SeedBrokers(seed), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.MetadataMinAge(50*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)
	_, err = adm.CreateTopic(ctx, 3, 1, nil, "orders")
	require.NoError(t, err)
	for p, n := range []int{5, 3, 2} {
		for range n {
			require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Partition: int32(p), Value: []byte("o")}).FirstErr())
		}
	}
	require.NoError(t, adm.CommitAllOffsets(ctx, "billing", kadm.Offsets{"orders": {
		0: {Topic: "orders", Partition: 0, At: 2, LeaderEpoch: -1},
		1: {Topic: "orders", Partition: 1, At: 3, LeaderEpoch: -1},
	}}))
	live, err := kgo.NewClient(kgo.SeedBrokers(seed), kgo.ConsumeTopics("orders"), kgo.ConsumerGroup("live"),
		kgo.ClientID("live-client"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
	require.NoError(t, err)
	t.Cleanup(live.Close)
	for got := 0; got < 10; {
		fetches := live.PollFetches(ctx)
		require.NoError(t, fetches.Err())
		got += len(fetches.Records())
	}
	require.NoError(t, live.CommitUncommittedOffsets(ctx))
	return adm, live
}

// kadmLag returns what kadm computes for the group now.
func kadmLag(t *testing.T, adm *kadm.Client, group string) kadm.DescribedGroupLag {
	t.Helper()
	lags, err := adm.Lag(timeout(t, 10*time.Second), group)
	require.NoError(t, err)
	return lags[group]
}

// listGroups returns every group the API lists, by name.
func listGroups(t *testing.T, c *kafkasdk.KafkaClient, id string) map[string]model.GroupInfoSimple {
	t.Helper()
	out, err := c.ListInstanceConsumerGroups(&model.ListInstanceConsumerGroupsRequest{InstanceId: id, Limit: ptr("50")})
	require.NoError(t, err)
	groups := map[string]model.GroupInfoSimple{}
	for _, g := range *out.Groups {
		groups[*g.GroupId] = g
	}
	require.Equal(t, int(*out.Total), len(groups))
	return groups
}

// kafkaGroups returns the groups Kafka lists.
func kafkaGroups(t *testing.T, adm *kadm.Client) []string {
	t.Helper()
	listed, err := adm.ListGroups(timeout(t, 10*time.Second))
	require.NoError(t, err)
	names := listed.Groups()
	slices.Sort(names)
	return names
}

// requireGroupsMatchKafka checks the API's group list, states, lags and
// per-partition offsets against what kadm computes for the same groups.
func requireGroupsMatchKafka(t *testing.T, c *kafkasdk.KafkaClient, id string, adm *kadm.Client) {
	t.Helper()
	groups := listGroups(t, c, id)
	for _, name := range kafkaGroups(t, adm) {
		want := kadmLag(t, adm, name)
		got, ok := groups[name]
		require.True(t, ok, "the API lists %s", name)
		require.Equal(t, want.State, *got.State, name)
		require.Equal(t, want.Lag.Total(), *got.Lag, name)
		require.Equal(t, want.Coordinator.NodeID, *got.CoordinatorId, name)

		detail, err := c.ShowGroups(&model.ShowGroupsRequest{InstanceId: id, Group: name})
		require.NoError(t, err)
		sorted := want.Lag.Sorted()
		require.Len(t, *detail.Group.GroupMessageOffsets, len(sorted), name)
		for i, o := range *detail.Group.GroupMessageOffsets {
			require.Equal(t, sorted[i].Topic, *o.Topic)
			require.Equal(t, sorted[i].Partition, *o.Partition)
			require.Equal(t, sorted[i].Commit.At, *o.MessageCurrentOffset)
			require.Equal(t, sorted[i].End.Offset, *o.MessageLogEndOffset)
			require.Equal(t, sorted[i].Lag, *o.Lag)
		}
		require.Len(t, *detail.Group.Members, len(want.Members))
	}
}

func TestConsumerGroups(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "groups-cluster", 1, false)
	id := *inst.InstanceId
	adm, live := groupFixture(t, *inst.ConnectAddress+":"+strconv.Itoa(int(*inst.Port)))

	// The list, the lags and each partition's offsets are kadm's.
	require.Equal(t, []string{"billing", "live"}, kafkaGroups(t, adm))
	requireGroupsMatchKafka(t, c, id, adm)
	groups := listGroups(t, c, id)
	require.Equal(t, int64(3+0+2), *groups["billing"].Lag, "billing is 3 behind on partition 0 and has not read partition 2")
	require.Equal(t, "Empty", *groups["billing"].State)
	require.Equal(t, "Stable", *groups["live"].State)
	require.Equal(t, int64(0), *groups["live"].Lag)
	filtered, err := c.ListInstanceConsumerGroups(&model.ListInstanceConsumerGroupsRequest{InstanceId: id, Group: ptr("bill")})
	require.NoError(t, err)
	require.Equal(t, int32(1), *filtered.Total)
	paged, err := c.ListInstanceConsumerGroups(&model.ListInstanceConsumerGroupsRequest{InstanceId: id, Offset: ptr("1"), Limit: ptr("1")})
	require.NoError(t, err)
	require.Equal(t, "live", *(*paged.Groups)[0].GroupId)
	_, err = c.ListInstanceConsumerGroups(&model.ListInstanceConsumerGroupsRequest{InstanceId: id, Limit: ptr("51")})
	requireDMSError(t, err, 400, dmsd.ELIMIT)

	// One group, on both paths.
	described, err := adm.DescribeGroups(timeout(t, 10*time.Second), "live")
	require.NoError(t, err)
	shown, err := c.ShowGroup(&model.ShowGroupRequest{InstanceId: id, Group: "live"})
	require.NoError(t, err)
	require.Equal(t, "Stable", *shown.Group.State)
	require.Equal(t, described["live"].Protocol, *shown.Group.AssignmentStrategy)
	require.Equal(t, described["live"].Coordinator.NodeID, *shown.Group.CoordinatorId)
	twin, err := c.ListInstanceConsumerGroup(&model.ListInstanceConsumerGroupRequest{Engine: "kafka", InstanceId: id, Group: "live"})
	require.NoError(t, err)
	require.Equal(t, *shown.Group, *twin.Group)

	// Members, as Kafka describes them.
	members, err := c.ListInstanceConsumerGroupMembers(&model.ListInstanceConsumerGroupMembersRequest{Engine: "kafka", InstanceId: id, Group: "live"})
	require.NoError(t, err)
	require.Equal(t, int32(1), *members.Total)
	require.Equal(t, described["live"].Members[0].MemberID, *(*members.Members)[0].MemberId)
	require.Equal(t, "live-client", *(*members.Members)[0].ClientId)
	detail, err := c.ShowGroups(&model.ShowGroupsRequest{InstanceId: id, Group: "live"})
	require.NoError(t, err)
	require.Equal(t, []int32{0, 1, 2}, *(*(*detail.Group.Members)[0].Assignment)[0].Partitions)
	none, err := c.ListInstanceConsumerGroupMembers(&model.ListInstanceConsumerGroupMembersRequest{Engine: "kafka", InstanceId: id, Group: "live", MemberId: ptr("nobody")})
	require.NoError(t, err)
	require.Equal(t, int32(0), *none.Total)

	// One topic's partitions, with the SDK's string and int32 fields.
	offsets, err := c.ListInstanceConsumerGroupMessageOffset(&model.ListInstanceConsumerGroupMessageOffsetRequest{Engine: "kafka", InstanceId: id, Group: "billing", Topic: "orders"})
	require.NoError(t, err)
	lag := kadmLag(t, adm, "billing")
	require.Equal(t, int32(len(lag.Lag.Sorted())), *offsets.Total)
	for _, o := range *offsets.GroupMessageOffsets {
		p, err := strconv.Atoi(*o.Partition)
		require.NoError(t, err)
		want, ok := lag.Lag.Lookup("orders", int32(p))
		require.True(t, ok)
		require.Equal(t, strconv.FormatInt(want.Commit.At, 10), *o.MessageCurrentOffset)
		require.Equal(t, int32(want.Lag), *o.Lag)
		require.Equal(t, int32(want.End.Offset), *o.MessageLogEndOffset)
	}
	one, err := c.ListInstanceConsumerGroupMessageOffset(&model.ListInstanceConsumerGroupMessageOffsetRequest{Engine: "kafka", InstanceId: id, Group: "live", Topic: "orders", Partition: ptr("2")})
	require.NoError(t, err)
	require.Equal(t, "2", *(*one.GroupMessageOffsets)[0].Partition)
	require.Equal(t, "live-client", *(*one.GroupMessageOffsets)[0].ClientId)
	_, err = c.ListInstanceConsumerGroupMessageOffset(&model.ListInstanceConsumerGroupMessageOffsetRequest{Engine: "kafka", InstanceId: id, Group: "billing", Topic: "missing"})
	requireDMSError(t, err, 404, dmsd.ENOTOPIC)
	_, err = c.ListInstanceConsumerGroupMessageOffset(&model.ListInstanceConsumerGroupMessageOffsetRequest{Engine: "kafka", InstanceId: id, Group: "billing", Topic: "orders", Partition: ptr("3")})
	requireDMSError(t, err, 400, dmsd.EINVALID)

	// Topics of a group, with their lag.
	topics, err := c.ListInstanceConsumerGroupTopics(&model.ListInstanceConsumerGroupTopicsRequest{Engine: "kafka", InstanceId: id, Group: "billing"})
	require.NoError(t, err)
	require.Equal(t, int32(1), *topics.Total)
	require.Equal(t, model.GroupTopicEntity{Topic: ptr("orders"), Partitions: ptr(int32(len(lag.Lag.Sorted()))), Lag: ptr(int32(lag.Lag.Total()))}, (*topics.Topics)[0])
	_, err = c.ListInstanceConsumerGroupTopics(&model.ListInstanceConsumerGroupTopicsRequest{Engine: "kafka", InstanceId: id, Group: "billing", SortKey: ptr("size")})
	requireDMSError(t, err, 400, dmsd.EINVALID)

	// Unknown groups are not found anywhere.
	_, err = c.ShowGroup(&model.ShowGroupRequest{InstanceId: id, Group: "nobody"})
	requireDMSError(t, err, 404, dmsd.EGROUPNOTFOUND)
	_, err = c.ShowGroups(&model.ShowGroupsRequest{InstanceId: id, Group: "nobody"})
	requireDMSError(t, err, 404, dmsd.EGROUPNOTFOUND)
	_, err = c.ListInstanceConsumerGroupMembers(&model.ListInstanceConsumerGroupMembersRequest{Engine: "kafka", InstanceId: id, Group: "nobody"})
	requireDMSError(t, err, 404, dmsd.EGROUPNOTFOUND)
	_, err = c.ListInstanceConsumerGroupTopics(&model.ListInstanceConsumerGroupTopicsRequest{Engine: "kafka", InstanceId: id, Group: "nobody"})
	requireDMSError(t, err, 404, dmsd.EGROUPNOTFOUND)

	// Creating a group records it and its description; Kafka, which has no
	// group creation, does not list it until it is used.
	created, err := c.CreateKafkaConsumerGroup(&model.CreateKafkaConsumerGroupRequest{InstanceId: id,
		Body: &model.CreateGroupReq{GroupName: "new-app", GroupDesc: ptr("the new app")}})
	require.NoError(t, err)
	require.Equal(t, "success", *created.Body)
	require.Equal(t, []string{"billing", "live"}, kafkaGroups(t, adm))
	groups = listGroups(t, c, id)
	require.Equal(t, "Dead", *groups["new-app"].State)
	require.Equal(t, "the new app", *groups["new-app"].GroupDesc)
	require.NotZero(t, *groups["new-app"].CreatedAt)
	for _, body := range []model.CreateGroupReq{{GroupName: "new-app"}, {GroupName: "billing"}} {
		_, err = c.CreateKafkaConsumerGroup(&model.CreateKafkaConsumerGroupRequest{InstanceId: id, Body: &body})
		requireDMSError(t, err, 400, dmsd.EGROUPEXISTS)
	}
	_, err = c.CreateKafkaConsumerGroup(&model.CreateKafkaConsumerGroupRequest{InstanceId: id, Body: &model.CreateGroupReq{GroupName: "a b"}})
	requireDMSError(t, err, 400, dmsd.EGROUPNAME)

	// Descriptions, one group or several, all or nothing.
	_, err = c.UpdateInstanceConsumerGroup(&model.UpdateInstanceConsumerGroupRequest{Engine: "kafka", InstanceId: id, Group: "billing",
		Body: &model.GroupCreateReq{GroupDesc: ptr("invoices")}})
	require.NoError(t, err)
	shown, err = c.ShowGroup(&model.ShowGroupRequest{InstanceId: id, Group: "billing"})
	require.NoError(t, err)
	require.Equal(t, "invoices", *shown.Group.GroupDesc)
	_, err = c.UpdateInstanceGroup(&model.UpdateInstanceGroupRequest{Engine: "kafka", InstanceId: id, Body: &model.BatchModiftGroupDescriptionReq{
		Groups: &[]model.GroupCreateReq{{GroupName: ptr("billing"), GroupDesc: ptr("changed")}, {GroupName: ptr("nobody"), GroupDesc: ptr("x")}}}})
	requireDMSError(t, err, 404, dmsd.EGROUPNOTFOUND)
	require.Equal(t, "invoices", *listGroups(t, c, id)["billing"].GroupDesc, "a refused batch changes nothing")
	_, err = c.UpdateInstanceGroup(&model.UpdateInstanceGroupRequest{Engine: "kafka", InstanceId: id, Body: &model.BatchModiftGroupDescriptionReq{
		Groups: &[]model.GroupCreateReq{{GroupName: ptr("billing"), GroupDesc: ptr("bills")}, {GroupName: ptr("live"), GroupDesc: ptr("streams")}}}})
	require.NoError(t, err)
	groups = listGroups(t, c, id)
	require.Equal(t, []string{"bills", "streams"}, []string{*groups["billing"].GroupDesc, *groups["live"].GroupDesc})

	// Offsets of an unknown topic, or of an unknown group: nothing changes.
	_, err = c.DeleteConsumerGroupOffsets(&model.DeleteConsumerGroupOffsetsRequest{InstanceId: id, Group: "billing",
		Body: &model.DeleteConsumerGroupOffsetsRequestBody{Topics: &[]string{"orders", "missing"}}})
	requireDMSError(t, err, 404, dmsd.ENOTOPIC)
	_, err = c.DeleteConsumerGroupOffsets(&model.DeleteConsumerGroupOffsetsRequest{InstanceId: id, Group: "nobody",
		Body: &model.DeleteConsumerGroupOffsetsRequestBody{Topics: &[]string{"orders"}}})
	requireDMSError(t, err, 404, dmsd.EGROUPNOTFOUND)
	require.Equal(t, int64(5), kadmLag(t, adm, "billing").Lag.Total())

	// A live group's offsets on the topic it consumes stay: Kafka refuses.
	refused, err := c.DeleteConsumerGroupOffsets(&model.DeleteConsumerGroupOffsetsRequest{InstanceId: id, Group: "live",
		Body: &model.DeleteConsumerGroupOffsetsRequestBody{Topics: &[]string{"orders"}}})
	require.NoError(t, err)
	require.False(t, (*refused.Topics)[0].Success)
	require.Equal(t, dmsd.EGROUPACTIVE, *(*refused.Topics)[0].ErrorCode)
	fetched, err := adm.FetchOffsets(timeout(t, 10*time.Second), "live")
	require.NoError(t, err)
	require.Len(t, fetched["orders"], 3)

	// A reset of a partition the topic does not have starts no task.
	tasksBefore := taskCount(t, c, id)
	_, err = c.ResetMessageOffset(&model.ResetMessageOffsetRequest{InstanceId: id, Group: "billing",
		Body: &model.ResetMessageOffsetReq{Topic: "orders", Partition: 7, MessageOffset: ptr(int64(0))}})
	requireDMSError(t, err, 400, dmsd.EINVALID)
	require.Equal(t, tasksBefore, taskCount(t, c, id))

	// The reset (a task) on the engine path moves the lag kadm sees.
	_, err = c.ResetMessageOffsetWithEngine(&model.ResetMessageOffsetWithEngineRequest{InstanceId: id, Group: "billing",
		Body: &model.ResetMessageOffsetReq{Topic: "orders", Partition: 0, MessageOffset: ptr(int64(5))}})
	require.NoError(t, err)
	last := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0]
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *last.Id).Status)
	require.Equal(t, int64(2), kadmLag(t, adm, "billing").Lag.Total())
	requireGroupsMatchKafka(t, c, id, adm)

	// An Empty group's offsets go.
	deleted, err := c.DeleteConsumerGroupOffsets(&model.DeleteConsumerGroupOffsetsRequest{InstanceId: id, Group: "billing",
		Body: &model.DeleteConsumerGroupOffsetsRequestBody{Topics: &[]string{"orders"}}})
	require.NoError(t, err)
	require.Equal(t, []model.DeleteConsumerGroupOffsetsResponseEntity{{Name: "orders", Success: true}}, *deleted.Topics)
	fetched, err = adm.FetchOffsets(timeout(t, 10*time.Second), "billing")
	require.NoError(t, err)
	require.Empty(t, fetched["orders"])

	// A group with members is not deleted, alone or in a batch.
	_, err = c.DeleteGroup(&model.DeleteGroupRequest{InstanceId: id, Group: "live"})
	requireDMSError(t, err, 400, dmsd.EGROUPACTIVE)
	_, err = c.DeleteInstanceConsumerGroup(&model.DeleteInstanceConsumerGroupRequest{Engine: "kafka", InstanceId: id, Group: "live"})
	requireDMSError(t, err, 400, dmsd.EGROUPACTIVE)
	signedAt := time.Now().Truncate(time.Second) // not before the refused call's signature
	require.Contains(t, kafkaGroups(t, adm), "live")
	_, err = c.DeleteGroup(&model.DeleteGroupRequest{InstanceId: id, Group: "nobody"})
	requireDMSError(t, err, 404, dmsd.EGROUPNOTFOUND)

	// A batch deletes what it can and names the others with Kafka's reason.
	batch, err := c.BatchDeleteGroup(&model.BatchDeleteGroupRequest{InstanceId: id, Body: &model.BatchDeleteGroupReq{
		GroupIds: []string{"billing", "live", "nobody", "new-app"}}})
	require.NoError(t, err)
	require.Equal(t, int32(2), *batch.Total)
	var failed []string
	for _, f := range *batch.FailedGroups {
		failed = append(failed, *f.GroupId)
		require.NotEmpty(t, *f.ErrorMessage)
	}
	require.Equal(t, []string{"live", "nobody"}, failed)
	require.Equal(t, []string{"live"}, kafkaGroups(t, adm))
	groups = listGroups(t, c, id)
	require.Len(t, groups, 1, "billing and new-app are gone, their notes with them")

	// Once its consumer leaves, the group can be deleted on the engine path.
	live.Close()
	require.Eventually(t, func() bool { return kadmLag(t, adm, "live").State == "Empty" }, 10*time.Second, 20*time.Millisecond)
	// The SDK signs to the second: the same call in the same second as the
	// refused one would be its replay.
	time.Sleep(time.Until(signedAt.Add(time.Second)))
	_, err = c.DeleteInstanceConsumerGroup(&model.DeleteInstanceConsumerGroupRequest{Engine: "kafka", InstanceId: id, Group: "live"})
	require.NoError(t, err)
	require.Empty(t, kafkaGroups(t, adm))
	require.Empty(t, listGroups(t, c, id))
}

// TestConsumerGroupsExternal serves the groups of a cluster dmsd does not
// run, as kadm sees them there.
func TestConsumerGroupsExternal(t *testing.T) {
	t.Parallel()
	addrs := startExternalKafka(t, "-brokers", "1")
	s := startServer(t, t.TempDir(), "--external-allow", "127.0.0.1")
	c := s.client(0)
	id := s.createExternal(t, "external-groups", map[string]any{"bootstrap_servers": addrs})
	adm, _ := groupFixture(t, addrs[0])
	requireGroupsMatchKafka(t, c, id, adm)
	_, err := c.DeleteGroup(&model.DeleteGroupRequest{InstanceId: id, Group: "live"})
	requireDMSError(t, err, 400, dmsd.EGROUPACTIVE)
	_, err = c.DeleteGroup(&model.DeleteGroupRequest{InstanceId: id, Group: "billing"})
	require.NoError(t, err)
	require.Equal(t, []string{"live"}, kafkaGroups(t, adm))
}

// TestConsumerGroupReplays sends signed group changes twice: a replay that
// would change something again is refused and changes nothing; one that
// finds nothing to change gets the service's own answer.
func TestConsumerGroupReplays(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createInstance(t, c, "groups-replays", 1, false)
	id := *inst.InstanceId
	adm, _ := groupFixture(t, *inst.ConnectAddress+":"+strconv.Itoa(int(*inst.Port)))
	project := s.creds[0].ProjectID
	signed := time.Now()
	describe := sdkRequest{method: http.MethodPut, pathAndQuery: "/v2/kafka/" + project + "/instances/" + id + "/groups/billing",
		body: `{"group_desc":"first"}`, date: signed, headers: map[string]string{"Content-Type": "application/json"}}
	status, body := s.signedDo(t, 0, describe)
	require.Equal(t, http.StatusNoContent, status, body)
	_, err := c.UpdateInstanceConsumerGroup(&model.UpdateInstanceConsumerGroupRequest{Engine: "kafka", InstanceId: id, Group: "billing",
		Body: &model.GroupCreateReq{GroupDesc: ptr("second")}})
	require.NoError(t, err)
	status, body = s.signedDo(t, 0, describe)
	require.Equal(t, http.StatusUnauthorized, status, body)
	require.Contains(t, body, dmsd.EREPLAYED)
	require.Equal(t, "second", *listGroups(t, c, id)["billing"].GroupDesc)

	remove := sdkRequest{method: http.MethodDelete, pathAndQuery: "/v2/" + project + "/instances/" + id + "/groups/billing",
		date: signed, headers: map[string]string{"Content-Type": "application/json"}}
	status, body = s.signedDo(t, 0, remove)
	require.Equal(t, http.StatusNoContent, status, body)
	status, body = s.signedDo(t, 0, remove)
	require.Equal(t, http.StatusNotFound, status, body)
	require.Contains(t, body, dmsd.EGROUPNOTFOUND)
	require.Equal(t, []string{"live"}, kafkaGroups(t, adm))
}
