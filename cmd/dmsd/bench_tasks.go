package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/dmsd/dmsd/engine/enginebench"
	"github.com/dmsd/dmsd/kafka"
	"github.com/dmsd/dmsd/sqlite"
)

// benchTasks measures the engine on SQLite with embedded clusters, as the
// engine's BenchmarkTaskThroughputRatio does (enginebench.Run):
// changeRetentionPolicy tasks per second on cfg.taskInstances instances,
// each running cfg.perRound tasks one after the other, over bare River no-op
// jobs per second, in cfg.rounds rounds that alternate their order. It also
// counts the write transactions per task, River's included, and the bytes a
// finished task record takes in the database.
func benchTasks(ctx context.Context, cfg benchConfig, dir string) ([]benchRow, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	logger := slog.New(slog.DiscardHandler)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "dmsd.db"), logger)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	clusters := &kafka.Clusters{Embedded: kafka.NewEmbedded(filepath.Join(dir, "kafka"), logger)}
	defer clusters.Embedded.Close()
	res, err := enginebench.Run(ctx, db, db.RiverDriver(), enginebench.Config{
		Clusters: clusters, Poll: sqlite.PollInterval, Instances: cfg.taskInstances, PerRound: cfg.perRound, Rounds: cfg.rounds,
		Wait: time.Minute, Writes: db.Commits,
	})
	if err != nil {
		return nil, err
	}
	records, payload, err := db.TaskRecordBytes(ctx)
	if err != nil {
		return nil, err
	}
	perRecord := float64(payload) / float64(max(records, 1))
	writes := res.WritesPerTask
	return []benchRow{
		ratioRow(fmt.Sprintf("changeRetentionPolicy tasks/s on %d instances ÷ bare River no-op jobs/s", cfg.taskInstances),
			roundRatios(res.TaskRates, res.JobRates), 0.70, true, fmt.Sprintf("%.0f ÷ %.0f /s", benchMedian(res.TaskRates), benchMedian(res.JobRates))),
		{name: "write transactions per task", value: benchMedian(writes), spreadLo: slices.Min(writes), spreadHi: slices.Max(writes),
			spreadName: "min–max", goal: 3, measuredFrom: "changeRetentionPolicy on SQLite, River's own writes included"},
		{name: "bytes per finished task record", value: perRecord, spreadLo: perRecord, spreadHi: perRecord, spreadName: "one count",
			goal: 300, unit: "B", measuredFrom: fmt.Sprintf("rows and index entries (dbstat) of %d records", records)},
	}, nil
}
