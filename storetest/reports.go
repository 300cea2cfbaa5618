package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func exerciseReports(t *testing.T, newStore func(t *testing.T) dmsd.Store) {
	t.Run("DiagnosisReportsLifecycle", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		reports := b.store
		p, i := b.inst.ProjectID, b.inst.ID
		begin := dmsd.Now()
		var ids []string
		for n := range 3 {
			r := &dmsd.DiagnosisReport{ID: dmsd.NewUUID(), ProjectID: p, InstanceID: i, Group: "g", Topic: "t",
				Status: dmsd.ReportDiagnosing, BeginTime: begin.Add(time.Duration(n) * time.Second)}
			require.NoError(t, reports.InsertReport(b.ctx, r))
			ids = append(ids, r.ID)
		}
		orphan := &dmsd.DiagnosisReport{ID: dmsd.NewUUID(), ProjectID: p, InstanceID: dmsd.NewUUID(), BeginTime: begin}
		requireCode(t, reports.InsertReport(b.ctx, orphan), dmsd.EINSTANCENOTFOUND)

		r, err := reports.FindReport(b.ctx, p, i, ids[0])
		require.NoError(t, err)
		require.Equal(t, dmsd.ReportDiagnosing, r.Status)
		require.True(t, r.EndTime.IsZero())
		r.Status, r.EndTime, r.AccumulatedPartitions = dmsd.ReportAbnormal, begin.Add(time.Minute), 2
		r.Dimensions = []dmsd.DiagnosisDimension{{Name: dmsd.DimensionConsumer, AbnormalNum: 1, Items: []dmsd.DiagnosisItem{
			{Name: dmsd.ItemConsumerOnline, Result: dmsd.ResultAbnormal, CauseIDs: []dmsd.DiagnosisReason{{ID: dmsd.CauseNoConsumers, Params: map[string]string{"state": "Empty"}}}, Partitions: []int32{0, 1}},
		}}}
		require.NoError(t, reports.UpdateReport(b.ctx, r))
		got, err := reports.FindReport(b.ctx, p, i, ids[0])
		require.NoError(t, err)
		require.Equal(t, r.Dimensions, got.Dimensions)
		require.Equal(t, r.EndTime.UnixMilli(), got.EndTime.UnixMilli())
		require.Equal(t, 2, got.AccumulatedPartitions)

		page, total, err := reports.ListReports(b.ctx, p, i, 2, 0)
		require.NoError(t, err)
		require.Equal(t, 3, total)
		require.Equal(t, []string{ids[2], ids[1]}, []string{page[0].ID, page[1].ID}, "newest first")
		_, _, err = reports.ListReports(b.ctx, "other", i, 2, 0)
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)

		deleted, err := reports.DeleteReport(b.ctx, p, i, ids[1])
		require.NoError(t, err)
		require.True(t, deleted)
		deleted, err = reports.DeleteReport(b.ctx, p, i, ids[1])
		require.NoError(t, err)
		require.False(t, deleted)
		_, err = reports.FindReport(b.ctx, p, i, ids[1])
		requireCode(t, err, dmsd.EREPORTNOTFOUND)
		requireCode(t, reports.UpdateReport(b.ctx, &dmsd.DiagnosisReport{ID: ids[1], BeginTime: begin}), dmsd.EREPORTNOTFOUND)

		// An instance's reports go with it.
		require.NoError(t, b.store.DeleteInstance(b.ctx, i))
		_, err = reports.FindReport(b.ctx, p, i, ids[0])
		requireCode(t, err, dmsd.EINSTANCENOTFOUND)
	})
}
