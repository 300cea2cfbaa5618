package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// Steps read back as they were saved, whatever their status and times, and
// the steps of a finished task take a few bytes each.
func TestCompactSteps(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	at := func(ms int) time.Time { return created.Add(time.Duration(ms) * time.Millisecond) }
	finished := []dmsd.Step{
		{Name: "STOP_BROKERS", Status: dmsd.StepSuccess, StartedAt: at(12), EndedAt: at(12)},
		{Name: "START_BROKERS", Status: dmsd.StepSuccess, StartedAt: at(12), EndedAt: at(1500)},
		{Name: "CHECK_CLUSTER", Status: dmsd.StepFailed, StartedAt: at(1500), EndedAt: at(1501)},
	}
	data, err := encodeSteps(finished, created.UnixMilli())
	require.NoError(t, err)
	require.Equal(t, `[["STOP_BROKERS","S",12,0],["START_BROKERS","S",12,1488],["CHECK_CLUSTER","F",1500,1]]`, string(data))

	for _, steps := range [][]dmsd.Step{
		finished,
		{},
		{{Name: "A", Status: dmsd.StepExecuting, StartedAt: created}, {Name: "B", Status: dmsd.StepWaiting}},
		// Started before the record's creation (another replica's clock).
		{{Name: "A", Status: dmsd.StepSuccess, StartedAt: at(-3), EndedAt: at(4)}},
		// Neither form's codes: kept as an object.
		{{Name: "A", Status: "ODD", StartedAt: at(1)}, {Name: `"quoted"`, Status: dmsd.StepWaiting, EndedAt: at(2)}},
	} {
		data, err := encodeSteps(steps, created.UnixMilli())
		require.NoError(t, err)
		got, err := decodeSteps(data, created.UnixMilli())
		require.NoError(t, err)
		require.Equal(t, steps, got, string(data))
	}

	// What dmsd stored before this form reads as it was.
	got, err := decodeSteps([]byte(`[{"n":"A","s":"SUCCESS","b":1767323045010,"e":1767323045011},{"n":"B","s":"WAITING"}]`), created.UnixMilli())
	require.NoError(t, err)
	require.Equal(t, []dmsd.Step{{Name: "A", Status: dmsd.StepSuccess, StartedAt: at(4), EndedAt: at(5)}, {Name: "B", Status: dmsd.StepWaiting}}, got)
	// PostgreSQL's JSONB gives it back with spaces.
	got, err = decodeSteps([]byte(`[["A", "S", 4, 1], ["B", "W"]]`), created.UnixMilli())
	require.NoError(t, err)
	require.Equal(t, []dmsd.Step{{Name: "A", Status: dmsd.StepSuccess, StartedAt: at(4), EndedAt: at(5)}, {Name: "B", Status: dmsd.StepWaiting}}, got)

	for _, bad := range []string{`[["A"]]`, `[["A","Q"]]`, `[["A","S","x"]]`, `[["A","S",1,2,3]]`, `{`} {
		_, err := decodeSteps([]byte(bad), 0)
		require.Error(t, err, bad)
	}
}
