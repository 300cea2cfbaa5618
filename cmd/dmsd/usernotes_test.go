package main

import (
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

	id := a.createExternal(t, "external-notes", map[string]any{"bootstrap_servers": addrs, "sasl_mechanism": "SCRAM-SHA-512", "username": "admin", "password": "admin-secret"})

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

	_, err := b.client(0).UpdateInstanceUser(&model.UpdateInstanceUserRequest{Engine: "kafka", InstanceId: id, UserName: "noted-user",
		Body: &model.UpdateUserReq{UserDesc: ptr("changed on b")}})
	require.NoError(t, err)
	require.Equal(t, "changed on b", descriptionOn(a, "noted-user"))
}
