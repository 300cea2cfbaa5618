package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmsd/dmsd"
)

// benchConfig is what dmsd bench measures, and for how long.
type benchConfig struct {
	rounds   int
	duration time.Duration
	big      bool
	// idleInstances are the 3-broker instances whose idle RSS is measured
	// and whose creations are timed.
	idleInstances int
	// taskInstances are the instances of the task throughput measurement,
	// each running perRound tasks one after the other in each round.
	taskInstances int
	perRound      int
	// listSmall and listLarge are the task records of the single instance
	// of the list measurement.
	listSmall, listLarge int
	dir                  string
}

// benchRow is one line of dmsd bench's table: a measured value (the median
// of its rounds), its spread, and its goal.
type benchRow struct {
	name string
	// value is the median; spread the range it is given with; unit what
	// they count.
	value        float64
	spreadLo     float64
	spreadHi     float64
	spreadName   string // "min-max" or "p10-p90"
	unit         string
	goal         float64
	atLeast      bool   // the goal is a lower bound, else an upper one
	skipped      string // why the row was not measured; "" when it was
	measuredFrom string // what the value is a ratio or count of
}

// met reports whether the row's median meets its goal.
func (r benchRow) met() bool {
	if r.atLeast {
		return r.value >= r.goal
	}
	return r.value <= r.goal
}

// cliBench measures, on this machine, every performance goal of dmsd side by
// side (each ratio from alternating rounds of its two sides), against dmsds
// and databases it runs itself on 127.0.0.1 in a temporary directory, and
// prints one table: each row's median, its spread, its goal and whether the
// median meets it. It returns the error of a measurement that could not be
// made; a goal not met is reported in the table, not as an error.
func cliBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dmsd bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: dmsd bench [flags]\n\n%s\n\nFlags:\n", "Measures dmsd's performance goals on this machine, each ratio side by side in alternating\n"+
			"rounds, against dmsds it starts itself on 127.0.0.1 in a temporary directory, and prints one\n"+
			"table: median, spread, goal, met. The defaults take about three minutes.")
		fs.PrintDefaults()
	}
	var cfg benchConfig
	fs.IntVar(&cfg.rounds, "rounds", 15, "rounds of each measurement (each ratio's two sides alternate, one of each per round)")
	fs.DurationVar(&cfg.duration, "duration", 500*time.Millisecond, "how long each side of a request or list ratio is measured in a round")
	fs.BoolVar(&cfg.big, "big", false, "also measure the task list on 1,000,000 records on 100 instances (building them takes minutes)")
	fs.IntVar(&cfg.idleInstances, "idle-instances", 100, "3-broker embedded instances created one after the other (each timed) and then measured idle")
	fs.IntVar(&cfg.taskInstances, "task-instances", 20, "instances of the task throughput measurement")
	fs.IntVar(&cfg.perRound, "tasks-per-round", 20, "tasks (and bare jobs) per instance in each round of the throughput measurement")
	fs.IntVar(&cfg.listSmall, "list-small", 1000, "task records of the smaller side of the task list ratio")
	fs.IntVar(&cfg.listLarge, "list-large", 100000, "task records of the larger side of the task list ratio")
	fs.StringVar(&cfg.dir, "dir", "", "directory for the measured dmsds and databases, removed afterwards; default: a new temporary one")
	only := fs.String("only", "idle,requests,lists,tasks", "the measurements to make, comma-separated: idle (RSS, create → RUNNING), requests, lists, tasks (throughput, writes, bytes)")
	pos, err := cliParse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", pos)
	}
	phases := map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		switch p = strings.TrimSpace(p); p {
		case "idle", "requests", "lists", "tasks":
			phases[p] = true
		default:
			return fmt.Errorf("bench: --only: unknown measurement %q", p)
		}
	}
	if cfg.rounds < 1 || cfg.duration <= 0 || cfg.idleInstances < 1 || cfg.taskInstances < 1 || cfg.perRound < 1 || cfg.listSmall < 1 || cfg.listLarge < cfg.listSmall {
		return errors.New("bench: --rounds, --duration, --idle-instances, --task-instances and --tasks-per-round must be positive, and --list-large at least --list-small")
	}
	if cfg.dir == "" {
		if cfg.dir, err = os.MkdirTemp("", "dmsd-bench-"); err != nil {
			return err
		}
	} else if cfg.dir, err = os.MkdirTemp(cfg.dir, "dmsd-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(cfg.dir)

	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }
	start := time.Now()
	var rows []benchRow
	// The idle instances first, in a process that has done nothing else:
	// its resident memory is then the server's.
	var idle []benchRow
	if phases["idle"] {
		progress("creating %d 3-broker instances, one after the other", cfg.idleInstances)
		if idle, err = benchIdle(ctx, cfg, filepath.Join(cfg.dir, "idle"), stderr); err != nil {
			return fmt.Errorf("bench: idle instances: %w", err)
		}
	}
	if phases["requests"] {
		progress("requests: %d rounds of %s per side", cfg.rounds, cfg.duration)
		reqs, err := benchRequests(ctx, cfg, filepath.Join(cfg.dir, "requests"), stderr)
		if err != nil {
			return fmt.Errorf("bench: requests: %w", err)
		}
		rows = append(rows, reqs...)
	}
	if phases["lists"] {
		progress("task list: building %d and %d records", cfg.listSmall, cfg.listLarge)
		lists, err := benchLists(ctx, cfg, filepath.Join(cfg.dir, "lists"), progress)
		if err != nil {
			return fmt.Errorf("bench: task list: %w", err)
		}
		rows = append(rows, lists...)
	}
	if phases["tasks"] {
		progress("tasks: %d rounds of %d tasks on each of %d instances, and as many bare River jobs", cfg.rounds, cfg.perRound, cfg.taskInstances)
		tasks, err := benchTasks(ctx, cfg, filepath.Join(cfg.dir, "tasks"))
		if err != nil {
			return fmt.Errorf("bench: tasks: %w", err)
		}
		rows = append(rows, tasks...)
	}
	rows = append(rows, idle...)
	printBenchTable(stdout, rows)
	fmt.Fprintf(stdout, "\n%d rounds, %s per side of a request or list ratio; measured in %s\n", cfg.rounds, cfg.duration, time.Since(start).Round(time.Second))
	return nil
}

