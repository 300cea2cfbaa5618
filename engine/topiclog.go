package engine

import (
	"context"
	"sync"
	"time"

	"github.com/dmsd/dmsd"
)

// defaultBrokerLogFile is the log file a log of the brokers' lines names
// when the request names none.
const defaultBrokerLogFile = "server.log"

// Task kinds that turn an instance's log of the brokers' own lines on and
// off. Neither changes the instance's status.
var (
	kafkaTopicLogStart = &Kind[logParams]{
		Name:  "kafkaTopicLogStart",
		Waits: true,
		From:  running,
		Steps: []Step[logParams]{{Name: "START_TOPIC_LOG", Run: startTopicLog}},
	}
	kafkaTopicLogStop = &Kind[instanceParams]{
		Name:  "kafkaTopicLogStop",
		Waits: true,
		Steps: []Step[instanceParams]{instanceStep[instanceParams]("STOP_TOPIC_LOG", stopTopicLog)},
	}
)

// startTopicLog turns the log of the brokers' lines on, or finds it on. The
// brokers are tapped before the step ends, so that a line logged once the
// task has succeeded is recorded.
func startTopicLog(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *logParams) error {
	src, ok := d.cluster.(dmsd.BrokerLogSource)
	if !ok {
		return errNoBrokerLog()
	}
	return d.logs.open(ctx, inst, dmsd.LogTypeTopic, p.FileName, func(_ context.Context, l *dmsd.InstanceLog) (func(context.Context), error) {
		return d.logs.tapBrokers(src, inst, l), nil
	})
}

// stopTopicLog turns the log off and returns once it no longer records.
func stopTopicLog(ctx context.Context, d *deps, inst *dmsd.Instance) error {
	return d.logs.close(ctx, inst, dmsd.LogTypeTopic)
}

func errNoBrokerLog() error {
	return dmsd.Errorf(dmsd.ENOBROKERLOG, "The brokers' own logs are collected only from instances whose brokers dmsd runs; an external cluster's brokers log where they run.")
}

// tapBrokers taps the brokers of inst now and returns the collector of log:
// each poll it appends the lines tapped since the last one, the newest
// dmsd.MaxLogLines, until ctx ends or the log is stopped or gone.
func (l *instanceLogs) tapBrokers(src dmsd.BrokerLogSource, inst *dmsd.Instance, log *dmsd.InstanceLog) func(context.Context) {
	buf := &lineBuffer{max: dmsd.MaxLogLines}
	untap := src.TapBrokerLog(inst, buf.add)
	return func(ctx context.Context) {
		defer untap()
		t := time.NewTicker(l.poll)
		defer t.Stop()
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			lines := buf.take()
			on, err := l.logs.AppendLog(ctx, log.ID, l.replica, dmsd.Now(), lines, dmsd.MaxLogLines)
			switch {
			case err == nil && !on:
				return // Stopped, here or on another replica, gone, or taken over.
			case err != nil && ctx.Err() == nil:
				buf.putBack(lines) // Retried at the next poll.
				l.logger.Debug("broker log: lines not saved; retried at the next poll", "instance_id", log.InstanceID, "error", err)
			}
		}
	}
}

// lineBuffer holds the lines tapped between two polls, the newest max: a
// tap must not block the broker that logs.
type lineBuffer struct {
	max   int
	mu    sync.Mutex
	lines []string
}

func (b *lineBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, line)
	if over := len(b.lines) - b.max; over > b.max {
		// Dropped in bulk, not one by one, so that a burst costs no more
		// than copying once per max lines.
		b.lines = append(b.lines[:0], b.lines[over:]...)
	}
}

// take returns the newest max lines and empties the buffer.
func (b *lineBuffer) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.lines
	if over := len(out) - b.max; over > 0 {
		out = out[over:]
	}
	b.lines = nil
	return out
}

// putBack puts lines that were not saved before the lines tapped since.
func (b *lineBuffer) putBack(lines []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(append([]string(nil), lines...), b.lines...)
	if over := len(b.lines) - b.max; over > 0 {
		b.lines = b.lines[over:]
	}
}
