package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
)

// Benchmarks of the whole program, started through run as the end-to-end tests
// start it. Run them with, for example:
//
//	go test ./cmd/dmsd/ -run '^$' -bench 'Requests|RequestRatio|SignRequest' -benchtime 2000x
//	go test ./cmd/dmsd/ -run '^$' -bench CreateToRunning -benchtime 30x
//
// BenchmarkCreateToRunning creates (and deletes) a 3-broker instance per
// iteration, so give it an iteration count in the tens, not thousands.

// benchParallelism is the b.SetParallelism argument that gives benchClients
// goroutines in b.RunParallel, which starts parallelism × GOMAXPROCS of them.
func benchParallelism() int {
	return max(1, (benchClients+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0))
}

// benchServer is a running dmsd with one RUNNING instance and the id of its
// finished createInstance task, and an HTTP client that keeps enough idle
// connections for every benchmark client.
type benchServer struct {
	s          *testServer
	hc         *http.Client
	instanceID string
	taskID     string
	taskPath   string
}

func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	s := startServer(b, b.TempDir(), "--rate-limit", "1000000")
	c := s.client(0)
	inst := createInstance(b, c, "bench-requests", 1, false)
	list := listTasks(b, c, &model.ListBackgroundTasksRequest{InstanceId: *inst.InstanceId})
	require.Len(b, *list.Tasks, 1)
	taskID := *(*list.Tasks)[0].Id
	waitTask(b, c, *inst.InstanceId, taskID)

	hc := newBenchHTTPClient()
	b.Cleanup(hc.CloseIdleConnections)
	f := &benchServer{
		s:          s,
		hc:         hc,
		instanceID: *inst.InstanceId,
		taskID:     taskID,
		taskPath:   "/v2/" + s.creds[0].ProjectID + "/instances/" + *inst.InstanceId + "/tasks/" + taskID,
	}

	// Both requests answer as expected before anything is measured.
	status, body := f.do(f.healthz())
	require.Equal(b, http.StatusOK, status, body)
	req, err := f.signedTaskShow()
	require.NoError(b, err)
	status, body = f.do(req)
	require.Equal(b, http.StatusOK, status, body)
	require.Contains(b, body, taskID)
	// A signed request may be sent again: the benchmarks reuse one.
	status, body = f.do(req)
	require.Equal(b, http.StatusOK, status, body)
	return f
}

func (f *benchServer) healthz() *http.Request {
	r, err := http.NewRequest(http.MethodGet, f.s.url+"/healthz", nil)
	if err != nil {
		panic(err)
	}
	return r
}

// signedTaskShow returns GET of the fixture's task, signed now by the SDK's
// own signer with the first credential.
func (f *benchServer) signedTaskShow() (*http.Request, error) {
	return signRequest(f.s.url, f.s.creds[0], sdkRequest{method: http.MethodGet, pathAndQuery: f.taskPath})
}

// do sends r and returns the status and the body, read whole so that the
// connection is reused. A transport error is reported as status 0.
func (f *benchServer) do(r *http.Request) (int, string) {
	resp, err := f.hc.Do(r)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, string(body)
}

// send sends r and discards a 200 answer (sendDiscard).
func (f *benchServer) send(r *http.Request) error { return sendDiscard(f.hc, r) }

// loads returns the requests that the request benchmarks compare: /healthz,
// and the task show with a fresh SDK signature on every request, as a real
// client sends it. Signing with the SDK costs the client about 10µs of CPU
// (BenchmarkSignRequest), against about 150µs of CPU for the whole request,
// client and server together; where client and server share two cores it
// still lowers the measured rate noticeably, which presignedLoad shows.
func (f *benchServer) loads() []benchLoad {
	return []benchLoad{
		{name: "healthz", newRequest: func() (*http.Request, error) { return f.healthz(), nil }, perRequest: true},
		{name: "signed-task-show", newRequest: f.signedTaskShow, perRequest: true},
	}
}

// presignedLoad is the task show signed once per client goroutine and sent
// again and again, which the server accepts for 15 minutes; it verifies the
// signature every time all the same. It takes the client's signing out of
// the measurement.
func (f *benchServer) presignedLoad() benchLoad {
	return benchLoad{name: "signed-task-show/presigned", newRequest: f.signedTaskShow}
}

