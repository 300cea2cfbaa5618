package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
)

func TestCLIGroups(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	cli := cliAgainst(s)
	inst := createInstance(t, s.client(0), "cli-groups", 1, false)
	id := *inst.InstanceId
	adm, _ := groupFixture(t, *inst.ConnectAddress+":"+strconv.Itoa(int(*inst.Port)))

	// The table and the JSON carry kadm's state and lag.
	table := cliMust(t, cli, "groups", "list", id)
	require.True(t, strings.HasPrefix(table, "GROUP "), table)
	requireColumn(t, table, "STATE", "billing", "Empty")
	requireColumn(t, table, "LAG", "billing", strconv.FormatInt(kadmLag(t, adm, "billing").Lag.Total(), 10))
	requireColumn(t, table, "STATE", "live", "Stable")
	var page client.GroupPage
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "groups", "list", "--json", "--instance", id)), &page))
	require.Equal(t, 2, page.Total)
	require.Equal(t, "billing", page.Groups[0].Name)
	require.Equal(t, kadmLag(t, adm, "billing").Lag.Total(), page.Groups[0].Lag)

	// One group, per partition, as kadm computes it.
	shown := cliMust(t, cli, "groups", "show", id, "billing")
	require.Contains(t, shown, "group billing: Empty")
	var detail client.GroupDetail
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "groups", "show", "--json", id, "billing")), &detail))
	lag := kadmLag(t, adm, "billing").Lag.Sorted()
	require.Len(t, detail.Offsets, len(lag))
	for i, o := range detail.Offsets {
		require.Equal(t, []int64{lag[i].Commit.At, lag[i].End.Offset, lag[i].Lag}, []int64{o.Committed, o.End, o.Lag})
	}
	require.NoError(t, json.Unmarshal([]byte(cliMust(t, cli, "groups", "show", "--json", id, "live")), &detail))
	require.Len(t, detail.Members, 1)
	require.Equal(t, "live-client", detail.Members[0].ClientID)

	// Reset, as a task followed to its end.
	stdout, stderr, err := cli("groups", "reset", id, "billing", "--offset", "0", "--wait")
	require.NoError(t, err, stderr)
	require.Regexp(t, cliTaskID, stdout)
	require.Contains(t, stderr, " SUCCESS 100%\n")
	require.Equal(t, int64(10), kadmLag(t, adm, "billing").Lag.Total(), "from the start, billing is behind by all 10 records")
	_, _, err = cli("groups", "reset", id, "live", "--time", "0")
	require.Equal(t, dmsd.EGROUPACTIVE, client.ErrorCode(err))
	_, _, err = cli("groups", "reset", id, "billing")
	require.ErrorContains(t, err, "give --offset or --time")

	// Delete: refused while members consume, then done.
	_, _, err = cli("groups", "delete", id, "live")
	require.Equal(t, dmsd.EGROUPACTIVE, client.ErrorCode(err))
	_, _, err = cli("groups", "delete", id, "nobody")
	require.Equal(t, dmsd.EGROUPNOTFOUND, client.ErrorCode(err))
	require.Equal(t, "deleted group billing\n", cliMust(t, cli, "groups", "delete", id, "billing"))
	require.Equal(t, []string{"live"}, kafkaGroups(t, adm))
	_, _, err = cli("groups", "show", id)
	require.ErrorContains(t, err, "missing group")
}

// TestCLIHelp lists every subcommand, with "help" and "--help" alike, and
// each one it lists runs.
func TestCLIHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"help", "--help", "-h"} {
		stdout, _, err := cliRun(cliNoEnv, arg)
		require.NoError(t, err)
		for _, c := range subcommands {
			require.Regexp(t, `(?m)^  `+c.name+` `, stdout, "dmsd %s lists %s", arg, c.name)
		}
	}
	for _, c := range []string{"instances", "tasks", "scheduled", "groups"} {
		_, stderr, err := cliRun(cliNoEnv, c, "help")
		require.NoError(t, err)
		require.Contains(t, stderr, "Usage: dmsd "+c+" COMMAND")
	}
	_, stderr, err := cliRun(cliNoEnv, "groups", "-h")
	require.NoError(t, err)
	for _, c := range []string{"list", "show", "reset", "delete"} {
		require.Contains(t, stderr, "  "+c+" ")
	}
}
