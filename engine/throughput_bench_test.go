package engine_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"

	"github.com/dmsd/dmsd/engine/enginebench"
	"github.com/dmsd/dmsd/postgres"
	"github.com/dmsd/dmsd/sqlite"
	"github.com/dmsd/dmsd/storetest"
)

// BenchmarkTaskThroughputRatio measures the engine's overhead: tasks of a
// cheap kind (changeRetentionPolicy, submitted as UpdateInstance does) per
// second, on 20 instances each running one task after the other, divided by
// bare River no-op jobs per second, 20 slots each inserting one job after
// the other, on the same River driver with the same number of workers, fetch
// cooldown and poll interval. The two alternate, in rounds of 20 tasks (jobs)
// per instance (slot); each iteration is one round of each. It reports the
// median ratio of the rounds with its min and max, the medians of both
// rates, and on SQLite the write transactions per task and the statements
// on the one write connection per task and per bare job, River's included
// (-v logs each round). Run it with:
//
//	go test ./engine/ -run '^$' -bench TaskThroughputRatio -benchtime 8x
//
// PostgreSQL runs when TEST_DATABASE_URL is set; both sides poll at
// postgres.PollInterval there, as serve's queue does.
func BenchmarkTaskThroughputRatio(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "dmsd.db"), slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchThroughput(b, db, db.RiverDriver(), sqlite.PollInterval, db.Commits, db.Statements)
	})
	b.Run("postgres", func(b *testing.B) {
		url := storetest.PostgresURL(b)
		db, err := postgres.Open(context.Background(), url, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchThroughput(b, db, db.RiverDriver(), postgres.PollInterval, nil, nil)
	})
}

func benchThroughput[TTx any](b *testing.B, db enginebench.DB, driver riverdriver.Driver[TTx], poll time.Duration, writes, statements func() uint64) {
	clusters := newGatedClusters()
	clusters.release()
	res, err := enginebench.Run(context.Background(), db, driver, enginebench.Config{
		Clusters: clusters, Poll: poll, Instances: 20, PerRound: 20, Rounds: b.N, Wait: 30 * time.Second,
		Writes: writes, Statements: statements, Logf: b.Logf,
	})
	if err != nil {
		b.Fatal(err)
	}
	ratios := make([]float64, len(res.TaskRates))
	for i := range ratios {
		ratios[i] = res.TaskRates[i] / res.JobRates[i]
	}
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
	b.ReportMetric(slices.Max(ratios), "ratio-max")
	b.ReportMetric(median(res.TaskRates), "tasks/s")
	b.ReportMetric(median(res.JobRates), "jobs/s")
	if writes != nil {
		b.ReportMetric(median(res.WritesPerTask), "writes/task")
	}
	if statements != nil {
		b.ReportMetric(median(res.StatementsPerTask), "stmts/task")
		b.ReportMetric(median(res.StatementsPerJob), "stmts/job")
	}
	b.ReportMetric(0, "ns/op")
}

// median returns the median of values, sorting them.
func median(values []float64) float64 {
	slices.Sort(values)
	n := len(values)
	if n%2 == 1 {
		return values[n/2]
	}
	return (values[n/2-1] + values[n/2]) / 2
}
