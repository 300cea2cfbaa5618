package kafka

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestBrokerLineWithholdsCredentials(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	require.Equal(t, "2026-01-02T03:04:05.006Z [INF] client 127.0.0.1:1 request unable to be handled: EOF",
		brokerLine(at, kfake.LogLevelInfo, "client %s request unable to be handled: %v", "127.0.0.1:1", "EOF"))
	for _, msg := range []string{"bad PASSWORD=hunter2", "sasl handshake: %v", "SCRAM proof %v", "invalid token %v"} {
		line := brokerLine(at, kfake.LogLevelWarn, msg, "hunter2")
		require.NotContains(t, line, "hunter2", msg)
		require.Contains(t, line, "[WRN] (a line that may hold a credential was withheld)")
	}
}

func TestBrokerTapsUntap(t *testing.T) {
	t.Parallel()
	var taps brokerTaps
	var got []string
	untap := taps.add("i", func(l string) { got = append(got, l) })
	logger := kfakeLogger{logger: slog.New(slog.DiscardHandler), taps: &taps, instanceID: "i"}
	logger.Logf(kfake.LogLevelDebug, "one %d", 1)
	kfakeLogger{logger: slog.New(slog.DiscardHandler), taps: &taps, instanceID: "other"}.Logf(kfake.LogLevelDebug, "elsewhere")
	untap()
	untap() // Twice is fine.
	logger.Logf(kfake.LogLevelDebug, "two")
	require.Len(t, got, 1)
	require.Contains(t, got[0], "[DBG] one 1")
	require.Nil(t, taps.of("i"))
}