// printBenchTable prints rows as a table.
func printBenchTable(w io.Writer, rows []benchRow) {
	tw := cliTable(w)
	fmt.Fprintf(tw, "ROW\tVALUE\tSPREAD\tGOAL\tMET\tOF\n")
	for _, r := range rows {
		goal := "≤ " + strconv.FormatFloat(r.goal, 'g', -1, 64)
		if r.atLeast {
			goal = "≥ " + strconv.FormatFloat(r.goal, 'g', -1, 64)
		}
		if r.unit != "" {
			goal += " " + r.unit
		}
		if r.skipped != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t%s\tnot measured\t%s\n", r.name, goal, r.skipped)
			continue
		}
		met := "met"
		if !r.met() {
			met = "NOT MET"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s–%s\t%s\t%s\t%s\n", r.name, benchNumber(r.value), r.spreadName, benchNumber(r.spreadLo), benchNumber(r.spreadHi), goal, met, r.measuredFrom)
	}
	tw.Flush()
}

// benchNumber formats a measured value with three significant digits or,
// from 1,000 up, as a whole number.
func benchNumber(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	case v >= 10:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// ratioRow returns the row of a ratio measured in rounds: the median of the
// per-round ratios with their lowest and highest.
func ratioRow(name string, ratios []float64, goal float64, atLeast bool, of string) benchRow {
	return benchRow{name: name, value: benchMedian(ratios), spreadLo: slices.Min(ratios), spreadHi: slices.Max(ratios), spreadName: "min–max",
		goal: goal, atLeast: atLeast, measuredFrom: of}
}

// benchRequests measures the signed task show of a finished task, signed
// ahead, against GET /healthz of the same dmsd and against a bare net/http
// server that verifies the same signature and answers the same body, each
// with benchClients keep-alive clients for cfg.duration, in cfg.rounds
// rounds that alternate their order.
func benchRequests(ctx context.Context, cfg benchConfig, dir string, stderr io.Writer) ([]benchRow, error) {
	d, err := startBenchDMSD(ctx, dir, stderr)
	if err != nil {
		return nil, err
	}
	defer d.stop()
	c := d.client()
	id, _, err := createRunning(ctx, c, "bench-requests", 1, time.Minute)
	if err != nil {
		return nil, err
	}
	task, err := c.LatestTask(ctx, id)
	if err != nil {
		return nil, err
	}
	if task, err = c.WaitTask(ctx, id, task.ID, nil); err != nil {
		return nil, err
	}
	path := "/v2/" + d.cred.ProjectID + "/instances/" + id + "/tasks/" + task.ID
	hc := newBenchHTTPClient()
	defer hc.CloseIdleConnections()
	r, err := signedGet(d.url, path, d.cred)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("task show: status %d: %s", resp.StatusCode, body)
	}
	bare, err := startBareServer([]dmsd.Credential{d.cred}, path, body)
	if err != nil {
		return nil, err
	}
	defer bare.Close()

	loads := []benchLoad{
		{name: "healthz", perRequest: true, newRequest: func() (*http.Request, error) { return http.NewRequest(http.MethodGet, d.url+"/healthz", nil) }},
		{name: "signed task show", newRequest: func() (*http.Request, error) { return signedGet(d.url, path, d.cred) }},
		{name: "bare task show", newRequest: func() (*http.Request, error) { return signedGet(bare.URL, path, d.cred) }},
	}
	// The requests per second of each round, and per CPU second of the
	// process (clients and servers): on a machine that others load too, the
	// latter's ratio is the one the others change least.
	rates, perCPU := make([][]float64, len(loads)), make([][]float64, len(loads))
	for round := range cfg.rounds {
		order := []int{0, 1, 2}
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, i := range order {
			cpu, start := processCPU(), time.Now()
			rate, err := measureRate(hc, loads[i], 0, cfg.duration)
			if err != nil {
				return nil, err
			}
			rates[i] = append(rates[i], rate)
			if used := processCPU() - cpu; used > 0 {
				perCPU[i] = append(perCPU[i], rate*time.Since(start).Seconds()/used.Seconds())
			}
		}
	}
	of := fmt.Sprintf("%.0f ÷ %.0f req/s; per CPU second %.3f", benchMedian(rates[1]), benchMedian(rates[0]), benchMedian(roundRatios(perCPU[1], perCPU[0])))
	ofBare := fmt.Sprintf("%.0f ÷ %.0f req/s; per CPU second %.3f", benchMedian(rates[1]), benchMedian(rates[2]), benchMedian(roundRatios(perCPU[1], perCPU[2])))
	return []benchRow{
		ratioRow("signed task show ÷ /healthz (16 clients, signed ahead)", roundRatios(rates[1], rates[0]), 0.70, true, of),
		ratioRow("signed task show ÷ bare net/http server", roundRatios(rates[1], rates[2]), 0.85, true, ofBare),
	}, nil
}
