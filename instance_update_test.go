package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestInstanceUpdateApply(t *testing.T) {
	t.Parallel()
	inst := &dmsd.Instance{
		Name: "orders", Engine: "kafka", EngineVersion: "3.x", BrokerNum: 1, StorageSpace: 100,
		StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "p", VpcID: "v", SubnetID: "s",
		SecurityGroupID: "g", AvailableZones: []string{"az"}, RetentionPolicy: "time_base",
	}
	out, err := (&dmsd.InstanceUpdate{Name: new("orders-eu"), MaintainBegin: new("22:00:00"), MaintainEnd: new("02:00:00")}).Apply(inst)
	require.NoError(t, err)
	require.Equal(t, "orders-eu", out.Name)
	require.Equal(t, "orders", inst.Name, "Apply leaves the instance alone")
	_, err = (&dmsd.InstanceUpdate{Name: new("1x")}).Apply(inst)
	require.Equal(t, dmsd.EINVALIDNAME, dmsd.ErrorCode(err))
	_, err = (&dmsd.InstanceUpdate{MaintainEnd: new("02:00:00")}).Apply(inst)
	require.Equal(t, dmsd.EINVALIDWINDOW, dmsd.ErrorCode(err))
	_, err = (&dmsd.InstanceUpdate{RetentionPolicy: new("forever")}).Apply(inst)
	require.Equal(t, dmsd.EINVALID, dmsd.ErrorCode(err))
	out, err = (&dmsd.InstanceUpdate{SecurityGroupID: new("g2")}).Apply(inst)
	require.NoError(t, err)
	require.Equal(t, "g2", out.SecurityGroupID)
	_, err = (&dmsd.InstanceUpdate{SecurityGroupID: new("")}).Apply(inst)
	require.Equal(t, dmsd.EEMPTYSECGROUP, dmsd.ErrorCode(err))
}
