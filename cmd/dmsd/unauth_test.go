package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// residentKiB returns the resident memory of process pid, from /proc.
func residentKiB(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			require.NoError(t, err)
			return kib
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}

// slowUpload is how one hostile connection went: the status it was answered
// with (0 if it was cut off without one) and how much of its body it had
// sent by then.
type slowUpload struct {
	status int
	sent   int
	err    error
}

// sendSlowly announces a 1 MiB body on a new connection to addr with the
// given Authorization (none if empty) and sends it in 8 KiB pieces every
// 50 ms, until the server answers or cuts the connection, or deadline.
func sendSlowly(addr, path, auth string, deadline time.Time) slowUpload {
	const size, piece = 1 << 20, 8 << 10
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return slowUpload{err: err}
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	head := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n" +
		"X-Sdk-Date: " + time.Now().UTC().Format("20060102T150405Z") + "\r\nContent-Length: " + strconv.Itoa(size) + "\r\n"
	if auth != "" {
		head += "Authorization: " + auth + "\r\n"
	}
	if _, err := io.WriteString(conn, head+"\r\n"); err != nil {
		return slowUpload{err: err}
	}

	answered := make(chan slowUpload, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- slowUpload{} // cut off
			return
		}
		resp.Body.Close()
		answered <- slowUpload{status: resp.StatusCode}
	}()
	chunk := []byte(strings.Repeat("x", piece))
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	sent := 0
	for sent < size {
		select {
		case u := <-answered:
			u.sent = sent
			return u
		case <-tick.C:
		}
		n, err := conn.Write(chunk)
		sent += n
		if err != nil {
			break // cut off; the answer, if any, is read below
		}
	}
	u := <-answered
	u.sent = sent
	return u
}

// 300 unauthenticated connections that each announce a 1 MiB body and send
// it slowly barely grow dmsd's memory, and every one is refused with a 4xx
// or cut off: those without a signature or with an unknown access key are
// answered before their body is sent, and those with a known access key but
// a wrong signature are read only a few at a time.
func TestUnauthenticatedSlowBodiesCostLittle(t *testing.T) {
	t.Parallel()
	bin := buildDMSD(t)
	dir := t.TempDir()
	seed := startServer(t, dir)
	seed.stop()
	// Once by default; once without the slow-down of failing sources, which
	// otherwise answers most of them 429 at once.
	for _, args := range [][]string{nil, {"--auth-failure-limit", "0"}} {
		t.Run(strings.Join(append([]string{"args"}, args...), " "), func(t *testing.T) {
			slowBodies(t, startProcess(t, bin, dir, args...), seed.creds)
		})
	}
}

func slowBodies(t *testing.T, p *process, creds []dmsd.Credential) {
	addr := strings.TrimPrefix(p.url, "http://")
	project := creds[0].ProjectID
	path := "/v2/" + project + "/instances/action"

	// One signed request first, so that the baseline has served the API.
	status, body := (&testServer{t: t, url: p.url, creds: creds}).signedGet(t, 0, "/v2/"+project+"/instances")
	require.Equal(t, http.StatusOK, status, body)
	before := residentKiB(t, p.cmd.Process.Pid)

	forged := strings.Repeat("0", 64)
	auths := []string{
		"", // no signature at all
		"SDK-HMAC-SHA256 Access=UNKNOWNACCESSKEY, SignedHeaders=content-type;x-sdk-date, Signature=" + forged,
		"SDK-HMAC-SHA256 Access=" + creds[0].AccessKey + ", SignedHeaders=content-type;x-sdk-date, Signature=" + forged,
	}
	const conns = 300
	deadline := time.Now().Add(45 * time.Second)
	results := make([]slowUpload, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { results[i] = sendSlowly(addr, path, auths[i%len(auths)], deadline) })
	}
	peak := before
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for sampling := true; sampling; {
		select {
		case <-done:
			sampling = false
		case <-time.After(100 * time.Millisecond):
		}
		peak = max(peak, residentKiB(t, p.cmd.Process.Pid))
	}

	answered := map[int]int{}
	for _, r := range results {
		answered[r.status]++
	}
	growth := peak - before
	t.Logf("RSS %d KiB before, peak %d KiB: +%.1f MiB; answers by status (0: cut off): %v", before, peak, float64(growth)/1024, answered)
	require.Less(t, growth, 50*1024, "resident memory grew by less than 50 MB")

	for i, r := range results {
		require.NoError(t, r.err, "connection %d", i)
		if r.status == 0 {
			continue // cut off
		}
		require.GreaterOrEqual(t, r.status, 400, "connection %d", i)
		require.Less(t, r.status, 500, "connection %d", i)
		if auths[i%len(auths)] != auths[2] {
			require.Less(t, r.sent, 1<<20, "connection %d without a valid access key was answered before its body was sent", i)
		}
	}

	// The process still serves.
	resp, err := http.Get(p.url + "/livez")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// A source whose requests keep failing authentication is answered 429 at
// once, even with a good signature, while other sources are served.
func TestRepeatedAuthFailuresAreSlowedDown(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--auth-failure-limit", "5")
	path := "/v2/" + s.creds[0].ProjectID + "/instances"
	bad := s.creds[0]
	bad.SecretKey = "not-the-secret"
	s.creds = append(s.creds, bad)
	for i := range 5 {
		status, body := s.signedGet(t, 2, path)
		require.Equal(t, dmsd.ETOKENINVALID, requireClientError(t, status, body).Code, "failure %d", i)
	}
	status, body := s.signedGet(t, 0, path)
	require.Equal(t, http.StatusTooManyRequests, status, body)
	require.Equal(t, dmsd.ETOOMANYREQUESTS, requireClientError(t, status, body).Code)

	// Another address of this host is another source.
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	hr, err := signRequest(s.url, s.creds[0], sdkRequest{method: http.MethodGet, pathAndQuery: path})
	require.NoError(t, err)
	resp, err := other.Do(hr)
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(answer))
}

