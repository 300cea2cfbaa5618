package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd/storetest"
)

// A SASL user's description lives in the database, not on the replica that
// served the request: on PostgreSQL every replica shows it, and a change
// made through one is seen through the other.
func TestUserNotesOnEveryReplica(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	addrs := startExternalKafka(t, "-brokers", "1", "-scram", "admin:admin-secret")
	a, b := startReplicas(t, dbURL, "notes-a", "notes-b", "--external-allow", "127.0.0.1")

	req := newCreateRequest("external-notes", 1, false)
	body, err := json.Marshal(req.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	delete(m, "broker_num")
	m["external"] = map[string]any{"bootstrap_servers": addrs, "sasl_mechanism": "SCRAM-SHA-512", "username": "admin", "password": "admin-secret"}
	body, err = json.Marshal(m)
	require.NoError(t, err)
	status, answer := a.signedDo(t, 0, sdkRequest{method: http.MethodPost, pathAndQuery: "/v2/kafka/" + a.creds[0].ProjectID + "/instances",
		body: string(body), headers: map[string]string{"Content-Type": "application/json"}})
	require.Equal(t, http.StatusOK, status, answer)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(answer), &created))
	id := created.InstanceID
	waitInstance(t, a.client(0), id, "RUNNING")

	descriptionOn := func(s *testServer, name string) string {
		t.Helper()
		users, err := s.client(0).ShowInstanceUsers(&model.ShowInstanceUsersRequest{InstanceId: id})
		require.NoError(t, err)
		for _, u := range *users.Users {
			if *u.UserName == name {
				return *u.UserDesc
			}
		}
		t.Fatalf("no user %s", name)
		return ""
	}
	require.NoError(t, createUser(a.client(0), id, "noted-user", "made on a", "Noted-pass1"))
	require.Equal(t, "made on a", descriptionOn(a, "noted-user"))
	require.Equal(t, "made on a", descriptionOn(b, "noted-user"), "the other replica shows it")

	_, err = b.client(0).UpdateInstanceUser(&model.UpdateInstanceUserRequest{Engine: "kafka", InstanceId: id, UserName: "noted-user",
		Body: &model.UpdateUserReq{UserDesc: ptr("changed on b")}})
	require.NoError(t, err)
	require.Equal(t, "changed on b", descriptionOn(a, "noted-user"))
}
