package main

import (
	"net/http"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"
)

// TestAlreadyExistsIs400 creates a topic twice and a user twice through the
// SDK: each second attempt is a 400 with a DMS code, as every "already
// exists" of the reference's error table is; a topic's is the reference's
// DMS.10240017.
func TestAlreadyExistsIs400(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	inst := createSASLInstance(t, c, "exists-cluster")
	id := *inst.InstanceId
	// The bodies differ in a detail: the same signed request twice in the
	// same second would be refused as a replay.
	create := func(partitions int32) error {
		_, err := c.CreateInstanceTopic(&model.CreateInstanceTopicRequest{InstanceId: id, Body: &model.CreateInstanceTopicReq{Id: "twice", Partition: ptr(partitions)}})
		return err
	}
	require.NoError(t, create(1))
	requireDMSError(t, create(2), http.StatusBadRequest, "DMS.10240017")

	require.NoError(t, createUser(c, id, "twice-user", "first", "Twice-Pass1"))
	requireDMSError(t, createUser(c, id, "twice-user", "second", "Twice-Pass1"), http.StatusBadRequest, "DMS.00400932")
}