// A request signed over a declared body hash is refused when another body
// comes with it, and so is UNSIGNED-PAYLOAD with a body: the signature
// covers the body, whatever the headers say.
func TestSignatureCoversTheBody(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	c := s.client(0)
	id := *createInstance(t, c, "covered", 1, false).InstanceId
	path := "/v2/" + s.creds[0].ProjectID + "/instances/" + id
	description := func() string {
		inst, err := c.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
		require.NoError(t, err)
		return *inst.Description
	}
	initial := description()

	original := `{"description":"original"}`
	sum := sha256.Sum256([]byte(original))
	signed, err := signRequest(s.url, s.creds[0], sdkRequest{method: http.MethodPut, pathAndQuery: path, body: original,
		headers: map[string]string{"Content-Type": "application/json", "X-Sdk-Content-Sha256": hex.EncodeToString(sum[:])}})
	require.NoError(t, err)
	send := func(r *http.Request, body string) (int, string) {
		r = r.Clone(context.Background())
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		resp, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	status, body := send(signed, `{"description":"anything else"}`)
	require.Equal(t, http.StatusUnauthorized, status, body)
	require.Equal(t, dmsd.ETOKENINVALID, requireClientError(t, status, body).Code)
	require.Contains(t, body, "X-Sdk-Content-Sha256")
	require.Equal(t, initial, description(), "the refused request changed nothing")

	for name, headers := range map[string]map[string]string{
		"declared":   {"Content-Type": "application/json", "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"},
		"not JSON":   {"Content-Type": "text/plain"}, // the SDK itself signs UNSIGNED-PAYLOAD then
		"mixed case": {"Content-Type": "application/json", "X-Sdk-Content-Sha256": "unsigned-payload"},
	} {
		unsigned, err := signRequest(s.url, s.creds[0], sdkRequest{method: http.MethodPut, pathAndQuery: path, body: `{"description":"unsigned"}`, headers: headers})
		require.NoError(t, err)
		status, body := send(unsigned, `{"description":"unsigned"}`)
		require.Equal(t, http.StatusUnauthorized, status, "%s: %s", name, body)
		require.Equal(t, dmsd.ETOKENINVALID, requireClientError(t, status, body).Code, name)
	}
	require.Equal(t, initial, description(), "the refused requests changed nothing")

	// The body it was signed for goes through.
	status, body = send(signed, original)
	require.Equal(t, http.StatusNoContent, status, body)
	require.Equal(t, "original", description())
}

// Metrics are served on their own listener, not on the API's.
func TestMetricsListener(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "--metrics-listen", "127.0.0.1:0")
	require.NotEmpty(t, s.metricsURL)
	require.NotEqual(t, strings.TrimPrefix(s.url, "http://"), hostOf(t, s.metricsURL))

	resp, err := http.Get(s.url + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, dmsd.ENOTFOUNDURL, requireClientError(t, resp.StatusCode, string(body)).Code)

	resp, err = http.Get(s.metricsURL)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "process_resident_memory_bytes")

	// Without the setting there is no metrics listener at all.
	plain := startServer(t, t.TempDir())
	require.Empty(t, plain.metricsURL)
}

func hostOf(t *testing.T, rawURL string) string {
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	return u.Host
}

// /livez and /readyz answer 200 on a healthy server, and /healthz is /livez.
func TestLivezReadyz(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	for _, path := range []string{"/livez", "/readyz", "/healthz"} {
		resp, err := http.Get(s.url + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
		require.JSONEq(t, `{"status":"ok"}`, string(body), path)
	}
}

// While PostgreSQL is unreachable /readyz answers 503 with a DMS error, so
// that a load balancer stops sending traffic, and /livez stays 200, so that
// nothing restarts the process; /readyz is 200 again when it returns.
func TestReadyzDuringDatabaseOutage(t *testing.T) {
	t.Parallel()
	dbURL, proxy := proxiedDatabase(t)
	s := startServer(t, t.TempDir(), "--database-url", dbURL, "--replica-id", "readyz")

	get := func(path string) (int, string) {
		resp, err := http.Get(s.url + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	status, body := get("/readyz")
	require.Equal(t, http.StatusOK, status, body)

	proxy.setCut(true)
	start := time.Now()
	status, body = get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, status, body)
	require.Equal(t, dmsd.EUNAVAILABLE, requireClientError503(t, body).Code)
	require.Less(t, time.Since(start), 5*time.Second, "readiness answers within its timeout")
	status, body = get("/livez")
	require.Equal(t, http.StatusOK, status, body)

	proxy.setCut(false)
	require.Eventually(t, func() bool {
		status, _ := get("/readyz")
		return status == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "/readyz did not recover")
}

// requireClientError503 decodes a 503 answer in the service's error format.
func requireClientError503(t *testing.T, body string) dmsdError {
	t.Helper()
	e := dmsdError{}
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	require.True(t, strings.HasPrefix(e.Code, "DMS."), body)
	require.NotEmpty(t, e.Msg)
	require.NotContains(t, body, "127.0.0.1", "no internal detail")
	return e
}
