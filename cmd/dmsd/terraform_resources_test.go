package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// The tests of this file replay, resource by resource, the requests the
// Terraform provider (huaweicloud, services/kafka, as of commit 10c32cb)
// builds itself for the DMS for Kafka resources and data sources other than
// the instance: create, the wait, the read of every field it puts in the
// state, update, delete and the read after it. Answers are decoded as the
// provider decodes them, into untyped JSON (numbers are float64), since a
// field missing or of another type breaks its plan.

// tfAPI sends the provider's requests for the first project of s.
type tfAPI struct {
	t       *testing.T
	s       *testServer
	project string
}

// startTF starts a server and returns the provider's requests and the
// SDK's client for its first project.
func startTF(t *testing.T) (tfAPI, *kafkasdk.KafkaClient) {
	s := startServer(t, t.TempDir())
	return tfAPI{t: t, s: s, project: s.creds[0].ProjectID}, s.client(0)
}

// do sends method path (with {project} replaced) and body (JSON, or none
// when empty) and returns the status and the answer decoded as untyped JSON
// (nil when it is not JSON).
func (a tfAPI) do(method, path, body string) (int, any) {
	a.t.Helper()
	r := sdkRequest{method: method, pathAndQuery: strings.ReplaceAll(path, "{project}", a.project), body: body}
	if body != "" {
		r.headers = map[string]string{"Content-Type": "application/json;charset=utf-8"}
	}
	status, text := a.s.signedDo(a.t, 0, r)
	var out any
	if json.Unmarshal([]byte(text), &out) != nil {
		out = nil
	}
	return status, out
}

// must sends a request and requires one of the statuses the provider
// accepts for it.
func (a tfAPI) must(okCodes []int, method, path, body string) any {
	a.t.Helper()
	status, out := a.do(method, path, body)
	require.Contains(a.t, okCodes, status, "%s %s: %v", method, path, out)
	return out
}

// The provider's OkCodes: golangsdk's defaults, and 204 where it asks for it.
var (
	okGet    = []int{200}
	okPost   = []int{200, 201, 202}
	okPut    = []int{200, 201, 202}
	okDelete = []int{200, 202, 204}
	ok204    = []int{204}
)

// at returns the value at a path of keys and indexes in untyped JSON, or nil.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// find returns the first element of the list at path whose key is value.
func find(v any, key, value string, path ...any) any {
	l, _ := at(v, path...).([]any)
	for _, e := range l {
		if at(e, key) == value {
			return e
		}
	}
	return nil
}

// requireJSON requires v to be a T as encoding/json decodes JSON into an
// interface (float64 for a number, string, bool), as the provider asserts
// it, and returns it.
func requireJSON[T any](t *testing.T, v any, what string) T {
	t.Helper()
	x, ok := v.(T)
	require.True(t, ok, "%s is %T %v, not a %T", what, v, v, x)
	return x
}

// requireGone requires an answer the provider's delete takes as already
// gone: a 404, or a 400 whose error_code is code, which it turns into a 404
// (common.ConvertExpected400ErrInto404Err).
func requireGone(t *testing.T, status int, out any, code string) {
	t.Helper()
	require.True(t, status == http.StatusNotFound || (status == http.StatusBadRequest && at(out, "error_code") == code), "%d %v", status, out)
}

// requireRecentMs requires a Unix millisecond time within the last hour.
func requireRecentMs(t *testing.T, v any, what string) {
	t.Helper()
	ms := requireJSON[float64](t, v, what)
	at := time.UnixMilli(int64(ms))
	require.WithinDuration(t, time.Now(), at, time.Hour, "%s", what)
}

// waitJob waits as waitForInstanceTaskStatusComplete does: GET the task by
// id until tasks[0].status is SUCCESS; FAILED or DELETED fails.
func (a tfAPI) waitJob(instanceID, jobID string) {
	a.t.Helper()
	require.NotEmpty(a.t, jobID)
	require.Eventually(a.t, func() bool {
		out := a.must(okGet, http.MethodGet, "/v2/{project}/instances/"+instanceID+"/tasks/"+jobID, "")
		status, _ := at(out, "tasks", 0, "status").(string)
		require.NotContains(a.t, []string{"FAILED", "DELETED"}, status, "task %s", jobID)
		return status == "SUCCESS"
	}, 30*time.Second, 10*time.Millisecond)
}

