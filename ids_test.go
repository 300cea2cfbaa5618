package dmsd_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// The id checks accept exactly what the id patterns of the API describe.
func TestValidIDs(t *testing.T) {
	t.Parallel()
	hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	good := dmsd.NewUUID()
	cases := []string{
		"", dmsd.NewID(), strings.ToUpper(dmsd.NewID()), dmsd.NewID()[:31], dmsd.NewID() + "0", "g" + dmsd.NewID()[1:],
		good, strings.ToUpper(good), good[:35], good + "a", strings.ReplaceAll(good, "-", "0"), strings.ReplaceAll(good, "-", ""),
		good[:8] + "0" + good[9:], good[:10] + "-" + good[11:], good[:35] + "\n", "00000000-0000-0000-0000-00000000000g",
		"\u00e9" + dmsd.NewID()[2:],
	}
	for _, s := range cases {
		require.Equal(t, hexID.MatchString(s), dmsd.ValidProjectID(s), "project id %q", s)
		require.Equal(t, hexID.MatchString(s), dmsd.ValidTaskID(s), "task id %q", s)
		require.Equal(t, uuid.MatchString(s), dmsd.ValidInstanceID(s), "instance id %q", s)
	}
	require.True(t, dmsd.ValidInstanceID(good))
	require.True(t, dmsd.ValidTaskID(dmsd.NewID()))
}
