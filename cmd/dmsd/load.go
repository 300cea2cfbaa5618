package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
)

// loadOps are the operations the load test sends, with their weights.
var loadOps = []struct {
	name   string
	weight int
}{
	{"list-tasks", 35}, {"show-task", 20}, {"progress", 10}, {"delete-task", 15},
	{"restart", 10}, {"auto-topic", 5}, {"list-instances", 5},
}

// cliLoad drives running dmsd replicas with signed requests from many clients
// for a while, then checks the invariants a user relies on and prints
// throughput and latency. It returns an error if an invariant broke.
func cliLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &cliEnv{getenv: getenv, stdout: stdout, stderr: stderr}
	fs, conn := e.cliFlags("load", "[flags]", "Drives dmsd with signed requests from many concurrent clients, then checks that no request\n"+
		"failed with 5xx, no instance ever ran two tasks at once, no unfinished task was deleted,\n"+
		"every accepted task finished, and memory stayed flat (with --metrics). --endpoint takes a\n"+
		"comma-separated list to spread the clients over several replicas.")
	metricsURL := fs.String("metrics", "", "URL of the first replica's metrics (its --metrics-listen, e.g. http://127.0.0.1:9781/metrics), to check that its memory stays flat")
	duration := fs.Duration("duration", 30*time.Second, "how long to send requests")
	clients := fs.Int("clients", 16, "concurrent clients")
	instances := fs.Int("instances", 4, "instances to create and operate on")
	if _, err := cliParse(fs, args); err != nil {
		return err
	}
	endpoints := strings.Split(cmp.Or(conn.endpoint, getenv("DMSD_ENDPOINT"), cliDefaultEndpoint), ",")
	var apis []*client.Client
	for _, ep := range endpoints {
		c := *conn
		c.endpoint = strings.TrimSpace(ep)
		api, err := c.client(e)
		if err != nil {
			return err
		}
		apis = append(apis, api)
	}

	l := &loadRun{apis: apis, metricsURL: *metricsURL, stats: map[string]*loadStats{}, accepted: map[string]string{}, deleted: map[string]bool{}}
	fmt.Fprintf(stdout, "creating %d instances...\n", *instances)
	if err := l.createInstances(ctx, *instances); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d clients for %s against %s\n", *clients, *duration, strings.Join(endpoints, ", "))

	runCtx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { l.watch(runCtx) })
	if l.metricsURL != "" {
		wg.Go(func() { l.sampleMemory(runCtx) })
	}
	for i := range *clients {
		wg.Go(func() { l.client(runCtx, apis[i%len(apis)]) })
	}
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)

	fmt.Fprintln(stdout, "waiting for accepted tasks to finish...")
	l.waitAccepted(ctx)
	l.report(stdout, elapsed)
	if len(l.violations) > 0 {
		for _, v := range l.violations {
			fmt.Fprintln(stdout, "VIOLATION:", v)
		}
		return fmt.Errorf("load: %d invariant violations", len(l.violations))
	}
	fmt.Fprintln(stdout, "all invariants held")
	return nil
}

type loadStats struct {
	latencies []time.Duration
	byStatus  map[int]int
}

type loadRun struct {
	apis       []*client.Client
	instances  []string
	metricsURL string // "" when memory is not watched

	mu         sync.Mutex
	stats      map[string]*loadStats
	accepted   map[string]string // task id → instance id, for tasks the run started
	deleted    map[string]bool
	violations []string
	memory     []float64
}

func (l *loadRun) violation(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.violations) < 100 {
		l.violations = append(l.violations, fmt.Sprintf(format, args...))
	}
}

