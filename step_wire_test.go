package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestStepStatusWire(t *testing.T) {
	t.Parallel()
	for stored, wire := range map[dmsd.StepStatus]string{
		dmsd.StepWaiting: "WAITING", dmsd.StepExecuting: "IN_PROGRESS", dmsd.StepSuccess: "COMPLETED", dmsd.StepFailed: "FAILED",
	} {
		require.Equal(t, wire, stored.Wire())
		require.Equal(t, stored, dmsd.StepStatusFromWire(wire))
	}
}
