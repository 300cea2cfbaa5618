package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dmsd bench with tiny settings prints its table: a header, one line per
// goal in a fixed order, each measured row with a median and a spread that
// parse as numbers, its goal and whether it is met, and the big list row
// marked as not measured without --big. The values themselves are not
// checked: they depend on the machine.
func TestBenchTable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"bench", "--dir", t.TempDir(), "--rounds", "2", "--duration", "50ms", "--idle-instances", "2",
		"--task-instances", "2", "--tasks-per-round", "2", "--list-small", "20", "--list-large", "200"},
		func(string) string { return "" }, &stdout, &stderr)
	require.NoError(t, err, stderr.String())

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	columns := regexp.MustCompile(`\s{2,}`)
	require.Equal(t, []string{"ROW", "VALUE", "SPREAD", "GOAL", "MET", "OF"}, columns.Split(strings.TrimSpace(lines[0]), -1))
	want := []struct {
		name     string
		measured bool
	}{
		{"signed task show ÷ /healthz (16 clients, signed ahead)", true},
		{"signed task show ÷ bare net/http server", true},
		{"windowed task list, 200 ÷ 20 records", true},
		{"windowed task list, 1,000,000 records on 100 instances ÷ 3,100", false},
		{"changeRetentionPolicy tasks/s on 2 instances ÷ bare River no-op jobs/s", true},
		{"write transactions per task", true},
		{"bytes per finished task record", true},
		{"RSS with 2 idle 3-broker embedded instances", true},
		{"create → RUNNING (3 brokers)", true},
	}
	require.GreaterOrEqual(t, len(lines), 1+len(want), stdout.String())
	spread := regexp.MustCompile(`^(min–max|p10–p90|one count) ([0-9.]+)–([0-9.]+)$`)
	goal := regexp.MustCompile(`^[≥≤] [0-9.]+( [A-Za-z]+)?$`)
	for i, w := range want {
		cols := columns.Split(strings.TrimSpace(lines[1+i]), -1)
		require.GreaterOrEqual(t, len(cols), 5, lines[1+i])
		require.Equal(t, w.name, cols[0])
		require.Regexp(t, goal, cols[3], w.name)
		if !w.measured {
			require.Equal(t, []string{"-", "-"}, cols[1:3], w.name)
			require.Equal(t, "not measured", cols[4], w.name)
			continue
		}
		value, err := strconv.ParseFloat(cols[1], 64)
		require.NoError(t, err, w.name)
		m := spread.FindStringSubmatch(cols[2])
		require.NotNil(t, m, "%s: spread %q", w.name, cols[2])
		lo, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err, w.name)
		hi, err := strconv.ParseFloat(m[3], 64)
		require.NoError(t, err, w.name)
		require.True(t, lo <= value && value <= hi && value > 0, "%s: %v not in %v–%v", w.name, value, lo, hi)
		require.Contains(t, []string{"met", "NOT MET"}, cols[4], w.name)
	}
}
