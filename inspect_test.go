package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestBrokerDiskCapacity(t *testing.T) {
	t.Parallel()
	parts := []dmsd.PartitionSize{{Topic: "a", Size: 300}, {Topic: "b", Size: 100}}
	for _, tc := range []struct {
		name          string
		total, usable int64
		size, used    int64
	}{
		{"a volume the broker reports", 10_000, 9_000, 10_000, 1_000},
		{"total is what the logs take, as kfake reports", 400, 32 << 30, 400 + 32<<30, 400},
		{"nothing reported", -1, -1, 0, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size, used := dmsd.BrokerDisk{Total: tc.total, Usable: tc.usable, Partitions: parts}.Capacity()
			require.Equal(t, tc.size, size)
			require.Equal(t, tc.used, used)
		})
	}
}

func TestDiskFilterSelect(t *testing.T) {
	t.Parallel()
	d := dmsd.BrokerDisk{Total: 1000, Usable: 0, Partitions: []dmsd.PartitionSize{
		{Topic: "small", Size: 10}, {Topic: "large", Size: 500}, {Topic: "mid", Partition: 1, Size: 100}, {Topic: "mid", Partition: 0, Size: 100},
	}}
	names := func(ps []dmsd.PartitionSize) (out []string) {
		for _, p := range ps {
			out = append(out, p.Topic)
		}
		return out
	}
	require.Equal(t, []string{"large", "mid", "mid", "small"}, names(dmsd.DiskFilter{}.Select(d)), "everything, largest first")
	require.Equal(t, int32(0), dmsd.DiskFilter{}.Select(d)[1].Partition, "equal sizes by partition")
	require.Equal(t, []string{"large", "mid"}, names(dmsd.DiskFilter{Top: 2}.Select(d)))
	require.Equal(t, []string{"large", "mid", "mid"}, names(dmsd.DiskFilter{MinSize: 100}.Select(d)))
	require.Equal(t, []string{"large"}, names(dmsd.DiskFilter{Percentage: 20}.Select(d)), "500 of 1000 bytes is 50%")
	require.Empty(t, dmsd.DiskFilter{Percentage: 1}.Select(dmsd.BrokerDisk{Total: -1, Usable: -1, Partitions: d.Partitions}), "no disk size, no percentage")
}
