package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dmsd/dmsd"
)

// Benchmarks of ListTasks on instances with many task records. Run them with:
//
//	go test ./sqlite/ -run LargeInstance -bench ListTasks
//
// The fixtures are built once per test process (benchFixture) and shared by
// the benchmarks and TestListTasksLargeInstance.

// benchTaskSpacing is the time between two consecutive tasks of a fixture,
// except that tasks come in pairs created in the same millisecond, so that
// the seq tie-break of the newest-first order is exercised: a fixture of n
// tasks spans n/2 × benchTaskSpacing, about 5.8 days for 100,000.
const benchTaskSpacing = 10 * time.Second

// benchTaskFixture is a database holding one instance with n finished tasks.
// Task i (0-based) is the (i+1)-th newest: ids[i] is its id and createdAt(i)
// its creation time.
type benchTaskFixture struct {
	db     *DB
	inst   *dmsd.Instance
	ids    []string
	newest time.Time
}

func (f *benchTaskFixture) createdAt(i int) time.Time {
	return f.newest.Add(-time.Duration(i/2) * benchTaskSpacing)
}

func (f *benchTaskFixture) filter() dmsd.TaskFilter {
	return dmsd.TaskFilter{ProjectID: f.inst.ProjectID, InstanceID: f.inst.ID, Limit: 10}
}

// fixtureDir holds the fixtures of this test process; TestMain removes it.
var fixtureDir string

func TestMain(m *testing.M) {
	var err error
	if fixtureDir, err = os.MkdirTemp("", "dmsd-sqlite-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(fixtureDir)
	os.Exit(code)
}

var benchFixtures struct {
	mu  sync.Mutex
	byN map[int]*benchTaskFixture
}

// benchFixture returns the fixture with n tasks. Fixtures are built once per
// test process and shared, as building 100,000 tasks takes a few seconds; they
// are only read.
func benchFixture(tb testing.TB, n int) *benchTaskFixture {
	tb.Helper()
	benchFixtures.mu.Lock()
	defer benchFixtures.mu.Unlock()
	if f, ok := benchFixtures.byN[n]; ok {
		return f
	}
	start := time.Now()
	f, err := buildBenchTaskFixture(context.Background(), filepath.Join(fixtureDir, fmt.Sprintf("tasks-%d.db", n)), n)
	if err != nil {
		tb.Fatalf("build fixture of %d tasks: %v", n, err)
	}
	tb.Logf("built fixture of %d tasks in %v", n, time.Since(start).Round(time.Millisecond))
	if benchFixtures.byN == nil {
		benchFixtures.byN = make(map[int]*benchTaskFixture)
	}
	benchFixtures.byN[n] = f
	return f
}

// buildBenchTaskFixture creates a database at path with one RUNNING instance and n
// finished tasks on it, oldest first as they would have been recorded, in one
// transaction through the write connection, and sets the instance's
// task_count as SubmitTask keeps it.
func buildBenchTaskFixture(ctx context.Context, path string, n int) (*benchTaskFixture, error) {
	db, err := Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	newest := time.Now().UTC().Truncate(time.Millisecond)
	f := &benchTaskFixture{
		db: db,
		inst: &dmsd.Instance{
			ID: dmsd.NewUUID(), ProjectID: dmsd.NewID(), Name: "many-tasks", Engine: "kafka", EngineVersion: "3.x",
			BrokerNum: 3, StorageSpace: 300, StorageSpecCode: "dms.physical.storage.ultra.v2", ProductID: "c6.2u4g.cluster",
			VpcID: "vpc-1", SubnetID: "subnet-1", SecurityGroupID: "sg-1", AvailableZones: []string{"az-1"},
			RetentionPolicy: "time_base", Status: dmsd.InstanceRunning, UserID: dmsd.NewID(), UserName: "alice",
			Ports: []int{9092, 9093, 9094}, CreatedAt: newest.Add(-time.Duration(n/2+1) * benchTaskSpacing),
		},
		ids:    make([]string, n),
		newest: newest,
	}
	for i := range f.ids {
		f.ids[i] = dmsd.NewID()
	}
	// A page cache that holds the whole transaction, so that SQLite does not
	// spill pages to the WAL midway; put back to the default afterwards.
	if _, err := db.write.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
		db.Close()
		return nil, err
	}
	err = inWriteTx(ctx, db, func(tx *sql.Tx) error {
		data, err := json.Marshal(f.inst)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO instances (id, project_id, status, data, created_ms) VALUES (?, ?, ?, ?, ?)`,
			f.inst.ID, f.inst.ProjectID, f.inst.Status, data, f.inst.CreatedAt.UnixMilli()); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO tasks (id, project_id, instance_id, name, user_id, user_name, params, status, reason, steps, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		params := fmt.Sprintf(`{"instance_id":%q}`, f.inst.ID)
		for i := n - 1; i >= 0; i-- {
			created := f.createdAt(i)
			steps, err := json.Marshal([]dmsd.Step{
				{Name: "STOP_BROKERS", Status: dmsd.StepSuccess, StartedAt: created.Add(5 * time.Millisecond), EndedAt: created.Add(10 * time.Millisecond)},
				{Name: "START_BROKERS", Status: dmsd.StepSuccess, StartedAt: created.Add(10 * time.Millisecond), EndedAt: created.Add(30 * time.Millisecond)},
				{Name: "CHECK_CLUSTER", Status: dmsd.StepSuccess, StartedAt: created.Add(30 * time.Millisecond), EndedAt: created.Add(35 * time.Millisecond)},
			})
			if err != nil {
				return err
			}
			_, err = stmt.ExecContext(ctx, f.ids[i], f.inst.ProjectID, f.inst.ID, "restartInstance", f.inst.UserID, f.inst.UserName,
				params, dmsd.TaskSuccess, "", steps, created.UnixMilli(), created.Add(35*time.Millisecond).UnixMilli())
			if err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE instances SET task_count = ? WHERE id = ?`, n, f.inst.ID)
		return err
	})
	if err == nil {
		_, err = db.write.ExecContext(ctx, `PRAGMA cache_size = -2000`)
	}
	if err == nil {
		// Everything into the database file, as a long-running dmsd's
		// checkpoints leave it, and no large WAL file left behind.
		_, err = db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	// No ANALYZE: dmsd never runs it, so the planner works without
	// statistics here as it does in production.
	if err != nil {
		db.Close()
		return nil, err
	}
	return f, nil
}

