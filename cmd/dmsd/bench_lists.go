package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dmsd/dmsd/sqlite"
)

// The big task list row: 1,000,000 records on 100 instances over 3,100 on as
// many (10,000 and 31 on each).
const (
	benchBigInstances = 100
	benchBigPer       = 10000
	benchBigSmallPer  = 31
)

// benchLists measures the first page of an instance's task list under a
// begin_time/end_time window covering all its records, on SQLite, with
// cfg.listLarge records over cfg.listSmall, and with --big 1,000,000 records
// on 100 instances over 3,100.
func benchLists(ctx context.Context, cfg benchConfig, dir string, progress func(string, ...any)) ([]benchRow, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	row, err := benchListRatio(ctx, cfg, dir, "one", 1, cfg.listSmall, cfg.listLarge)
	if err != nil {
		return nil, err
	}
	row.name = fmt.Sprintf("windowed task list, %s ÷ %s records", benchCount(cfg.listLarge), benchCount(cfg.listSmall))
	rows := []benchRow{row}
	bigName := fmt.Sprintf("windowed task list, %s records on %d instances ÷ %s", benchCount(benchBigInstances*benchBigPer), benchBigInstances, benchCount(benchBigInstances*benchBigSmallPer))
	if !cfg.big {
		return append(rows, benchRow{name: bigName, goal: 1.5, skipped: "needs --big"}), nil
	}
	progress("task list: building %s records on %d instances", benchCount(benchBigInstances*benchBigPer), benchBigInstances)
	row, err = benchListRatio(ctx, cfg, dir, "big", benchBigInstances, benchBigSmallPer, benchBigPer)
	if err != nil {
		return nil, err
	}
	row.name, row.goal = bigName, 1.5
	return append(rows, row), nil
}

// benchListRatio builds two fixtures of instances instances, with small and
// large records on each, and times the windowed first page of the first
// instance of each, one after the other, for cfg.duration per side (twice
// it in all) in each of cfg.rounds rounds. Its row is the median of the ratios of the pairs, with
// their 10th and 90th percentiles.
func benchListRatio(ctx context.Context, cfg benchConfig, dir, name string, instances, small, large int) (benchRow, error) {
	sf, err := sqlite.BuildTaskFixture(ctx, filepath.Join(dir, name+"-small.db"), instances, small)
	if err != nil {
		return benchRow{}, err
	}
	defer sf.DB.Close()
	lf, err := sqlite.BuildTaskFixture(ctx, filepath.Join(dir, name+"-large.db"), instances, large)
	if err != nil {
		return benchRow{}, err
	}
	defer lf.DB.Close()
	var ratios, smallNs, largeNs []float64
	for round := range cfg.rounds {
		end := time.Now().Add(2 * cfg.duration)
		for time.Now().Before(end) {
			a, b := sf, lf
			if round%2 == 1 {
				a, b = lf, sf // The large one first every other round.
			}
			an, bn, err := sqlite.TimeListPair(ctx, a, b, true)
			if err != nil {
				return benchRow{}, err
			}
			s, l := an, bn
			if round%2 == 1 {
				s, l = bn, an
			}
			smallNs, largeNs = append(smallNs, s), append(largeNs, l)
			ratios = append(ratios, l/s)
		}
	}
	return benchRow{value: benchMedian(ratios), spreadLo: benchPercentile(ratios, 0.1), spreadHi: benchPercentile(ratios, 0.9), spreadName: "p10–p90",
		goal: 2, measuredFrom: fmt.Sprintf("%.2f ÷ %.2f ms, %d pairs", benchMedian(largeNs)/1e6, benchMedian(smallNs)/1e6, len(ratios))}, nil
}

// benchCount formats n with thousands separators: 1,000,000.
func benchCount(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