func (l *loadRun) createInstances(ctx context.Context, n int) error {
	api := l.apis[0]
	for i := range n {
		id, err := api.CreateInstance(ctx, client.CreateInstanceRequest{
			Name: fmt.Sprintf("load-%d-%s", i, dmsd.NewID()[:6]), EngineVersion: "3.x", BrokerNum: 1, StorageSpace: 100,
			VpcID: "vpc-load", SubnetID: "subnet-load", SecurityGroupID: "sg-load", AvailableZones: []string{dmsd.DefaultZoneID},
			ProductID: "c6.2u4g.cluster", StorageSpecCode: "dms.physical.storage.ultra.v2",
		})
		if err != nil {
			return fmt.Errorf("create instance: %w", err)
		}
		task, err := api.LatestTask(ctx, id)
		if err != nil {
			return err
		}
		if task, err = api.WaitTask(ctx, id, task.ID, nil); err != nil {
			return err
		} else if task.Status != dmsd.TaskSuccess {
			return fmt.Errorf("instance %s: createInstance %s: %s", id, task.Status, task.Reason)
		}
		l.instances = append(l.instances, id)
	}
	return nil
}

// record keeps an operation's latency and answer. Refusals (4xx) are part of
// the load; a 5xx or no answer at all is a violation.
func (l *loadRun) record(op string, d time.Duration, err error) {
	status := http.StatusOK
	var cerr *client.Error
	if errors.As(err, &cerr) {
		status = cerr.Status
	} else if err != nil {
		status = 0 // No answer: a transport error.
	}
	l.mu.Lock()
	s := l.stats[op]
	if s == nil {
		s = &loadStats{byStatus: map[int]int{}}
		l.stats[op] = s
	}
	s.latencies = append(s.latencies, d)
	s.byStatus[status]++
	l.mu.Unlock()
	if status == 0 || status >= 500 {
		l.violation("%s: %v", op, err)
	}
}

// client sends random operations until ctx ends.
func (l *loadRun) client(ctx context.Context, api *client.Client) {
	total := 0
	for _, op := range loadOps {
		total += op.weight
	}
	for ctx.Err() == nil {
		pick := rand.IntN(total)
		op := loadOps[0].name
		for _, o := range loadOps {
			if pick < o.weight {
				op = o.name
				break
			}
			pick -= o.weight
		}
		inst := l.instances[rand.IntN(len(l.instances))]
		start := time.Now()
		err := l.do(ctx, api, op, inst)
		if ctx.Err() != nil {
			return // An operation cut short by the end of the run says nothing.
		}
		l.record(op, time.Since(start), err)
	}
}

func (l *loadRun) do(ctx context.Context, api *client.Client, op, inst string) error {
	switch op {
	case "list-tasks":
		_, err := api.ListTasks(ctx, inst, client.TaskListOptions{Limit: 20})
		return err
	case "show-task", "progress", "delete-task":
		taskID, ok := l.someTask(inst)
		if !ok {
			_, err := api.ListInstances(ctx, client.InstanceListOptions{})
			return err
		}
		switch op {
		case "show-task":
			_, err := api.ShowTask(ctx, inst, taskID)
			return err
		case "progress":
			_, err := api.TaskProgress(ctx, inst, taskID)
			return err
		}
		// Deletes go to unfinished tasks too: the server must refuse them.
		err := api.DeleteTask(ctx, inst, taskID)
		// A delete cut short when the run ends got no answer, but the server
		// may have carried it out: its task is no longer expected to exist.
		var refused *client.Error
		if err == nil || !errors.As(err, &refused) {
			l.mu.Lock()
			l.deleted[taskID] = true
			l.mu.Unlock()
		}
		return err
	case "restart", "auto-topic":
		var err error
		if op == "restart" {
			err = api.RestartInstance(ctx, inst)
		} else {
			err = api.SetAutoTopic(ctx, inst, rand.IntN(2) == 0)
		}
		if err != nil {
			return err // Most often refused: a task of the instance runs.
		}
		if t, err := api.LatestTask(ctx, inst); err == nil {
			l.mu.Lock()
			l.accepted[t.ID] = inst
			l.mu.Unlock()
		}
		return nil
	default:
		_, err := api.ListInstances(ctx, client.InstanceListOptions{})
		return err
	}
}

