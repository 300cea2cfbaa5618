package dmsd_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestResolveZones(t *testing.T) {
	t.Parallel()
	a, b, c := dmsd.AvailabilityZones[0], dmsd.AvailabilityZones[1], dmsd.AvailabilityZones[2]
	for _, tc := range []struct {
		name   string
		ids    []string
		codes  []string
		want   []string
		errStr string
	}{
		{name: "ids", ids: []string{a.ID}, want: []string{a.ID}},
		{name: "codes", codes: []string{a.Code, b.Code, c.Code}, want: []string{a.ID, b.ID, c.ID}},
		{name: "both agree", ids: []string{b.ID}, codes: []string{b.Code}, want: []string{b.ID}},
		{name: "both differ", ids: []string{a.ID}, codes: []string{b.Code}, errStr: dmsd.EINVALIDAZ},
		{name: "unknown code", codes: []string{"cn-north-4a"}, errStr: dmsd.EAZNOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dmsd.ResolveZones(tc.ids, tc.codes)
			require.Equal(t, tc.errStr, dmsd.ErrorCode(err))
			if tc.errStr == "" {
				require.Equal(t, tc.want, got)
			}
		})
	}
}

func TestInstanceValidateOffer(t *testing.T) {
	t.Parallel()
	ids := make([]string, 0, len(dmsd.AvailabilityZones))
	for _, z := range dmsd.AvailabilityZones {
		ids = append(ids, z.ID)
	}
	for _, tc := range []struct {
		name   string
		change func(*dmsd.Instance)
		code   string
	}{
		{name: "OK", change: func(*dmsd.Instance) {}},
		{name: "three zones", change: func(i *dmsd.Instance) { i.AvailableZones = ids }},
		{name: "two zones", change: func(i *dmsd.Instance) { i.AvailableZones = ids[:2] }, code: dmsd.EINVALIDAZ},
		{name: "zone twice", change: func(i *dmsd.Instance) { i.AvailableZones = []string{ids[0], ids[1], ids[0]} }, code: dmsd.EINVALIDAZ},
		{name: "unknown zone", change: func(i *dmsd.Instance) { i.AvailableZones = []string{"az-1"} }, code: dmsd.EAZNOTFOUND},
		{name: "unknown product", change: func(i *dmsd.Instance) { i.ProductID = "p" }, code: dmsd.EINVALIDPRODUCT},
		{name: "unknown storage", change: func(i *dmsd.Instance) { i.StorageSpecCode = "ssd" }, code: dmsd.ESPECCODE},
		{name: "single with brokers", change: func(i *dmsd.Instance) { i.ProductID, i.BrokerNum = "c6.2u4g.single", 3 }, code: dmsd.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := &dmsd.Instance{AvailableZones: []string{dmsd.DefaultZoneID}, ProductID: "c6.2u4g.cluster",
				StorageSpecCode: "dms.physical.storage.ultra.v2", BrokerNum: 3}
			tc.change(inst)
			require.Equal(t, tc.code, dmsd.ErrorCode(inst.ValidateOffer()))
		})
	}
}
