package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// TestExpandedStorage checks the storage automatic growth asks for: the
// increment rounded up to the step, at least a step per broker, at most the
// maximum, and none when the maximum leaves no room.
func TestExpandedStorage(t *testing.T) {
	v := &dmsd.VolumeExpand{Enabled: true, Increment: 20, MaxSize: 1000}
	require.Equal(t, 400, expandedStorage(&dmsd.Instance{StorageSpace: 300, BrokerNum: 1}, v))
	require.Equal(t, 900, expandedStorage(&dmsd.Instance{StorageSpace: 600, BrokerNum: 3}, v))
	require.Equal(t, 1000, expandedStorage(&dmsd.Instance{StorageSpace: 800, BrokerNum: 1}, &dmsd.VolumeExpand{Increment: 100, MaxSize: 1000}))
	require.Zero(t, expandedStorage(&dmsd.Instance{StorageSpace: 900, BrokerNum: 3}, v))
}
