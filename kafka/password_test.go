package kafka

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

// loginWith reports whether the access user logs in to the cluster at ep
// with mechanism m.
func loginWith(t *testing.T, ep dmsd.Endpoint, m sasl.Mechanism) error {
	t.Helper()
	_, adm := newClient(t, ep, kgo.SASL(m), kgo.RequestRetries(0))
	_, err := adm.ListTopics(testContext(t))
	return err
}

func requireLogins(t *testing.T, ep dmsd.Endpoint, user, good, bad string) {
	t.Helper()
	require.NoError(t, loginWith(t, ep, scram.Auth{User: user, Pass: good}.AsSha512Mechanism()), "SCRAM with the new password")
	require.NoError(t, loginWith(t, ep, plain.Auth{User: user, Pass: good}.AsMechanism()), "PLAIN with the new password")
	require.Error(t, loginWith(t, ep, scram.Auth{User: user, Pass: bad}.AsSha512Mechanism()), "SCRAM with the old password")
	require.Error(t, loginWith(t, ep, plain.Auth{User: user, Pass: bad}.AsMechanism()), "PLAIN with the old password")
}

// A password reset interrupted after the instance's record took the new
// password, before the cluster did, is completed by the cluster's next start
// in a new process; and the reset itself can run twice.
func TestAccessPasswordResetSurvivesInterruption(t *testing.T) {
	t.Parallel()
	e, dir := newEmbedded(t)
	inst := newSASLInstance()
	inst.SASLMechanisms = []string{dmsd.MechanismScramSHA512, dmsd.MechanismPlain}
	old := inst.AccessPassword
	_, err := e.StartCluster(testContext(t), inst)
	require.NoError(t, err)
	require.NoError(t, e.CheckCluster(testContext(t), inst))
	require.NoError(t, e.StopCluster(testContext(t), inst.ID))
	_, err = os.Stat(filepath.Join(dir, inst.ID, "sasl.json"))
	require.NoError(t, err, "kfake persisted the credentials")

	// dmsd stopped right after saving the record: the files still hold the
	// old password. A new process starts the cluster from the record.
	inst.AccessPassword = "Reset-Pass2"
	next := NewEmbedded(dir, nil)
	t.Cleanup(func() { require.NoError(t, next.Close()) })
	ep, err := next.StartCluster(testContext(t), inst)
	require.NoError(t, err)
	require.NoError(t, next.CheckCluster(testContext(t), inst))
	requireLogins(t, ep, inst.AccessUser, inst.AccessPassword, old)

	// The reset run again after an interruption past it ends the same.
	previous := inst.AccessPassword
	inst.AccessPassword = "Third-Pass3"
	require.NoError(t, next.ResetAccessPassword(testContext(t), inst, inst.AccessPassword))
	require.NoError(t, next.ResetAccessPassword(testContext(t), inst, inst.AccessPassword))
	ep, err = next.StartCluster(testContext(t), inst)
	require.NoError(t, err)
	require.NoError(t, next.CheckCluster(testContext(t), inst))
	requireLogins(t, ep, inst.AccessUser, inst.AccessPassword, previous)
}
