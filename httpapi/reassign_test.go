package httpapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestParseExecuteAt(t *testing.T) {
	want := time.Date(2026, 11, 27, 6, 30, 0, 0, time.UTC)
	for _, s := range []string{"1795761000000", "20261127063000", "2026-11-27T06:30:00Z", "2026-11-27T14:30:00+08:00"} {
		got, err := parseExecuteAt(s)
		require.NoError(t, err, s)
		require.True(t, want.Equal(got), "%s: %s", s, got)
	}
	for _, s := range []string{"", "0", "-5", "tomorrow", "202611270630001", "20261327063000"} {
		_, err := parseExecuteAt(s)
		require.Equal(t, dmsd.EINVALIDTIME, dmsd.ErrorCode(err), s)
	}
}

func TestReassignRequestChecks(t *testing.T) {
	yes, no := true, false
	ms, zero, neg := int64(1795761000000), int64(0), int64(-1)
	for name, tc := range map[string]struct {
		body reassignRequest
		code string
	}{
		"estimate":            {reassignRequest{TimeEstimate: &yes}, ""},
		"schedule without at": {reassignRequest{IsSchedule: &yes}, dmsd.EINVALID},
		"at without schedule": {reassignRequest{IsSchedule: &no, ExecuteAt: &ms}, dmsd.EINVALID},
		"zero at":             {reassignRequest{IsSchedule: &yes, ExecuteAt: &zero}, dmsd.EINVALIDTIME},
		"negative throttle":   {reassignRequest{Throttle: &neg}, dmsd.EINVALID},
		"scheduled":           {reassignRequest{IsSchedule: &yes, ExecuteAt: &ms}, ""},
	} {
		req, err := reassignOf(&tc.body)
		require.Equal(t, tc.code, dmsd.ErrorCode(err), "%s: %v", name, err)
		if tc.code == "" && tc.body.ExecuteAt != nil {
			require.True(t, req.ExecuteAt.Equal(time.UnixMilli(ms)), name)
		}
	}
}
