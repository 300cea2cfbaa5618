package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// benchIdleSamples is how many times the idle server's resident memory is
// read, a second apart.
const benchIdleSamples = 3

// benchIdle creates cfg.idleInstances embedded 3-broker instances on a fresh
// dmsd in this process, one after the other, timing each from the create
// call to the first ShowInstance answering RUNNING (polled without pause),
// and then reads the process's resident memory with all of them idle. The
// bench has done nothing else yet, so the memory is the server's and its
// clusters'.
func benchIdle(ctx context.Context, cfg benchConfig, dir string, stderr io.Writer) ([]benchRow, error) {
	n := cfg.idleInstances
	d, err := startBenchDMSD(ctx, dir, stderr, "--max-instances-per-project", strconv.Itoa(n), "--max-brokers-per-project", strconv.Itoa(3*n))
	if err != nil {
		return nil, err
	}
	defer d.stop()
	c := d.client()
	var ms []float64
	for i := range n {
		_, took, err := createRunning(ctx, c, fmt.Sprintf("bench-idle-%d", i), 3, time.Minute)
		if err != nil {
			return nil, err
		}
		ms = append(ms, float64(took)/float64(time.Millisecond))
	}
	createRow := benchRow{name: "create → RUNNING (3 brokers)", value: benchMedian(ms), spreadLo: benchPercentile(ms, 0.1), spreadHi: benchPercentile(ms, 0.9),
		spreadName: "p10–p90", goal: 100, unit: "ms", measuredFrom: fmt.Sprintf("%d creates, one after the other", n)}
	rssRow := benchRow{name: fmt.Sprintf("RSS with %d idle 3-broker embedded instances", n), goal: 64, unit: "MiB"}

	// What the runtime's periodic collection does to an idle server, at
	// once: the creations' garbage is not what idle instances hold.
	runtime.GC()
	var rss []float64
	for i := range benchIdleSamples {
		if i > 0 {
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		kb, err := processRSSKiB()
		if err != nil {
			rssRow.skipped = err.Error()
			return []benchRow{rssRow, createRow}, nil
		}
		rss = append(rss, float64(kb)/1024)
	}
	rssRow.value, rssRow.spreadLo, rssRow.spreadHi, rssRow.spreadName = benchMedian(rss), slices.Min(rss), slices.Max(rss), "min–max"
	rssRow.measuredFrom = fmt.Sprintf("VmRSS of the process, %d samples 1 s apart after one GC", benchIdleSamples)
	return []benchRow{rssRow, createRow}, nil
}

// processRSSKiB returns this process's resident memory in KiB, from
// /proc/self/status (Linux), or an error saying it could not be read.
func processRSSKiB() (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("no /proc/self/status: %w", err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}
