package httpapi

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestParseTaskFilter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		query string
		want  dmsd.TaskFilter
		code  string
	}{
		{name: "defaults", query: "", want: dmsd.TaskFilter{Limit: 10}},
		{name: "offset", query: "offset=20&limit=100", want: dmsd.TaskFilter{Offset: 20, Limit: 100}},
		{name: "start is one-based", query: "start=1&limit=5", want: dmsd.TaskFilter{Offset: 0, Limit: 5}},
		{name: "times inclusive", query: "begin_time=20240102030405&end_time=20240102030405", want: dmsd.TaskFilter{
			Limit: 10,
			Begin: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
			End:   time.Date(2024, 1, 2, 3, 4, 5, 999_000_000, time.UTC),
		}},
		{name: "limit zero", query: "limit=0", code: dmsd.ELIMIT},
		{name: "limit over", query: "limit=101", code: dmsd.ELIMIT},
		{name: "limit word", query: "limit=ten", code: dmsd.EINVALID},
		{name: "limit float", query: "limit=1.5", code: dmsd.EINVALID},
		{name: "offset negative", query: "offset=-1", code: dmsd.EOFFSET},
		{name: "offset overflow", query: "offset=9223372036854775808", code: dmsd.EOFFSET},
		{name: "start zero", query: "start=0", code: dmsd.EOFFSET},
		{name: "both", query: "start=1&offset=0", code: dmsd.EINVALID},
		{name: "month 13", query: "begin_time=20241340000000", code: dmsd.EINVALIDTIME},
		{name: "february 30", query: "end_time=20240230000000", code: dmsd.EINVALIDTIME},
		{name: "with zone", query: "end_time=2024-01-01T00:00:00Z", code: dmsd.EINVALIDTIME},
		{name: "reversed", query: "begin_time=20240102000000&end_time=20240101000000", code: dmsd.EINVALIDTIME},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tc.query)
			require.NoError(t, err)
			got, err := parseTaskFilter(q)
			if tc.code != "" {
				require.Equal(t, tc.code, dmsd.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// FuzzParseTaskFilter checks that any query either parses into a filter the
// store can serve or is refused with a client error.
func FuzzParseTaskFilter(f *testing.F) {
	for _, seed := range []string{"", "offset=3&limit=7", "start=2", "begin_time=20240101000000&end_time=20241231235959", "limit=%00", "offset=1e3", "limit=+5"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got, err := parseTaskFilter(q)
		if err != nil {
			code := dmsd.ErrorCode(err)
			require.Contains(t, []string{dmsd.EINVALID, dmsd.ELIMIT, dmsd.EOFFSET, dmsd.EINVALIDTIME}, code)
			require.Equal(t, 400, statusOf[code])
			return
		}
		require.GreaterOrEqual(t, got.Offset, 0)
		require.LessOrEqual(t, got.Offset, maxTaskOffset)
		require.GreaterOrEqual(t, got.Limit, 1)
		require.LessOrEqual(t, got.Limit, maxTaskLimit)
		if !got.Begin.IsZero() && !got.End.IsZero() {
			require.False(t, got.End.Before(got.Begin))
		}
	})
}

// FuzzIDs checks the path id checks: an accepted id is exactly of the form
// the store issues, so no other string reaches a query.
func FuzzIDs(f *testing.F) {
	for _, seed := range []string{dmsd.NewID(), dmsd.NewUUID(), "../../etc/passwd", "' OR 1=1 --", "", "ABCDEF0123456789abcdef0123456789"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if checkTaskID(id) == nil {
			require.Regexp(t, `^[0-9a-f]{32}$`, id)
		} else {
			require.Equal(t, dmsd.EINVALIDTASKID, dmsd.ErrorCode(checkTaskID(id)))
		}
		if checkInstanceID(id) == nil {
			require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, id)
		} else {
			require.Equal(t, dmsd.EINVALIDINSTANCEID, dmsd.ErrorCode(checkInstanceID(id)))
		}
	})
}
