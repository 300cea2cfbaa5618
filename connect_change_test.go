package dmsd

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func changedTask() *ConnectTask {
	return &ConnectTask{ID: "t1", Name: "mirror", Topics: []string{"a"}, Status: ConnectRunning, Peer: ConnectPeer{
		InstanceID: "peer", Direction: DirectionPull, TaskNum: 1, ReplicationFactor: 3, ConsumerStrategy: "latest", CompressionType: "none",
		SecurityProtocol: SASLPlaintext, UserName: "mirror", Password: "Mirror-Pass1", SASLMechanism: MechanismPlain,
	}}
}

func TestConnectTaskChangeApply(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	yes := true
	for _, c := range []struct {
		name   string
		from   string // the task's status, when not RUNNING
		change ConnectTaskChange
		check  func(t *testing.T, got *ConnectTask)
		code   string
	}{
		{name: "OK: only what is given changes", change: ConnectTaskChange{Name: str("mirror-2"), Peer: ConnectPeerChange{TaskNum: num(4), InstanceID: str("peer")}},
			check: func(t *testing.T, got *ConnectTask) {
				require.Equal(t, "mirror-2", got.Name)
				require.Equal(t, 4, got.Peer.TaskNum)
				require.Equal(t, []string{"a"}, got.Topics)
				require.Equal(t, "latest", got.Peer.ConsumerStrategy)
			}},
		{name: "OK: a pattern replaces the list", change: ConnectTaskChange{TopicsRegex: str("a.*")},
			check: func(t *testing.T, got *ConnectTask) {
				require.Empty(t, got.Topics)
				require.Equal(t, "a.*", got.TopicsRegex)
			}},
		{name: "OK: the status it has", change: ConnectTaskChange{Status: str(ConnectError)}},
		{name: "ErrBothTopicsAndRegex", change: ConnectTaskChange{Topics: &[]string{"a"}, TopicsRegex: str("b")}, code: EINVALID},
		{name: "ErrOtherPeer", change: ConnectTaskChange{Peer: ConnectPeerChange{InstanceID: str("other")}}, code: EINVALID},
		{name: "ErrBootstrapServers", change: ConnectTaskChange{Peer: ConnectPeerChange{BootstrapServers: &[]string{"127.0.0.1:9092"}}}, code: EINVALID},
		{name: "ErrPauseThroughStatus", change: ConnectTaskChange{Status: str(ConnectPaused)}, code: EINVALID},
		{name: "ErrStartWaitingThroughStatus", from: ConnectWaiting, change: ConnectTaskChange{Status: str(ConnectRunning)}, code: EINVALID},
		{name: "ErrWaitThroughStatus", change: ConnectTaskChange{Status: str(ConnectWaiting)}, code: EINVALID},
		{name: "OK: a waiting task's own status", from: ConnectWaiting, change: ConnectTaskChange{Status: str(ConnectWaiting)}},
		{name: "OK: the task's own login, as its answer gives it back", change: ConnectTaskChange{Name: str("mirror-3"),
			Peer: ConnectPeerChange{UserName: str("mirror"), SASLMechanism: str(MechanismPlain), Password: str("")}},
			check: func(t *testing.T, got *ConnectTask) {
				require.Equal(t, "mirror-3", got.Name)
				require.Equal(t, "Mirror-Pass1", got.Peer.Password, "the password is kept")
			}},
		{name: "ErrOtherUser", change: ConnectTaskChange{Peer: ConnectPeerChange{UserName: str("other")}}, code: EINVALID},
		{name: "ErrOtherPassword", change: ConnectTaskChange{Peer: ConnectPeerChange{Password: str("Other-Pass1")}}, code: EINVALID},
		{name: "ErrOtherMechanism", change: ConnectTaskChange{Peer: ConnectPeerChange{SASLMechanism: str(MechanismScramSHA512)}}, code: EINVALID},
		{name: "ErrTaskNum", change: ConnectTaskChange{Peer: ConnectPeerChange{TaskNum: num(21)}}, code: EINVALID},
		{name: "ErrTwoWaySyncWithoutRename", change: ConnectTaskChange{Peer: ConnectPeerChange{Direction: str(DirectionTwoWay),
			ProvenanceHeader: &yes, SyncConsumerOffsets: &yes, ClusterName: str("x"), CurrentClusterName: str("y")}}, code: EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			task := func() *ConnectTask {
				t := changedTask()
				if c.from != "" {
					t.Status = c.from
				}
				return t
			}
			orig := task()
			got, err := c.change.Apply(orig)
			require.Equal(t, task(), orig, "the task itself is not changed")
			if c.code != "" {
				require.Equal(t, c.code, ErrorCode(err), "%v", err)
				return
			}
			require.NoError(t, err)
			if c.check != nil {
				c.check(t, got)
			}
		})
	}
}
