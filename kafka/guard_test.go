package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// A broker that the external cluster's metadata advertises is dialled only
// if the policy allows it at that moment: a cluster cannot lead dmsd to one
// of its own listeners.
func TestGuardedDialerChecksAdvertisedBrokers(t *testing.T) {
	t.Parallel()
	c, err := kfake.NewCluster(kfake.NumBrokers(2))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	ep, err := endpointOf(addrs)
	require.NoError(t, err)
	allow, err := dmsd.ParseAllowList("127.0.0.1")
	require.NoError(t, err)
	// The second broker's port stands for one of dmsd's own listeners.
	policy := &dmsd.AddressPolicy{Allow: allow, OwnPorts: func(context.Context) (map[int]bool, error) {
		return map[int]bool{ep.Ports[1]: true}, nil
	}}
	x := NewExternal(t.TempDir(), policy, nil)
	inst := &dmsd.Instance{ID: "guarded", External: &dmsd.ExternalCluster{BootstrapServers: addrs[:1]}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	n, err := x.kadmin.BrokerCount(ctx, inst)
	require.NoError(t, err, "the first broker answers the metadata")
	require.Equal(t, 2, n)
	adm, done, err := x.admin(inst)
	require.NoError(t, err)
	defer done()
	_, err = adm.DescribeBrokerConfigs(ctx, 0)
	require.NoError(t, err)
	_, err = adm.DescribeBrokerConfigs(ctx, 1)
	require.Error(t, err, "the advertised broker on a port of dmsd's own is never dialled")

	// Without a policy, nothing is dialled at all.
	open := NewExternal(t.TempDir(), nil, nil)
	_, err = open.kadmin.BrokerCount(ctx, inst)
	require.Error(t, err)

	// A plain client of the same cluster reaches the second broker: the
	// refusal above is the dialer's.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs[0]))
	require.NoError(t, err)
	defer cl.Close()
	_, err = kadm.NewClient(cl).DescribeBrokerConfigs(ctx, 1)
	require.NoError(t, err)
}
