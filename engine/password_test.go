package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

var errInterrupted = errors.New("interrupted inside the password reset")

// ResetAccessPassword of the fake clusters stops as a dmsd that crashes
// inside the reset would, before the cluster has the new password.
func (g *gatedClusters) ResetAccessPassword(context.Context, *dmsd.Instance, string) error {
	g.count("reset-password")
	return errInterrupted
}

// A password reset saves the new password in the instance's record before
// it changes the cluster, so that a reset interrupted inside the cluster's
// change is completed by the cluster's next start from the record (kafka's
// TestAccessPasswordResetSurvivesInterruption), never leaving the cluster on
// a password no record holds.
func TestResetPasswordSavesTheRecordFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inst := b.createRunningSASL(t)

	err := b.engine.ResetPassword(b.ctx, b.actor, inst.ID, "Reset-Pass2")
	require.ErrorIs(t, err, errInterrupted)
	require.Equal(t, 1, b.clusters.Calls("reset-password"))
	got, err := b.db.FindInstance(b.ctx, b.actor.ProjectID, inst.ID)
	require.NoError(t, err)
	require.Equal(t, "Reset-Pass2", got.AccessPassword)
}