// waitTaskNamed waits as waitForInstanceTaskStatusCompleteByName does: the
// first task of that name in the list (newest first) must reach SUCCESS.
func (a tfAPI) waitTaskNamed(instanceID, name string) {
	a.t.Helper()
	require.Eventually(a.t, func() bool {
		out := a.must(okGet, http.MethodGet, "/v2/{project}/instances/"+instanceID+"/tasks?limit=100&start=1", "")
		task := find(out, "name", name, "tasks")
		status, _ := at(task, "status").(string)
		require.NotContains(a.t, []string{"FAILED", "DELETED"}, status, "task %s", name)
		return status == "SUCCESS"
	}, 30*time.Second, 10*time.Millisecond)
}

// instanceStatuses polls the instance as KafkaInstanceStateRefreshFunc does
// until until returns true, failing on a status outside allowed (what
// StateChangeConf calls an unexpected state).
func (a tfAPI) waitInstance(instanceID string, allowed []string, until func(inst any) bool) any {
	a.t.Helper()
	var inst any
	require.Eventually(a.t, func() bool {
		inst = a.must(okGet, http.MethodGet, "/v2/{project}/instances/"+instanceID, "")
		require.Contains(a.t, allowed, at(inst, "status"))
		return until(inst)
	}, 30*time.Second, 10*time.Millisecond)
	return inst
}

