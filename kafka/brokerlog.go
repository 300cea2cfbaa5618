package kafka

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/dmsd/dmsd"
)

var _ dmsd.BrokerLogSource = (*Embedded)(nil)

// TapBrokerLog calls sink with each line the brokers of inst log from now
// on, through restarts of its cluster, until untap is called. A line is
// kfake's message, prefixed with its time (UTC, milliseconds) and kfake's
// level (ERR, WRN, INF, DBG); a line that may hold a credential is replaced
// by a notice that one was withheld.
func (e *Embedded) TapBrokerLog(inst *dmsd.Instance, sink func(line string)) (untap func()) {
	return e.taps.add(inst.ID, sink)
}

// brokerTaps are the sinks of the brokers' lines, by instance. They are
// apart from the clusters because kfake logs while a cluster starts, under
// Embedded's lock, and because a tap outlives a restart of the cluster.
type brokerTaps struct {
	mu    sync.Mutex
	next  int
	sinks map[string]map[int]func(string)
}

func (t *brokerTaps) add(instanceID string, sink func(string)) func() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sinks == nil {
		t.sinks = map[string]map[int]func(string){}
	}
	if t.sinks[instanceID] == nil {
		t.sinks[instanceID] = map[int]func(string){}
	}
	t.next++
	n := t.next
	t.sinks[instanceID][n] = sink
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			delete(t.sinks[instanceID], n)
			if len(t.sinks[instanceID]) == 0 {
				delete(t.sinks, instanceID)
			}
		})
	}
}

// of returns the sinks of an instance, nil when none taps it.
func (t *brokerTaps) of(instanceID string) []func(string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []func(string)
	for _, s := range t.sinks[instanceID] {
		out = append(out, s)
	}
	return out
}

// withheldWords mark a line that may hold a credential: kfake logs request
// errors with their cause, and one of an authentication could quote what
// the client sent. Such a line is never passed on.
var withheldWords = []string{"password", "passwd", "secret", "credential", "token", "sasl", "scram", "plain", "auth"}

// brokerLine formats a kfake message as a tapped line, withholding one that
// may hold a credential.
func brokerLine(at time.Time, level kfake.LogLevel, msg string, args ...any) string {
	text := fmt.Sprintf(msg, args...)
	lower := strings.ToLower(text)
	for _, w := range withheldWords {
		if strings.Contains(lower, w) {
			text = "(a line that may hold a credential was withheld)"
			break
		}
	}
	return at.UTC().Format("2006-01-02T15:04:05.000Z") + " [" + level.String() + "] " + text
}