// inWriteTx runs fn in a transaction on db's write connection.
func inWriteTx(ctx context.Context, db *DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// BenchmarkListTasks measures the first page (offset 0, limit 10, newest
// first) of an instance's tasks, with 1,000 and 100,000 task records on the
// instance, and with 100,000 under a begin_time/end_time filter covering the
// newest hour (722 tasks), which counts the matching rows instead of reading
// instances.task_count.
func BenchmarkListTasks(b *testing.B) {
	ctx := context.Background()
	hour := func(f *benchTaskFixture) dmsd.TaskFilter {
		filter := f.filter()
		filter.Begin, filter.End = f.newest.Add(-time.Hour), f.newest
		return filter
	}
	all := func(f *benchTaskFixture) dmsd.TaskFilter {
		filter := f.filter()
		filter.Begin, filter.End = f.createdAt(len(f.ids)-1), f.newest
		return filter
	}
	for _, bc := range []struct {
		name      string
		n         int
		filter    func(f *benchTaskFixture) dmsd.TaskFilter
		wantCount func(f *benchTaskFixture) int
	}{
		{"tasks=1000", 1000, (*benchTaskFixture).filter, func(f *benchTaskFixture) int { return len(f.ids) }},
		{"tasks=100000", 100000, (*benchTaskFixture).filter, func(f *benchTaskFixture) int { return len(f.ids) }},
		{"tasks=100000/time-filtered", 100000, hour, func(f *benchTaskFixture) int { return int(time.Hour/benchTaskSpacing)*2 + 2 }},
		// The whole range given as a filter: the count visits every row.
		{"tasks=100000/time-filtered-all", 100000, all, func(f *benchTaskFixture) int { return len(f.ids) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := benchFixture(b, bc.n)
			filter := bc.filter(f)
			tasks, count, err := f.db.ListTasks(ctx, filter)
			if err != nil {
				b.Fatal(err)
			}
			if want := bc.wantCount(f); count != want || len(tasks) != 10 || tasks[0].ID != f.ids[0] {
				b.Fatalf("count %d (want %d), %d tasks, want 10 starting with %s", count, want, len(tasks), f.ids[0])
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := f.db.ListTasks(ctx, filter); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListTasksRatio measures the first page with 1,000 and with 100,000
// tasks alternately, one call of each per iteration, unfiltered and under a
// begin_time/end_time window covering every record, and reports the median
// time of each and the median of the per-iteration ratios ("ratio" and
// "window-ratio", 100,000 over 1,000; the target is at most 2) with their
// spread (the 10th and 90th percentiles, "-p10", "-p90"). ns/op is the time
// of the four calls.
func BenchmarkListTasksRatio(b *testing.B) {
	ctx := context.Background()
	small, large := benchFixture(b, 1000), benchFixture(b, 100000)
	window := func(f *benchTaskFixture) dmsd.TaskFilter {
		filter := f.filter()
		filter.Begin, filter.End = f.createdAt(len(f.ids)-1), f.newest
		return filter
	}
	var ns [4][]float64 // small, large, small windowed, large windowed
	for b.Loop() {
		for i, call := range []struct {
			f      *benchTaskFixture
			filter dmsd.TaskFilter
		}{{small, small.filter()}, {large, large.filter()}, {small, window(small)}, {large, window(large)}} {
			start := time.Now()
			if _, _, err := call.f.db.ListTasks(ctx, call.filter); err != nil {
				b.Fatal(err)
			}
			ns[i] = append(ns[i], float64(time.Since(start).Nanoseconds()))
		}
	}
	b.ReportMetric(benchMedian(ns[0]), "ns/list-1000")
	b.ReportMetric(benchMedian(ns[1]), "ns/list-100000")
	b.ReportMetric(benchMedian(ns[3]), "ns/window-100000")
	reportRatio(b, "ratio", ns[1], ns[0])
	reportRatio(b, "window-ratio", ns[3], ns[2])
}

// reportRatio reports the median of the ratios num[i]/den[i], measured side
// by side in iteration i, and their 10th and 90th percentiles.
func reportRatio(b *testing.B, name string, num, den []float64) {
	rs := make([]float64, 0, len(num))
	for i := range num {
		if den[i] > 0 {
			rs = append(rs, num[i]/den[i])
		}
	}
	if len(rs) == 0 {
		return
	}
	slices.Sort(rs)
	b.ReportMetric(benchMedian(rs), name)
	b.ReportMetric(rs[len(rs)/10], name+"-p10")
	b.ReportMetric(rs[len(rs)*9/10], name+"-p90")
}

func benchMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// TestListTasksLargeInstance checks the pages of an instance with 100,000
// task records: the first page is the 10 newest, newest first, the count is
// the whole number, a page deep inside is where it should be, and the last
// page is short.
func TestListTasksLargeInstance(t *testing.T) {
	t.Parallel()
	const n = 100000
	f := benchFixture(t, n)
	ctx := context.Background()
	check := func(filter dmsd.TaskFilter, wantCount, from, to int) {
		t.Helper()
		tasks, count, err := f.db.ListTasks(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		if count != wantCount {
			t.Errorf("offset %d: count %d, want %d", filter.Offset, count, wantCount)
		}
		var got []string
		for _, task := range tasks {
			got = append(got, task.ID)
			if want := f.createdAt(from + len(got) - 1); !task.CreatedAt.Equal(want) {
				t.Errorf("task %s created %v, want %v", task.ID, task.CreatedAt, want)
			}
			if task.Status != dmsd.TaskSuccess || len(task.Steps) != 3 || task.InstanceID != f.inst.ID {
				t.Errorf("task %s is not the fixture's: %+v", task.ID, task)
			}
		}
		if want := f.ids[from:to]; !slices.Equal(got, want) {
			t.Errorf("offset %d limit %d: got %d tasks %v, want %v", filter.Offset, filter.Limit, len(got), got, want)
		}
	}

	filter := f.filter()
	check(filter, n, 0, 10)

	filter.Offset = 54321 // Odd: the page starts with the older task of a pair.
	check(filter, n, 54321, 54331)

	filter.Offset, filter.Limit = n-3, 10
	check(filter, n, n-3, n)

	filter.Offset = n
	check(filter, n, n, n)

	// The newest hour, and a page inside it.
	filter = f.filter()
	filter.Begin, filter.End = f.newest.Add(-time.Hour), f.newest
	inHour := int(time.Hour/benchTaskSpacing)*2 + 2 // Both ends inclusive.
	check(filter, inHour, 0, 10)
	filter.Offset, filter.Limit = inHour-5, 100
	check(filter, inHour, inHour-5, inHour)

	inst, err := f.db.FindInstance(ctx, f.inst.ProjectID, f.inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Status != dmsd.InstanceRunning {
		t.Errorf("instance status %s", inst.Status)
	}
}
