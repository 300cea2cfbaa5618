package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// TestCrossVPCInfo checks the cross_vpc_info the Terraform provider waits
// for: one entry per broker, keyed distinctly although embedded brokers share
// 127.0.0.1, for running instances only.
func TestCrossVPCInfo(t *testing.T) {
	t.Parallel()
	type entry struct {
		AdvertisedIP string `json:"advertised_ip"`
		Port         int    `json:"port"`
		PortID       string `json:"port_id"`
	}
	parse := func(s string) map[string]entry {
		var m map[string]entry
		require.NoError(t, json.Unmarshal([]byte(s), &m))
		return m
	}
	embedded := &dmsd.Instance{Status: dmsd.InstanceRunning, BrokerNum: 2, Ports: []int{9092, 9093}}
	m := parse(toInstanceJSON(embedded).CrossVpcInfo)
	require.Len(t, m, 2)
	require.Equal(t, entry{AdvertisedIP: "127.0.0.1", Port: 9093, PortID: "broker-1"}, m["127.0.0.1:9093"])

	embedded.Status = dmsd.InstanceCreating
	require.Empty(t, toInstanceJSON(embedded).CrossVpcInfo)

	external := &dmsd.Instance{Status: dmsd.InstanceRunning, BrokerNum: 2,
		External: &dmsd.ExternalCluster{BootstrapServers: []string{"kafka-a:9092", "kafka-b:9093"}}}
	m = parse(toInstanceJSON(external).CrossVpcInfo)
	require.Equal(t, "kafka-b", m["kafka-b:9093"].AdvertisedIP)
	require.Len(t, m, 2)
}
