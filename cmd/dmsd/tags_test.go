package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// tagAction returns a BatchCreateOrDeleteKafkaTag request.
func tagAction(id, action string, kv ...string) *model.BatchCreateOrDeleteKafkaTagRequest {
	var tags []model.TagEntity
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, model.TagEntity{Key: ptr(kv[i]), Value: ptr(kv[i+1])})
	}
	a := model.GetBatchCreateOrDeleteTagReqActionEnum().CREATE
	if action == "delete" {
		a = model.GetBatchCreateOrDeleteTagReqActionEnum().DELETE
	}
	return &model.BatchCreateOrDeleteKafkaTagRequest{InstanceId: id, Body: &model.BatchCreateOrDeleteTagReq{Action: &a, Tags: &tags}}
}

// instanceTags returns the instance's tags as ShowKafkaTags answers them.
func instanceTags(t *testing.T, c interface {
	ShowKafkaTags(*model.ShowKafkaTagsRequest) (*model.ShowKafkaTagsResponse, error)
}, id string) map[string]string {
	t.Helper()
	resp, err := c.ShowKafkaTags(&model.ShowKafkaTagsRequest{InstanceId: id})
	require.NoError(t, err)
	out := map[string]string{}
	for _, tag := range *resp.Tags {
		out[*tag.Key] = *tag.Value
	}
	return out
}

func TestTagsRoundTrip(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	req := newCreateRequest("tagged-a", 1, false)
	req.Body.Tags = &[]model.TagEntity{{Key: ptr("team"), Value: ptr("payments")}}
	created, err := c.CreateInstanceByEngine(req)
	require.NoError(t, err)
	a := *created.InstanceId
	waitInstance(t, c, a, string(dmsd.InstanceRunning))
	b := *createInstance(t, c, "tagged-b", 1, false).InstanceId
	require.Equal(t, map[string]string{"team": "payments"}, instanceTags(t, c, a))

	// Create adds keys and replaces the value of a key the instance has.
	_, err = c.BatchCreateOrDeleteKafkaTag(tagAction(a, "create", "env", "prod", "team", "orders"))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"team": "orders", "env": "prod"}, instanceTags(t, c, a))
	_, err = c.BatchCreateOrDeleteKafkaTag(tagAction(b, "create", "team", "ops"))
	require.NoError(t, err)

	project, err := c.ShowKafkaProjectTags(&model.ShowKafkaProjectTagsRequest{})
	require.NoError(t, err)
	got := map[string][]string{}
	for _, tag := range *project.Tags {
		got[*tag.Key] = *tag.Values
	}
	require.Equal(t, map[string][]string{"env": {"prod"}, "team": {"ops", "orders"}}, got)

	// Delete removes keys; refusals change nothing.
	_, err = c.BatchCreateOrDeleteKafkaTag(tagAction(a, "delete", "env", ""))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"team": "orders"}, instanceTags(t, c, a))
	_, err = c.BatchCreateOrDeleteKafkaTag(tagAction(a, "create", " lead", "x"))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	_, err = c.BatchCreateOrDeleteKafkaTag(tagAction(a, "create", "k", "1", "k", "2"))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	many := []string{}
	for i := range dmsd.MaxTags {
		many = append(many, fmt.Sprint("k", i), "v")
	}
	_, err = c.BatchCreateOrDeleteKafkaTag(tagAction(a, "create", many...))
	requireDMSError(t, err, http.StatusBadRequest, dmsd.EINVALID)
	status, body := s.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/" + s.creds[0].ProjectID + "/kafka/" + a + "/tags/action",
		body: `{"action":"update","tags":[{"key":"a","value":"b"}]}`, headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, dmsd.ETAGACTION)
	require.Equal(t, map[string]string{"team": "orders"}, instanceTags(t, c, a))

	// The tags survive a task that saves the instance (a restart).
	require.Equal(t, "SUCCESS", *waitTask(t, c, a, *restart(t, s, a).Id).Status)
	require.Equal(t, map[string]string{"team": "orders"}, instanceTags(t, c, a))
}

// Tags and users of one instance changed at once, as Terraform applies an
// instance's tags beside its user resources: every change is kept, none
// overwrites another's with an older copy of the instance.
func TestTagsAndUsersChangedAtOnce(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	id := *createSASLInstance(t, c, "tags-and-users").InstanceId
	const n = 6
	errs := make([]error, 2*n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = c.BatchCreateOrDeleteKafkaTag(tagAction(id, "create", fmt.Sprintf("key%d", i), "v"))
		})
		wg.Go(func() {
			<-start
			errs[n+i] = createUser(c, id, fmt.Sprintf("user%d", i), fmt.Sprintf("user %d", i), "User-Pass1")
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, instanceTags(t, c, id), n)
	users, err := c.ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
	require.NoError(t, err)
	descs := map[string]string{}
	for _, u := range *users.Users {
		if u.UserDesc != nil {
			descs[*u.UserName] = *u.UserDesc
		}
	}
	for i := range n {
		require.Equal(t, fmt.Sprintf("user %d", i), descs[fmt.Sprintf("user%d", i)], "user%d's description", i)
	}
}
