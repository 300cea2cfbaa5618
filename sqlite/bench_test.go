package sqlite

import (
	"context"
	"fmt"
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

// benchTaskSpacing is the time between two consecutive tasks of a fixture
// (FixtureTaskSpacing).
const benchTaskSpacing = FixtureTaskSpacing

// benchTaskFixture is a database holding one instance with n finished tasks
// (a TaskFixture of one instance). Task i (0-based) is the (i+1)-th newest:
// ids[i] is its id and createdAt(i) its creation time.
type benchTaskFixture struct {
	*TaskFixture
	db     *DB
	inst   *dmsd.Instance
	ids    []string
	newest time.Time
}

func (f *benchTaskFixture) createdAt(i int) time.Time { return f.CreatedAt(i) }

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

// buildBenchTaskFixture creates a database at path with one RUNNING
// instance and n finished tasks on it (BuildTaskFixture).
func buildBenchTaskFixture(ctx context.Context, path string, n int) (*benchTaskFixture, error) {
	f, err := BuildTaskFixture(ctx, path, 1, n)
	if err != nil {
		return nil, err
	}
	return &benchTaskFixture{TaskFixture: f, db: f.DB, inst: f.Instances[0], ids: f.IDs, newest: f.Newest}, nil
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
	var ns [4][]float64 // small, large, small windowed, large windowed
	for b.Loop() {
		for i, windowed := range []bool{false, true} {
			smallNs, largeNs, err := TimeListPair(ctx, small.TaskFixture, large.TaskFixture, windowed)
			if err != nil {
				b.Fatal(err)
			}
			ns[2*i], ns[2*i+1] = append(ns[2*i], smallNs), append(ns[2*i+1], largeNs)
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