// someTask returns a task the run started on inst, finished or not.
func (l *loadRun) someTask(inst string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, owner := range l.accepted { // Map order is random enough.
		if owner == inst && !l.deleted[id] {
			return id, true
		}
	}
	return "", false
}

// watch checks, as often as it can, that no instance has two unfinished
// tasks at once.
func (l *loadRun) watch(ctx context.Context) {
	api := l.apis[len(l.apis)-1]
	for ctx.Err() == nil {
		for _, inst := range l.instances {
			page, err := api.ListTasks(ctx, inst, client.TaskListOptions{Limit: 100})
			if err != nil {
				continue
			}
			unfinished := 0
			for _, t := range page.Tasks {
				if !t.Status.Finished() {
					unfinished++
				}
			}
			if unfinished > 1 {
				l.violation("instance %s has %d unfinished tasks at once", inst, unfinished)
			}
		}
	}
}

// sampleMemory reads the first replica's resident memory every second, from
// its metrics.
func (l *loadRun) sampleMemory(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if v, err := residentMemory(ctx, l.metricsURL); err == nil {
			l.mu.Lock()
			l.memory = append(l.memory, v)
			l.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func residentMemory(ctx context.Context, metricsURL string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "process_resident_memory_bytes "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, errors.New("no process_resident_memory_bytes")
}

// waitAccepted waits for every task the run started to finish, and checks
// that none vanished unfinished.
func (l *loadRun) waitAccepted(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	l.mu.Lock()
	deleted, accepted := maps.Clone(l.deleted), maps.Clone(l.accepted)
	l.mu.Unlock()
	for taskID, inst := range accepted {
		if deleted[taskID] {
			continue
		}
		t, err := l.apis[0].WaitTask(ctx, inst, taskID, nil)
		switch {
		case err != nil:
			l.violation("task %s of instance %s: %v", taskID, inst, err)
		case !t.Status.Finished():
			l.violation("task %s of instance %s did not finish: %s", taskID, inst, t.Status)
		}
	}
}

func (l *loadRun) report(w io.Writer, elapsed time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	total := 0
	tw := cliTable(w)
	fmt.Fprintln(tw, "OPERATION\tCOUNT\tOPS/S\tP50\tP90\tP99\tMAX\tSTATUSES")
	names := make([]string, 0, len(l.stats))
	for name := range l.stats {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := l.stats[name]
		slices.Sort(s.latencies)
		total += len(s.latencies)
		var statuses []string
		for code, n := range s.byStatus {
			statuses = append(statuses, fmt.Sprintf("%d:%d", code, n))
		}
		slices.Sort(statuses)
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\n", name, len(s.latencies), float64(len(s.latencies))/elapsed.Seconds(),
			pct(s.latencies, 0.5), pct(s.latencies, 0.9), pct(s.latencies, 0.99), pct(s.latencies, 1), strings.Join(statuses, " "))
	}
	tw.Flush()
	fmt.Fprintf(w, "total: %d requests in %s, %.0f requests/s; %d tasks accepted, %d task records deleted\n",
		total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), len(l.accepted), len(l.deleted))
	if n := len(l.memory); n >= 4 {
		first, last := median(l.memory[n/4:n/2]), median(l.memory[3*n/4:])
		fmt.Fprintf(w, "memory (first replica, RSS): %.1f MiB in the second quarter, %.1f MiB in the last\n", first/(1<<20), last/(1<<20))
		if last > 1.5*first+64<<20 {
			l.violations = append(l.violations, fmt.Sprintf("memory grew from %.1f to %.1f MiB", first/(1<<20), last/(1<<20)))
		}
	}
}

func pct(sorted []time.Duration, p float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := min(int(p*float64(len(sorted))), len(sorted)-1)
	return sorted[i].Round(10 * time.Microsecond).String()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