// BenchmarkRequests measures the request rate that benchClients concurrent
// clients sustain against one server, for GET /healthz and for the signed GET
// of a task. Compare their req/s; BenchmarkRequestRatio measures the ratio
// itself.
func BenchmarkRequests(b *testing.B) {
	f := newBenchServer(b)
	for _, load := range append(f.loads(), f.presignedLoad()) {
		b.Run(load.name, func(b *testing.B) {
			b.SetParallelism(benchParallelism())
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				next := load.client()
				for pb.Next() {
					r, err := next()
					if err == nil {
						err = f.send(r)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// BenchmarkRequestRatio sends b.N requests of each load, one load after the
// other (in reverse order every other round), in requestRatioRounds rounds,
// each load with benchClients concurrent keep-alive clients, and reports the
// median rate of each and, for each ratio, the median of the per-round ratios
// and their spread (the lowest and highest round, "-min" and "-max"):
//
//   - "presigned-ratio": the signed task show, signed ahead (one signature
//     per client, verified on every request), over /healthz of the same
//     server (target at least 0.7);
//   - "bare-ratio": the same over a minimal net/http server that verifies
//     the same signature and answers the same body from a map (target at
//     least 0.85);
//   - "ratio": the task show with a fresh SDK signature on every request,
//     as real clients send them, over /healthz.
//
// One iteration is one request of each load in each round.
func BenchmarkRequestRatio(b *testing.B) {
	f := newBenchServer(b)
	bare := f.bareServer(b)
	loads := append(f.loads(), f.presignedLoad(), bare)
	b.Run(fmt.Sprintf("rounds=%d", requestRatioRounds), func(b *testing.B) {
		rates := make([][]float64, len(loads))
		b.ResetTimer()
		for round := range requestRatioRounds {
			order := []int{0, 1, 2, 3}
			if round%2 == 1 {
				slices.Reverse(order)
			}
			for _, i := range order {
				rate, err := measureRate(f.hc, loads[i], b.N, 0)
				if err != nil {
					b.Fatal(err)
				}
				rates[i] = append(rates[i], rate)
			}
		}
		b.StopTimer()
		b.ReportMetric(benchMedian(rates[0]), "healthz-req/s")
		b.ReportMetric(benchMedian(rates[1]), "task-req/s")
		b.ReportMetric(benchMedian(rates[2]), "presigned-req/s")
		b.ReportMetric(benchMedian(rates[3]), "bare-req/s")
		reportRoundRatios(b, "ratio", rates[1], rates[0])
		reportRoundRatios(b, "presigned-ratio", rates[2], rates[0])
		reportRoundRatios(b, "bare-ratio", rates[2], rates[3])
	})
}

// reportRoundRatios reports the median of num[i]/den[i], measured in the same
// round i, with the lowest and the highest.
func reportRoundRatios(b *testing.B, name string, num, den []float64) {
	rs := roundRatios(num, den)
	b.ReportMetric(benchMedian(rs), name)
	b.ReportMetric(slices.Min(rs), name+"-min")
	b.ReportMetric(slices.Max(rs), name+"-max")
}

// bareServer starts the baseline of the task show: a minimal net/http server
// that verifies the request's signature as dmsd does and answers the body
// dmsd answers, from a map. It returns its load, signed ahead as
// presignedLoad is.
func (f *benchServer) bareServer(b *testing.B) benchLoad {
	req, err := f.signedTaskShow()
	require.NoError(b, err)
	status, body := f.do(req)
	require.Equal(b, http.StatusOK, status, body)
	srv, err := startBareServer(f.s.creds, f.taskPath, []byte(body))
	require.NoError(b, err)
	b.Cleanup(func() { srv.Close() })
	sign := func() (*http.Request, error) {
		return signRequest(srv.URL, f.s.creds[0], sdkRequest{method: http.MethodGet, pathAndQuery: f.taskPath})
	}
	r, err := sign()
	require.NoError(b, err)
	status, got := f.do(r)
	require.Equal(b, http.StatusOK, status, got)
	require.Equal(b, body, got)
	return benchLoad{name: "bare-task-show/presigned", newRequest: sign}
}

const requestRatioRounds = 9

// BenchmarkSignRequest measures what building and signing one task request
// with the SDK costs the client, to judge whether the request benchmarks may
// sign every request.
func BenchmarkSignRequest(b *testing.B) {
	f := newBenchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.signedTaskShow(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateToRunning measures, on a fresh dmsd, the time from sending
// the create call (3 brokers) to the first ShowInstance that answers
// RUNNING, polling without pause (createRunning, which dmsd bench times
// too). It reports the median and the 95th percentile of that time in
// ms/create (the target is at most 100), the maximum and the first create's
// time. Each instance is deleted, untimed, before the next is created, so
// that the server does not accumulate clusters.
func BenchmarkCreateToRunning(b *testing.B) {
	s := startServer(b, b.TempDir(), "--rate-limit", "1000000")
	c := s.client(0)
	cred := s.creds[0]
	api := client.New(s.url, client.Credentials{AccessKey: cred.AccessKey, SecretKey: cred.SecretKey, ProjectID: cred.ProjectID})
	var durations []time.Duration
	for b.Loop() {
		id, took, err := createRunning(context.Background(), api, "bench-create-"+dmsd.NewID()[:8], 3, 30*time.Second)
		require.NoError(b, err)
		durations = append(durations, took)

		b.StopTimer()
		_, err = c.DeleteInstance(&model.DeleteInstanceRequest{InstanceId: id})
		require.NoError(b, err)
		require.Eventually(b, func() bool {
			_, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
			return err != nil && strings.Contains(err.Error(), dmsd.EINSTANCENOTFOUND)
		}, 30*time.Second, time.Millisecond)
		b.StartTimer()
	}
	ms := make([]float64, len(durations))
	for i, d := range durations {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	b.ReportMetric(ms[0], "first-ms/create")
	b.ReportMetric(benchMedian(ms), "ms/create")
	b.ReportMetric(benchPercentile(ms, 0.95), "p95-ms/create")
	b.ReportMetric(slices.Max(ms), "max-ms/create")
}