func TestTerraformTopicResourceAndDataSources(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	id := *createInstance(t, c, "tf-topics", 1, false).InstanceId
	topics := "/v2/{project}/instances/" + id + "/topics"

	// A description (sent only when set) is refused, as documented: dmsd
	// keeps none.
	status, refused := a.do(http.MethodPost, topics, `{"id":"tf-orders","partition":2,"sync_replication":false,"sync_message_flush":false,"topic_desc":"first"}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, dmsd.EINVALID, at(refused, "error_code"))

	// Create: the name comes back, and the topic is listed 200 at a time.
	out := a.must(okPost, http.MethodPost, topics, `{"id":"tf-orders","partition":2,"replication":1,"retention_time":48,
		"sync_replication":false,"sync_message_flush":false,
		"topic_other_configs":[{"name":"max.message.bytes","value":"2097152"}]}`)
	require.Equal(t, "tf-orders", at(out, "name"))
	read := func() any {
		return find(a.must(okGet, http.MethodGet, topics+"?limit=200&offset=0", ""), "name", "tf-orders", "topics")
	}
	topic := read()
	require.NotNil(t, topic)
	require.Equal(t, 2.0, requireJSON[float64](t, at(topic, "partition"), "partition"))
	require.Equal(t, 1.0, requireJSON[float64](t, at(topic, "replication"), "replication"))
	require.Equal(t, 48.0, requireJSON[float64](t, at(topic, "retention_time"), "retention_time"))
	require.False(t, requireJSON[bool](t, at(topic, "sync_replication"), "sync_replication"))
	require.False(t, requireJSON[bool](t, at(topic, "sync_message_flush"), "sync_message_flush"))
	require.Empty(t, requireJSON[string](t, at(topic, "topic_desc"), "topic_desc"))
	requireJSON[bool](t, at(topic, "policiesOnly"), "policiesOnly")
	require.Equal(t, 0.0, requireJSON[float64](t, at(topic, "topic_type"), "topic_type"))
	require.Equal(t, "2097152", at(find(topic, "name", "max.message.bytes", "topic_other_configs"), "value"))

	// Update answers 204, as the provider requires.
	a.must(ok204, http.MethodPut, topics, `{"topics":[{"id":"tf-orders","new_partition_numbers":3,"retention_time":24,
		"topic_other_configs":[{"name":"max.message.bytes","value":"4194304"}]}]}`)
	topic = read()
	require.Equal(t, 3.0, at(topic, "partition"))
	require.Equal(t, 24.0, at(topic, "retention_time"))
	require.Equal(t, "4194304", at(find(topic, "name", "max.message.bytes", "topic_other_configs"), "value"))

	// The topics data source: the same list, and the partition counts.
	all := a.must(okGet, http.MethodGet, topics+"?offset=0", "")
	require.NotNil(t, find(all, "name", "tf-orders", "topics"))
	for _, k := range []string{"max_partitions", "remain_partitions", "topic_max_partitions"} {
		requireJSON[float64](t, at(all, k), k)
	}

	// The topic partitions data source, 10 at a time until total.
	producer := kafkaClient(t, waitInstance(t, c, id, string(dmsd.InstanceRunning)))
	for i := range 3 {
		require.NoError(t, producer.ProduceSync(context.Background(),
			&kgo.Record{Topic: "tf-orders", Key: []byte("k"), Value: []byte("v" + strconv.Itoa(i))}).FirstErr())
	}
	parts := a.must(okGet, http.MethodGet, "/v2/{project}/kafka/instances/"+id+"/topics/tf-orders/partitions?limit=10&offset=0", "")
	require.Equal(t, 3.0, requireJSON[float64](t, at(parts, "total"), "total"))
	list, _ := at(parts, "partitions").([]any)
	require.Len(t, list, 3)
	for _, p := range list {
		requireJSON[float64](t, at(p, "partition"), "partition")
		requireJSON[float64](t, at(p, "start_offset"), "start_offset")
		requireJSON[float64](t, at(p, "last_offset"), "last_offset")
		requireJSON[float64](t, at(p, "message_count"), "message_count")
		// Left out for a partition without records: the provider reads 0.
		if at(p, "message_count") != 0.0 {
			requireRecentMs(t, at(p, "last_update_time"), "last_update_time")
		}
	}

	// Delete reports success per topic; the read then finds no topic, which
	// the provider takes as gone.
	out = a.must(okPost, http.MethodPost, topics+"/delete", `{"topics":["tf-orders"]}`)
	require.Equal(t, true, at(find(out, "id", "tf-orders", "topics"), "success"))
	require.Eventually(t, func() bool { return read() == nil }, 10*time.Second, 10*time.Millisecond)
}

func TestTerraformMessageProduceAndMessages(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	id := *createInstance(t, c, "tf-messages", 1, false).InstanceId
	createTopic(t, c, id, "tf-events", 1)

	// dms_kafka_message_produce, 12 times, so that the data source pages.
	for i := range 12 {
		a.must(okPost, http.MethodPost, "/v2/{project}/instances/"+id+"/messages/action?action_id=send",
			fmt.Sprintf(`{"topic":"tf-events","body":"event-%d","property_list":[{"name":"KEY","value":"key-%d"}]}`, i, i))
	}

	// dms_kafka_messages pages by page number, 10 a page, until total.
	var got []any
	for page := 0; ; page++ {
		out := a.must(okGet, http.MethodGet, fmt.Sprintf("/v2/{project}/instances/%s/messages?topic=tf-events&limit=10&offset=%d", id, page), "")
		l, _ := at(out, "messages").([]any)
		got = append(got, l...)
		if int(requireJSON[float64](t, at(out, "total"), "total")) <= (page+1)*10 {
			break
		}
		require.Less(t, page, 3, "the pages never end")
	}
	require.Len(t, got, 12)
	values := map[string]bool{}
	for _, m := range got {
		values[requireJSON[string](t, at(m, "value"), "value")] = true
		require.Contains(t, requireJSON[string](t, at(m, "key"), "key"), "key-")
		requireJSON[float64](t, at(m, "message_offset"), "message_offset")
		requireJSON[float64](t, at(m, "partition"), "partition")
		requireJSON[float64](t, at(m, "size"), "size")
		requireRecentMs(t, at(m, "timestamp"), "timestamp")
	}
	require.True(t, values["event-0"] && values["event-11"], "%v", values)

	// With a keyword the provider reads one page.
	out := a.must(okGet, http.MethodGet, "/v2/{project}/instances/"+id+"/messages?topic=tf-events&keyword=event-11&limit=10&offset=0", "")
	l, _ := at(out, "messages").([]any)
	require.NotEmpty(t, l)
	require.Equal(t, "event-11", at(l, 0, "value"))
}

func TestTerraformUserResources(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	inst := createSASLInstance(t, c, "tf-users")
	id := *inst.InstanceId
	users := "/v2/{project}/instances/" + id + "/users"
	read := func() any { return find(a.must(okGet, http.MethodGet, users, ""), "user_name", "tf-app", "users") }

	// dms_kafka_user: create answers 204, then the read.
	a.must(ok204, http.MethodPost, users, `{"user_name":"tf-app","user_desc":"billing","user_passwd":"First-Pass1"}`)
	user := read()
	require.NotNil(t, user)
	require.Equal(t, "billing", requireJSON[string](t, at(user, "user_desc"), "user_desc"))
	require.False(t, requireJSON[bool](t, at(user, "default_app"), "default_app"))
	requireJSON[string](t, at(user, "role"), "role")
	requireRecentMs(t, at(user, "created_time"), "created_time")

	// Update (engine path, user_name in the body) answers 204.
	a.must(ok204, http.MethodPut, "/v2/kafka/{project}/instances/"+id+"/users/tf-app",
		`{"user_name":"tf-app","user_desc":"billing, v2","new_password":"Second-Pass2"}`)
	require.Equal(t, "billing, v2", at(read(), "user_desc"))
	require.NoError(t, scramClient(t, inst, "tf-app", "Second-Pass2").Ping(timeout(t, 10*time.Second)))

	// dms_kafka_user_password_reset answers 204 and the new password logs in.
	a.must(ok204, http.MethodPut, users+"/tf-app", `{"new_password":"Third-Pass3"}`)
	require.NoError(t, scramClient(t, inst, "tf-app", "Third-Pass3").Ping(timeout(t, 10*time.Second)))

	// dms_kafka_users filters what the list answers.
	all := a.must(okGet, http.MethodGet, users, "")
	require.NotNil(t, find(all, "user_name", accessUser, "users"), "the access user is listed too")

	// Delete answers 204 and the user is no longer listed (gone for the
	// provider).
	a.must(ok204, http.MethodPut, users, `{"action":"delete","users":["tf-app"]}`)
	require.Nil(t, read())
}

func TestTerraformPermissionsResource(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	id := *createSASLInstance(t, c, "tf-permissions").InstanceId
	createTopic(t, c, id, "tf-orders", 1)
	require.NoError(t, createUser(c, id, "tf-reader", "", "Reader-Pass1"))
	policies := "/v1/{project}/instances/" + id + "/topics/accesspolicy"

	// The provider waits until the instance's task is no longer
	// updateTopicPolicies: once the change is done it must not be shown.
	waitPolicies := func() {
		t.Helper()
		a.waitInstance(id, []string{"RUNNING"}, func(inst any) bool { return at(inst, "task", "name") != "updateTopicPolicies" })
	}
	read := func() []any {
		t.Helper()
		l, _ := at(a.must(okGet, http.MethodGet, "/v1/{project}/instances/"+id+"/topics/tf-orders/accesspolicy", ""), "policies").([]any)
		return l
	}

	a.must([]int{200, 204}, http.MethodPost, policies, `{"topics":[{"name":"tf-orders","policies":[{"user_name":"tf-reader","access_policy":"sub"}]}]}`)
	waitPolicies()
	got := read()
	require.Len(t, got, 1, "only the policies set: the provider's list must match the configuration")
	require.Equal(t, "tf-reader", at(got, 0, "user_name"))
	require.Equal(t, "sub", at(got, 0, "access_policy"))

	a.must([]int{200, 204}, http.MethodPost, policies, `{"topics":[{"name":"tf-orders","policies":[{"user_name":"tf-reader","access_policy":"all"}]}]}`)
	waitPolicies()
	require.Equal(t, "all", at(read(), 0, "access_policy"))

	// Delete sends an empty list; an empty answer is gone for the provider.
	a.must([]int{200, 204}, http.MethodPost, policies, `{"topics":[{"name":"tf-orders","policies":[]}]}`)
	waitPolicies()
	require.Empty(t, read())
}

// Terraform creates the permission, quota and log resources of one instance
// in parallel, one per topic, and retries none: each is accepted, the later
// ones once the instance's running change has ended, and all take effect.
func TestTerraformResourcesInParallel(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	id := *createSASLInstance(t, c, "tf-parallel").InstanceId
	require.NoError(t, createUser(c, id, "tf-reader", "", "Reader-Pass1"))
	topics := []string{"tf-a", "tf-b", "tf-c"}
	type request struct{ path, body string }
	var requests []request
	for _, topic := range topics {
		createTopic(t, c, id, topic, 1)
		requests = append(requests,
			request{"/v1/{project}/instances/" + id + "/topics/accesspolicy", `{"topics":[{"name":"` + topic + `","policies":[{"user_name":"tf-reader","access_policy":"pub"}]}]}`},
			request{"/v2/kafka/{project}/instances/" + id + "/kafka-topic-quota", `{"topic":"` + topic + `","producer-byte-rate":1048576}`})
	}
	rebalance := "/v2/kafka/{project}/instances/" + id + "/log/rebalance-log"
	requests = append(requests, request{rebalance, ""})
	statuses := make([]int, len(requests))
	answers := make([]any, len(requests))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range requests {
		wg.Go(func() {
			<-start
			statuses[i], answers[i] = a.do(http.MethodPost, r.path, r.body)
		})
	}
	close(start)
	wg.Wait()
	for i, r := range requests {
		require.Contains(t, []int{200, 204}, statuses[i], "%s %s: %v", r.path, r.body, answers[i])
		if job, ok := at(answers[i], "job_id").(string); ok {
			a.waitJob(id, job)
		}
	}
	a.waitInstance(id, []string{"RUNNING"}, func(inst any) bool { return at(inst, "task", "name") != "updateTopicPolicies" })
	quotas := a.must(okGet, http.MethodGet, "/v2/kafka/{project}/instances/"+id+"/kafka-topic-quota?type=topic&limit=100&offset=0", "")
	for _, topic := range topics {
		got := at(a.must(okGet, http.MethodGet, "/v1/{project}/instances/"+id+"/topics/"+topic+"/accesspolicy", ""), "policies")
		require.Equal(t, "pub", at(got, 0, "access_policy"), topic)
		require.Equal(t, 1048576.0, at(find(quotas, "topic", topic, "quotas"), "producer-byte-rate"), topic)
	}
	require.Equal(t, "OPEN", at(a.must(okGet, http.MethodGet, rebalance, ""), "status"))
}

func TestTerraformConsumerGroupAndOffsetReset(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	inst := createInstance(t, c, "tf-groups", 1, false)
	id := *inst.InstanceId
	createTopic(t, c, id, "tf-orders", 1)
	group := "/v2/kafka/{project}/instances/" + id + "/groups/tf-billing"

	// dms_kafka_consumer_group: create answers exactly 200.
	a.must([]int{200}, http.MethodPost, "/v2/{project}/kafka/instances/"+id+"/group", `{"group_name":"tf-billing","group_desc":"first"}`)
	read := func() any { return at(a.must(okGet, http.MethodGet, group, ""), "group") }
	g := read()
	require.Equal(t, "first", requireJSON[string](t, at(g, "group_desc"), "group_desc"))
	require.NotEqual(t, "DEAD", requireJSON[string](t, at(g, "state"), "state"))
	requireJSON[float64](t, at(g, "coordinator_id"), "coordinator_id")
	requireRecentMs(t, at(g, "createdAt"), "createdAt")

	a.must(ok204, http.MethodPut, group, `{"group_name":"tf-billing","group_desc":"second"}`)
	require.Equal(t, "second", at(read(), "group_desc"))

	// dms_kafka_consumer_groups: 10 a page until total, then each group's
	// details.
	listed := a.must(okGet, http.MethodGet, "/v2/{project}/instances/"+id+"/groups?limit=10&group=tf-billing&offset=0", "")
	require.Equal(t, 1.0, requireJSON[float64](t, at(listed, "total"), "total"))
	entry := find(listed, "group_id", "tf-billing", "groups")
	require.Equal(t, "second", at(entry, "group_desc"))
	requireJSON[float64](t, at(entry, "lag"), "lag")
	requireJSON[float64](t, at(entry, "coordinator_id"), "coordinator_id")
	requireJSON[string](t, at(entry, "state"), "state")
	requireRecentMs(t, at(entry, "createdAt"), "createdAt")
	detail := at(a.must(okGet, http.MethodGet, "/v2/{project}/instances/"+id+"/management/groups/tf-billing", ""), "group")
	requireJSON[string](t, at(detail, "assignment_strategy"), "assignment_strategy")

	// dms_kafka_message_offset_reset, all topics (topic sent empty): 204,
	// then the kafkaResetConsumerOffset task by name.
	producer := kafkaClient(t, inst)
	for range 3 {
		require.NoError(t, producer.ProduceSync(context.Background(), &kgo.Record{Topic: "tf-orders", Value: []byte("o")}).FirstErr())
	}
	admin := kadm.NewClient(producer)
	require.NoError(t, admin.CommitAllOffsets(context.Background(), "tf-billing", kadm.Offsets{"tf-orders": {
		0: {Topic: "tf-orders", Partition: 0, At: 3, LeaderEpoch: -1},
	}}))
	a.must(ok204, http.MethodPut, group+"/reset-message-offset", `{"topic":"","partition":-1,"timestamp":0}`)
	a.waitTaskNamed(id, "kafkaResetConsumerOffset")
	offsets, err := admin.FetchOffsets(context.Background(), "tf-billing")
	require.NoError(t, err)
	o, _ := offsets.Lookup("tf-orders", 0)
	require.Equal(t, int64(0), o.At)
	// One topic and an offset: 204, no task to wait for.
	a.must(ok204, http.MethodPut, group+"/reset-message-offset", `{"topic":"tf-orders","partition":0,"message_offset":2}`)
	require.Eventually(t, func() bool {
		offsets, err := admin.FetchOffsets(context.Background(), "tf-billing")
		require.NoError(t, err)
		o, _ := offsets.Lookup("tf-orders", 0)
		return o.At == 2
	}, 10*time.Second, 10*time.Millisecond)

	// Delete, then the read and a second delete say gone: a 404, or the
	// 400 DMS.111400864 the provider also accepts for the delete.
	a.must(okDelete, http.MethodDelete, group, "")
	status, out := a.do(http.MethodGet, group, "")
	require.True(t, status == http.StatusNotFound || at(out, "group", "state") == "DEAD", "%d %v", status, out)
	status, out = a.do(http.MethodDelete, group, "")
	requireGone(t, status, out, "DMS.111400864")
}

func TestTerraformClientQuotas(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	id := *createInstance(t, c, "tf-quotas", 1, false).InstanceId
	createTopic(t, c, id, "tf-orders", 1)

	// dms_kafka_topic_quota: job ids waited for by id, the quota read by
	// keyword with the count to page by.
	topicQuota := "/v2/kafka/{project}/instances/" + id + "/kafka-topic-quota"
	readTopic := func() any {
		out := a.must(okGet, http.MethodGet, topicQuota+"?type=topic&limit=100&keyword=tf-orders&offset=0", "")
		requireJSON[float64](t, at(out, "count"), "count")
		return find(out, "topic", "tf-orders", "quotas")
	}
	out := a.must(okPost, http.MethodPost, topicQuota, `{"topic":"tf-orders","producer-byte-rate":1048576,"consumer-byte-rate":2097152}`)
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	q := readTopic()
	require.Equal(t, 1048576.0, requireJSON[float64](t, at(q, "producer-byte-rate"), "producer-byte-rate"))
	require.Equal(t, 2097152.0, requireJSON[float64](t, at(q, "consumer-byte-rate"), "consumer-byte-rate"))
	out = a.must(okPut, http.MethodPut, topicQuota, `{"topic":"tf-orders","producer-byte-rate":4194304,"consumer-byte-rate":2097152}`)
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	require.Equal(t, 4194304.0, at(readTopic(), "producer-byte-rate"))
	out = a.must(okDelete, http.MethodDelete, topicQuota, `{"topic":"tf-orders"}`)
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	require.Nil(t, readTopic())

	// dms_kafka_user_client_quota sends hyphenated keys, and finds its
	// quota by user, user-default, client and client-default, the strings
	// compared as given ("" when unset).
	userQuota := "/v2/kafka/{project}/instances/" + id + "/kafka-user-client-quota"
	readUser := func(user, client string, userDefault, clientDefault bool) any {
		out := a.must(okGet, http.MethodGet, userQuota, "")
		l, _ := at(out, "quotas").([]any)
		for _, q := range l {
			if at(q, "user") == user && at(q, "client") == client && at(q, "user-default") == userDefault && at(q, "client-default") == clientDefault {
				return q
			}
		}
		return nil
	}
	out = a.must(okPost, http.MethodPost, userQuota, `{"user":"tf-app","producer-byte-rate":1048576,"consumer-byte-rate":2097152}`)
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	q = readUser("tf-app", "", false, false)
	require.NotNil(t, q)
	require.Equal(t, 1048576.0, requireJSON[float64](t, at(q, "producer-byte-rate"), "producer-byte-rate"))
	require.Equal(t, 2097152.0, requireJSON[float64](t, at(q, "consumer-byte-rate"), "consumer-byte-rate"))
	out = a.must(okPut, http.MethodPut, userQuota, `{"user":"tf-app","producer-byte-rate":3145728,"consumer-byte-rate":2097152}`)
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	require.Equal(t, 3145728.0, at(readUser("tf-app", "", false, false), "producer-byte-rate"))
	out = a.must(okPost, http.MethodPost, userQuota, `{"client-default":true,"consumer-byte-rate":524288}`)
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	require.Equal(t, 524288.0, at(readUser("", "", false, true), "consumer-byte-rate"))

	out = a.must(okDelete, http.MethodDelete, userQuota, `{"user":"tf-app","producer-byte-rate":3145728,"consumer-byte-rate":2097152}`)
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	require.Nil(t, readUser("tf-app", "", false, false))
	require.NotNil(t, readUser("", "", false, true))
}

func TestTerraformVolumeExpandAndLogs(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	id := *createInstance(t, c, "tf-logs", 1, false).InstanceId

	// dms_kafka_volume_auto_expand_configuration: one PUT.
	a.must([]int{200, 201, 202, 204}, http.MethodPut, "/v2/{project}/instances/"+id+"/auto-volume-expand",
		`{"auto_volume_expand_enable":true,"expand_threshold":80,"expand_increment":20,"max_volume_size":1000}`)
	shown := a.must(okGet, http.MethodGet, "/v2/{project}/instances/"+id+"/auto-volume-expand", "")
	require.Equal(t, true, at(shown, "auto_volume_expand_enable"))
	require.Equal(t, 80.0, at(shown, "expand_threshold"))

	// dms_kafka_instance_rebalance_log: the read takes snake_case fields.
	rebalance := "/v2/kafka/{project}/instances/" + id + "/log/rebalance-log"
	out := a.must(okPost, http.MethodPost, rebalance, "")
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	log := a.must(okGet, http.MethodGet, rebalance, "")
	require.Equal(t, id, requireJSON[string](t, at(log, "instance_id"), "instance_id"))
	for _, k := range []string{"log_group_id", "log_stream_id", "dashboard_id", "log_type", "log_file_name", "status"} {
		requireJSON[string](t, at(log, k), k)
	}
	require.Equal(t, "OPEN", at(log, "status"))
	requireRecentMs(t, at(log, "created_at"), "created_at")
	requireRecentMs(t, at(log, "updated_at"), "updated_at")
	out = a.must(okDelete, http.MethodDelete, rebalance, "")
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	// Closed, the read takes it for gone (GetInstanceRebalanceLog).
	require.Equal(t, "CLOSE", at(a.must(okGet, http.MethodGet, rebalance, ""), "status"))
	// Deleting it again is gone for the provider: 404, or 400 DMS.00501007.
	status, out := a.do(http.MethodDelete, rebalance, "")
	requireGone(t, status, out, "DMS.00501007")

	// dms_kafka_instance_log (topic_log): log_response_list[0], CLOSE or
	// absent once off.
	logs := "/v2/{project}/kafka/instances/" + id + "/logs/topic_log"
	out = a.must(okPost, http.MethodPost, logs, `{"log_task_list":[{"log_file_name":"server.log"}]}`)
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	entry := at(a.must(okGet, http.MethodGet, logs, ""), "log_response_list", 0)
	require.Equal(t, "OPEN", requireJSON[string](t, at(entry, "status"), "status"))
	require.Equal(t, id, at(entry, "instance_id"))
	require.Equal(t, "topic_log", at(entry, "log_type"))
	require.Equal(t, "server.log", at(entry, "log_file_name"))
	// No LTS group or stream holds the log: the provider looks up non-empty
	// ids in LTS and, not finding them, empties the names it was given.
	require.Equal(t, "", at(entry, "log_group_id"))
	require.Equal(t, "", at(entry, "log_stream_id"))
	requireRecentMs(t, at(entry, "created_at"), "created_at")
	requireRecentMs(t, at(entry, "updated_at"), "updated_at")
	out = a.must(okDelete, http.MethodDelete, logs, "")
	a.waitJob(id, requireJSON[string](t, at(out, "job_id"), "job_id"))
	require.Equal(t, "CLOSE", at(a.must(okGet, http.MethodGet, logs, ""), "log_response_list", 0, "status"))
	status, out = a.do(http.MethodDelete, logs, "")
	requireGone(t, status, out, "DMS.00501007")
}

func TestTerraformSmartConnect(t *testing.T) {
	t.Parallel()
	a, c := startTF(t)
	here := *createInstance(t, c, "tf-connect-here", 1, false).InstanceId
	there := *createInstance(t, c, "tf-connect-there", 1, false).InstanceId
	createTopic(t, c, there, "tf-orders", 1)

	// dms_kafka_smart_connect: node_cnt is a number in the provider's body;
	// the instance is EXTENDING or RUNNING meanwhile and then shows the
	// connector's id.
	out := a.must(okPost, http.MethodPost, "/v2/{project}/instances/"+here+"/connector", `{"specification":"100","node_cnt":2,"spec_code":"connector.4u8g.cluster"}`)
	connectorID := requireJSON[string](t, at(out, "connector_id"), "connector_id")
	a.waitInstance(here, []string{"EXTENDING", "RUNNING"}, func(inst any) bool {
		return at(inst, "status") == "RUNNING" && at(inst, "connector_id") == connectorID
	})

	// dms_kafkav2_smart_connect_task: CREATING until RUNNING or WAITING.
	tasks := "/v2/{project}/instances/" + here + "/connector/tasks"
	out = a.must(okPost, http.MethodPost, tasks, `{"task_name":"tf-mirror","topics":"tf-orders","source_type":"KAFKA_REPLICATOR_SOURCE",
		"source_task":{"current_cluster_name":"here","cluster_name":"there","instance_id":"`+there+`","direction":"pull",
		"sync_consumer_offsets_enabled":false,"replication_factor":1,"task_num":1,"rename_topic_enabled":true,
		"provenance_header_enabled":false,"consumer_strategy":"earliest","compression_type":"none"}}`)
	taskID := requireJSON[string](t, at(out, "id"), "id")
	var task any
	require.Eventually(t, func() bool {
		task = a.must(okGet, http.MethodGet, tasks+"/"+taskID, "")
		status := at(task, "status")
		require.Contains(t, []any{"CREATING", "RUNNING", "WAITING"}, status)
		return status == "RUNNING" || status == "WAITING"
	}, 30*time.Second, 10*time.Millisecond)
	require.Equal(t, "tf-mirror", at(task, "task_name"))
	require.Equal(t, "tf-orders", requireJSON[string](t, at(task, "topics"), "topics"))
	require.Equal(t, "KAFKA_REPLICATOR_SOURCE", at(task, "source_type"))
	requireJSON[string](t, at(task, "sink_type"), "sink_type")
	requireRecentMs(t, at(task, "create_time"), "create_time")
	src := at(task, "source_task")
	require.Equal(t, "here", at(src, "current_cluster_name"))
	require.Equal(t, "there", at(src, "cluster_name"))
	require.Equal(t, there, at(src, "instance_id"))
	require.Equal(t, "pull", at(src, "direction"))
	require.Equal(t, 1.0, at(src, "replication_factor"))
	require.Equal(t, true, at(src, "rename_topic_enabled"))
	require.Equal(t, "earliest", at(src, "consumer_strategy"))
	// A replication task has no sink: sink_task must be an empty object, or
	// the provider puts an empty destination_task in the state and every
	// plan replaces the task.
	require.Equal(t, map[string]any{}, at(task, "sink_task"))

	// With start_later the task is WAITING, which the provider's create
	// also waits for, until resumed.
	out = a.must(okPost, http.MethodPost, tasks, `{"task_name":"tf-later","topics":"tf-orders","start_later":true,
		"source_type":"KAFKA_REPLICATOR_SOURCE","source_task":{"current_cluster_name":"here","cluster_name":"there",
		"instance_id":"`+there+`","direction":"pull","rename_topic_enabled":true}}`)
	later := requireJSON[string](t, at(out, "id"), "id")
	require.Equal(t, "WAITING", at(a.must(okGet, http.MethodGet, tasks+"/"+later, ""), "status"))
	a.must(ok204, http.MethodPut, tasks+"/"+later+"/resume", "")
	require.Equal(t, "RUNNING", at(a.must(okGet, http.MethodGet, tasks+"/"+later, ""), "status"))
	a.must(ok204, http.MethodDelete, tasks+"/"+later, "")

	// A dump to OBS is refused with its documented error, creating nothing.
	status, refused := a.do(http.MethodPost, tasks, `{"task_name":"tf-dump","topics":"tf-orders","source_type":"NONE","sink_type":"OBS_SINK",
		"sink_task":{"consumer_strategy":"latest","obs_bucket_name":"b","access_key":"ak","secret_key":"sk","partition_format":"yyyy/MM/dd","deliver_time_interval":300}}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, dmsd.ECONNECTTYPE, at(refused, "error_code"))

	// So is dms_kafka_smart_connect_task, the earlier API's dump to OBS.
	status, refused = a.do(http.MethodPost, "/v2/{project}/connectors/"+connectorID+"/sink-tasks", `{"source_type":"BLOB",
		"task_name":"tf-dump","destination_type":"OBS_SINK","obs_destination_descriptor":{"consumer_strategy":"latest",
		"access_key":"ak","secret_key":"sk","obs_bucket_name":"b","partition_format":"yyyy/MM/dd","deliver_time_interval":300,"topics":"tf-orders"}}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, dmsd.ECONNECTTYPE, at(refused, "error_code"))

	// Delete answers 204; the read after it is a 404.
	a.must(ok204, http.MethodDelete, tasks+"/"+taskID, "")
	status, _ = a.do(http.MethodGet, tasks+"/"+taskID, "")
	require.Equal(t, http.StatusNotFound, status)

	// Smart Connect off: CONNECTOR_DELETING or RUNNING meanwhile, and then no
	// connector_id, which the provider reads as gone.
	a.must(okPost, http.MethodPost, "/v2/{project}/kafka/instances/"+here+"/delete-connector", `{"instance_id":"`+here+`"}`)
	a.waitInstance(here, []string{"CONNECTOR_DELETING", "RUNNING"}, func(inst any) bool {
		return at(inst, "status") == "RUNNING" && at(inst, "connector_id") == nil
	})
}
