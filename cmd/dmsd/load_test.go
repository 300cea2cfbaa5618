package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The load command runs against a live server, reports, and finds every
// invariant held.
func TestLoadCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir, "--rate-limit", "100000", "--metrics-listen", "127.0.0.1:0")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"load", "--endpoint", s.url, "--metrics", s.metricsURL, "--credentials", filepath.Join(dir, "test-credentials.json"),
		"--duration", "2s", "--clients", "4", "--instances", "2"}, func(string) string { return "" }, &out, &errOut)
	require.NoError(t, err, "%s\n%s", out.String(), errOut.String())
	require.Contains(t, out.String(), "all invariants held")
	require.Contains(t, out.String(), "list-tasks")
	require.Regexp(t, `total: \d+ requests in`, out.String())
	t.Log(out.String())
}
