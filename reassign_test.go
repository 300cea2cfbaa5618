package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestReassignmentPlan(t *testing.T) {
	md := &dmsd.ClusterMetadata{
		Brokers: []int32{0, 1, 2},
		Topics: map[string]map[int32][]int32{
			"a": {0: {0, 1}, 1: {1, 2}, 2: {2, 0}},
			"b": {0: {0}},
		},
	}
	plan, err := md.Plan([]dmsd.Reassignment{
		{Topic: "a", Brokers: []int32{2, 0, 1}, ReplicationFactor: 3},
		{Topic: "b", Brokers: []int32{1}, Assignment: []dmsd.PartitionAssignment{{Partition: 0, Brokers: []int32{2}}}},
	})
	require.NoError(t, err)
	require.Equal(t, dmsd.PartitionPlan{
		"a": {0: {2, 0, 1}, 1: {0, 1, 2}, 2: {1, 2, 0}},
		"b": {0: {2}}, // An explicit assignment wins over brokers.
	}, plan)
	plan, err = md.Plan([]dmsd.Reassignment{{Topic: "a", Brokers: []int32{1, 2}}})
	require.NoError(t, err)
	require.Equal(t, dmsd.PartitionPlan{"a": {0: {1, 2}, 1: {2, 1}, 2: {1, 2}}}, plan, "the current replication factor by default")

	for name, tc := range map[string]struct {
		in   []dmsd.Reassignment
		code string
	}{
		"empty":                        {nil, dmsd.EINVALID},
		"no topic":                     {[]dmsd.Reassignment{{Brokers: []int32{0}}}, dmsd.EINVALID},
		"topic twice":                  {[]dmsd.Reassignment{{Topic: "b", Brokers: []int32{0}}, {Topic: "b", Brokers: []int32{1}}}, dmsd.EINVALID},
		"unknown topic":                {[]dmsd.Reassignment{{Topic: "c", Brokers: []int32{0}}}, dmsd.ENOTOPIC},
		"unknown broker":               {[]dmsd.Reassignment{{Topic: "b", Brokers: []int32{0, 7}}}, dmsd.EBROKERNOTFOUND},
		"unknown broker in assignment": {[]dmsd.Reassignment{{Topic: "b", Assignment: []dmsd.PartitionAssignment{{Partition: 0, Brokers: []int32{-1}}}}}, dmsd.EBROKERNOTFOUND},
		"broker twice":                 {[]dmsd.Reassignment{{Topic: "b", Brokers: []int32{1, 1}}}, dmsd.EINVALID},
		"unknown partition":            {[]dmsd.Reassignment{{Topic: "b", Assignment: []dmsd.PartitionAssignment{{Partition: 3, Brokers: []int32{0}}}}}, dmsd.EPARTITIONNOTFOUND},
		"empty assignment":             {[]dmsd.Reassignment{{Topic: "b", Assignment: []dmsd.PartitionAssignment{{Partition: 0}}}}, dmsd.EINVALID},
		"too many replicas":            {[]dmsd.Reassignment{{Topic: "b", Brokers: []int32{0, 1}, ReplicationFactor: 3}}, dmsd.EREPLICATION},
		"nothing to do":                {[]dmsd.Reassignment{{Topic: "b"}}, dmsd.EINVALID},
	} {
		_, err := md.Plan(tc.in)
		require.Equal(t, tc.code, dmsd.ErrorCode(err), "%s: %v", name, err)
	}
}
