package dmsd_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// find returns the named item of dims.
func find(t *testing.T, dims []dmsd.DiagnosisDimension, name string) dmsd.DiagnosisItem {
	t.Helper()
	for _, d := range dims {
		for _, it := range d.Items {
			if it.Name == name {
				return it
			}
		}
	}
	t.Fatalf("no item %s", name)
	return dmsd.DiagnosisItem{}
}

func TestDiagnose(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 0)
	sample := func(at time.Time, members map[string][]int32, parts ...dmsd.PartitionSample) *dmsd.GroupSample {
		return &dmsd.GroupSample{At: at, State: "Stable", Members: members, Partitions: parts, Brokers: 3}
	}

	t.Run("SlowPartitionAndLeaderSkew", func(t *testing.T) {
		t.Parallel()
		members := map[string][]int32{"a": {0}, "b": {1}}
		first := sample(at, members, dmsd.PartitionSample{Partition: 0, Leader: 1, End: 100, Committed: 50}, dmsd.PartitionSample{Partition: 1, Leader: 2, End: 100, Committed: 100})
		second := sample(at.Add(time.Second), members, dmsd.PartitionSample{Partition: 0, Leader: 1, End: 200, Committed: 50}, dmsd.PartitionSample{Partition: 1, Leader: 2, End: 150, Committed: 150})
		dims, lagging := dmsd.Diagnose(first, second)
		require.Equal(t, 1, lagging)
		slow := find(t, dims, dmsd.ItemSlowPartition)
		require.Equal(t, dmsd.ResultAbnormal, slow.Result)
		require.Equal(t, []int32{0}, slow.Partitions)
		burst := find(t, dims, dmsd.ItemProductionBursts)
		require.Equal(t, dmsd.ResultAbnormal, burst.Result)
		require.Equal(t, "150.0", burst.CauseIDs[0].Params["produce_rate"])
		require.Equal(t, dmsd.ResultNormal, find(t, dims, dmsd.ItemAssignment).Result)
		require.Equal(t, dmsd.ResultNormal, find(t, dims, dmsd.ItemLeaderBalance).Result, "one lagging partition says nothing of its leader")
	})

	t.Run("LeadersOfLaggingPartitionsOnOneBroker", func(t *testing.T) {
		t.Parallel()
		parts := []dmsd.PartitionSample{{Partition: 0, Leader: 1, End: 10, Committed: 0}, {Partition: 1, Leader: 1, End: 10, Committed: 0}, {Partition: 2, Leader: 2, End: 0, Committed: 0}}
		dims, lagging := dmsd.Diagnose(sample(at, map[string][]int32{}, parts...), sample(at.Add(time.Second), map[string][]int32{}, parts...))
		require.Equal(t, 2, lagging)
		skew := find(t, dims, dmsd.ItemLeaderBalance)
		require.Equal(t, dmsd.ResultAbnormal, skew.Result)
		require.Equal(t, []int32{1}, skew.BrokerIDs)
		require.Equal(t, dmsd.CauseNoConsumers, find(t, dims, dmsd.ItemConsumerOnline).CauseIDs[0].ID)
	})

	t.Run("HealthyGroup", func(t *testing.T) {
		t.Parallel()
		members := map[string][]int32{"a": {0}, "b": {1}}
		parts := []dmsd.PartitionSample{{Partition: 0, Leader: 1, End: 10, Committed: 10}, {Partition: 1, Leader: 2, End: 10, Committed: 10}}
		dims, lagging := dmsd.Diagnose(sample(at, members, parts...), sample(at.Add(time.Second), members, parts...))
		require.Zero(t, lagging)
		for _, d := range dims {
			require.Zero(t, d.AbnormalNum, d.Name)
		}
	})
}
