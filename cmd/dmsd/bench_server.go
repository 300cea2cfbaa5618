package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
)

// benchDMSD is a dmsd that dmsd bench runs in its own process, through run
// as main runs it, on 127.0.0.1 with a data dir of its own and one
// credential.
type benchDMSD struct {
	*inProcess
	cred dmsd.Credential
}

// inProcess is a dmsd run in this process through run, as main runs it.
type inProcess struct {
	url, metricsURL string
	cancel          context.CancelFunc
	done            chan error
}

// startInProcess runs dmsd with args and no environment in this process, its
// log to logOut, and returns it once it listens, its output read on to the
// end. It returns the error run returned if it returned before listening.
func startInProcess(ctx context.Context, args []string, logOut io.Writer) (*inProcess, error) {
	ctx, cancel := context.WithCancel(ctx)
	p := &inProcess{cancel: cancel, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	go func() {
		// No environment: the DMSD_* variables of the shell must not change
		// what runs.
		err := run(ctx, args, func(string) string { return "" }, pw, logOut)
		pw.CloseWithError(errors.New("dmsd returned"))
		p.done <- err
	}()
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "dmsd: metrics on "); ok {
			p.metricsURL = addr
		}
		if addr, ok := strings.CutPrefix(lines.Text(), "dmsd: listening on "); ok {
			p.url = addr
			go io.Copy(io.Discard, pr)
			return p, nil
		}
	}
	cancel()
	return nil, <-p.done
}

// stop shuts dmsd down as SIGTERM would and returns the error run returned.
func (p *inProcess) stop() error {
	p.cancel()
	return <-p.done
}

// startBenchDMSD starts dmsd serving from dir (created if need be), with
// extra flags after those of the bench (an ephemeral port, its credential,
// a rate limit no measurement reaches), and returns once it listens. Its
// log, errors only, goes to stderr. It returns the error of writing the
// credentials or why dmsd did not start.
func startBenchDMSD(ctx context.Context, dir string, stderr io.Writer, extra ...string) (*benchDMSD, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cred := dmsd.Credential{AccessKey: "AKBENCH", SecretKey: dmsd.NewID(), ProjectID: dmsd.NewID(), UserID: dmsd.NewID(), UserName: "bench"}
	data, err := json.Marshal(credentialsFile{Credentials: []dmsd.Credential{cred}})
	if err != nil {
		return nil, err
	}
	credPath := filepath.Join(dir, "bench-credentials.json")
	if err := os.WriteFile(credPath, data, 0o600); err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--credentials", credPath,
		"--log-level", "error", "--rate-limit", "1000000"}, extra...)
	p, err := startInProcess(ctx, args, stderr)
	if err != nil {
		return nil, fmt.Errorf("dmsd did not start: %w", err)
	}
	return &benchDMSD{inProcess: p, cred: cred}, nil
}

// client returns an API client of d that signs with its credential and
// keeps connections alive for every measuring client.
func (d *benchDMSD) client() *client.Client {
	return client.New(d.url, client.Credentials{AccessKey: d.cred.AccessKey, SecretKey: d.cred.SecretKey, ProjectID: d.cred.ProjectID},
		client.WithHTTPClient(newBenchHTTPClient()))
}

// benchCreateRequest returns the request of a new embedded instance of
// brokers brokers.
func benchCreateRequest(name string, brokers int) client.CreateInstanceRequest {
	return client.CreateInstanceRequest{
		Name: name, EngineVersion: "3.x", BrokerNum: brokers, StorageSpace: 300,
		VpcID: "vpc-1", SecurityGroupID: "sg-1", SubnetID: "subnet-1", AvailableZones: []string{dmsd.DefaultZoneID},
		ProductID: "c6.2u4g.cluster", StorageSpecCode: "dms.physical.storage.ultra.v2",
	}
}

// createRunning creates an instance and waits, polling without pause, until
// it shows RUNNING, at most wait. It returns the instance's id and the time
// from the create call to the first RUNNING answer, or the error of a call,
// of a status other than CREATING, or of the wait running out.
func createRunning(ctx context.Context, c *client.Client, name string, brokers int, wait time.Duration) (string, time.Duration, error) {
	start := time.Now()
	id, err := c.CreateInstance(ctx, benchCreateRequest(name, brokers))
	if err != nil {
		return "", 0, err
	}
	for {
		inst, err := c.ShowInstance(ctx, id)
		if err != nil {
			return id, 0, err
		}
		switch {
		case inst.Status == dmsd.InstanceRunning:
			return id, time.Since(start), nil
		case inst.Status != dmsd.InstanceCreating:
			return id, 0, fmt.Errorf("instance %s is %s, not RUNNING", id, inst.Status)
		case time.Since(start) > wait:
			return id, 0, fmt.Errorf("instance %s not RUNNING after %s", id, wait)
		}
	}
}

// signedGet returns GET of path at endpoint signed now with cred, as the
// SDK signs it (X-Sdk-Date, X-Project-Id).
func signedGet(endpoint, path string, cred dmsd.Credential) (*http.Request, error) {
	r, err := http.NewRequest(http.MethodGet, endpoint+path, nil)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Project-Id", cred.ProjectID)
	if err := client.Sign(r, nil, cred.AccessKey, cred.SecretKey, time.Now()); err != nil {
		return nil, err
	}
	return r, nil
}
