package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

func newSASLInstance() *dmsd.Instance {
	inst := newInstance(1)
	inst.AccessUser, inst.AccessPassword = "admin-user", "Admin-Pass1"
	inst.SASLMechanisms = []string{dmsd.MechanismScramSHA512}
	return inst
}

// describeACLs returns every ACL of the cluster, as the access user sees them.
func describeACLs(t *testing.T, ep dmsd.Endpoint, inst *dmsd.Instance) []kadm.DescribedACL {
	t.Helper()
	_, adm := newClient(t, ep, kgo.SASL(scram.Auth{User: inst.AccessUser, Pass: inst.AccessPassword}.AsSha512Mechanism()))
	res, err := adm.DescribeACLs(testContext(t), kadm.NewACLs().AnyResource().ResourcePatternType(kadm.ACLPatternAny).
		Allow().Deny().AllowHosts().DenyHosts().Operations(kadm.OpAny))
	require.NoError(t, err)
	var out []kadm.DescribedACL
	for _, r := range res {
		require.NoError(t, r.Err)
		out = append(out, r.Described...)
	}
	return out
}

func TestSetTopicPoliciesIsIdempotent(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	inst := newSASLInstance()
	ep, err := e.StartCluster(testContext(t), inst)
	require.NoError(t, err)
	require.NoError(t, e.CheckCluster(testContext(t), inst))
	require.NoError(t, e.CreateUser(testContext(t), inst, dmsd.User{Name: "reader1", CreatedAt: time.Now()}, "Read-Pass1"))

	p := dmsd.TopicPolicies{Topic: "orders", Policies: []dmsd.UserPolicy{{UserName: "reader1", Policy: dmsd.PolicyAll}}}
	require.NoError(t, e.SetTopicPolicies(testContext(t), inst, p))
	once := describeACLs(t, ep, inst)
	require.NoError(t, e.SetTopicPolicies(testContext(t), inst, p))
	require.ElementsMatch(t, once, describeACLs(t, ep, inst), "a repeated step leaves the same ACLs")
	require.Len(t, once, 4) // WRITE, READ, DESCRIBE on the topic, READ on groups

	// A narrower policy replaces the wider one on the topic.
	p.Policies[0].Policy = dmsd.PolicyPub
	require.NoError(t, e.SetTopicPolicies(testContext(t), inst, p))
	got, err := e.TopicPolicies(testContext(t), inst, "orders")
	require.NoError(t, err)
	require.Equal(t, []dmsd.UserPolicy{{UserName: "reader1", Policy: dmsd.PolicyPub}}, got)

	// Deleting the user removes all its ACLs; deleting again does nothing.
	require.NoError(t, e.DeleteUsers(testContext(t), inst, []string{"reader1"}))
	require.NoError(t, e.DeleteUsers(testContext(t), inst, []string{"reader1"}))
	require.Empty(t, describeACLs(t, ep, inst))
	users, err := e.ListUsers(testContext(t), inst)
	require.NoError(t, err)
	require.Equal(t, []string{"admin-user"}, []string{users[0].Name})
	require.Len(t, users, 1)
}

func TestUserOperationsRefuseClustersWithoutSASL(t *testing.T) {
	t.Parallel()
	e, _ := newEmbedded(t)
	inst := newInstance(1)
	_, err := e.StartCluster(context.Background(), inst)
	require.NoError(t, err)
	_, err = e.ListUsers(testContext(t), inst)
	require.Equal(t, dmsd.ESASLDISABLED, dmsd.ErrorCode(err))
	err = e.SetTopicPolicies(testContext(t), inst, dmsd.TopicPolicies{Topic: "t"})
	require.Equal(t, dmsd.ESASLDISABLED, dmsd.ErrorCode(err))
}
