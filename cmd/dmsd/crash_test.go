package main

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	kafkasdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/storetest"
)

var dmsdBinary struct {
	once sync.Once
	path string
	err  error
}

// buildDMSD builds this command once per test process, for tests that kill
// it for real.
func buildDMSD(t *testing.T) string {
	t.Helper()
	dmsdBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "dmsd-bin-")
		if err != nil {
			dmsdBinary.err = err
			return
		}
		dmsdBinary.path = filepath.Join(dir, "dmsd")
		out, err := exec.Command("go", "build", "-o", dmsdBinary.path, ".").CombinedOutput()
		if err != nil {
			dmsdBinary.err = err
			dmsdBinary.path = string(out)
		}
	})
	require.NoError(t, dmsdBinary.err, dmsdBinary.path)
	return dmsdBinary.path
}

// process is a dmsd running as its own process, which a test may SIGKILL.
type process struct {
	cmd *exec.Cmd
	url string
}

// startProcess starts the dmsd binary on dataDir (with the test credentials
// that startServer writes there) and waits until it listens.
func startProcess(t *testing.T, bin, dataDir string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0", "--data-dir", dataDir,
		"--credentials", filepath.Join(dataDir, "test-credentials.json"), "--log-level", "warn"}, withSharedSecretKey(t, args)...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd}
	t.Cleanup(func() { p.kill() })
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "dmsd: listening on "); ok {
			p.url = addr
			break
		}
	}
	require.NotEmpty(t, p.url, "dmsd did not start")
	go func() {
		for lines.Scan() {
		}
	}()
	return p
}

// kill ends the process with SIGKILL: no shutdown, no checkpoint.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// crashTest runs rounds of operations on instances, killing a dmsd process
// at a random moment in each round and starting it again, then checks that
// every accepted task finished exactly once and nothing is left EXECUTING.
// With a survivor, a second replica that is never killed takes the
// operations, and the killed one hosts the instances.
func crashTest(t *testing.T, rounds int, dbArgs func(replica string) []string, survivor bool) {
	bin := buildDMSD(t)
	dir := t.TempDir()
	// An in-process server writes the credentials file and is stopped at
	// once; the processes below use the same data dir layout.
	seed := startServer(t, dir, dbArgs("crash")...)
	seed.stop()

	p := startProcess(t, bin, dir, dbArgs("crash")...)
	c := newSDKClient(t, p.url, seed.creds[0])
	clientFor := func(p *process) *kafkasdk.KafkaClient { return newSDKClient(t, p.url, seed.creds[0]) }
	if survivor {
		dirB := t.TempDir()
		copyFile(t, filepath.Join(dir, "test-credentials.json"), filepath.Join(dirB, "test-credentials.json"))
		b := startProcess(t, bin, dirB, dbArgs("survivor")...)
		clientFor = func(*process) *kafkasdk.KafkaClient { return newSDKClient(t, b.url, seed.creds[0]) }
	}
	var instances []string
	for i := range 3 {
		instances = append(instances, *createInstance(t, c, "crash-"+string(rune('a'+i)), 1, false).InstanceId)
	}

	c = clientFor(p)                // With a survivor, operations go through it from now on.
	accepted := map[string]string{} // task id → instance id
	for round := range rounds {
		// Operations go in, and at a random moment the process dies.
		deadline := time.After(time.Duration(rand.IntN(60)) * time.Millisecond)
	submit:
		for {
			select {
			case <-deadline:
				break submit
			default:
			}
			id := instances[rand.IntN(len(instances))]
			var err error
			if rand.IntN(2) == 0 {
				_, err = c.BatchRestartOrDeleteInstances(&model.BatchRestartOrDeleteInstancesRequest{Body: &model.BatchRestartOrDeleteInstanceReq{
					Instances: &[]string{id}, Action: model.GetBatchRestartOrDeleteInstanceReqActionEnum().RESTART,
				}})
			} else {
				_, err = c.UpdateInstanceAutoCreateTopic(&model.UpdateInstanceAutoCreateTopicRequest{InstanceId: id,
					Body: &model.UpdateInstanceAutoCreateTopicReq{EnableAutoTopic: rand.IntN(2) == 0}})
			}
			if err != nil {
				continue // Refused: a task of the instance is running.
			}
			list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(1))})
			accepted[*(*list.Tasks)[0].Id] = id
		}
		p.kill()
		p = startProcess(t, bin, dir, dbArgs("crash")...)
		c = clientFor(p)
		t.Logf("round %d: %d tasks accepted so far", round, len(accepted))
	}

	// Every accepted task finishes, once, and the instances come back.
	for taskID, id := range accepted {
		task := waitTask(t, c, id, taskID)
		require.Equal(t, "SUCCESS", *task.Status, "task %s %s: %v", *task.Name, taskID, task.String())
	}
	for _, id := range instances {
		inst := waitInstance(t, c, id, "RUNNING")
		list := listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id, Limit: ptr(int32(100))})
		seen := map[string]bool{}
		for _, task := range *list.Tasks {
			require.False(t, seen[*task.Id], "task %s listed twice", *task.Id)
			seen[*task.Id] = true
			require.True(t, dmsd.TaskStatus(*task.Status).Finished(), "task %s left %s", *task.Id, *task.Status)
		}
		for taskID, owner := range accepted {
			if owner == id {
				require.True(t, seen[taskID], "accepted task %s was lost", taskID)
			}
		}
		// The last automatic topic change decides the setting, applied once.
		want := false
		for i := len(*list.Tasks) - 1; i >= 0; i-- {
			task := (*list.Tasks)[i]
			if *task.Name == "kafkaConfigModify" && strings.Contains(*task.Params, `"new_auto_status"`) {
				want = strings.Contains(*task.Params, `"new_auto_status":true`)
			}
		}
		require.Equal(t, want, *inst.EnableAutoTopic, "instance %s", id)
		cl := kafkaClient(t, inst)
		require.NoError(t, cl.Ping(context.Background()), "instance %s serves Kafka", id)
	}
}

func TestCrashSQLite(t *testing.T) {
	t.Parallel()
	crashTest(t, 6, func(string) []string { return nil }, false)
}

func TestCrashPostgres(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	crashTest(t, 6, func(replica string) []string { return []string{"--database-url", url, "--replica-id", replica} }, false)
}

// The replica hosting the instances dies again and again while another takes
// the operations: every task accepted by the survivor runs when the host is
// back.
func TestCrashPostgresTwoReplicas(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	crashTest(t, 6, func(replica string) []string { return []string{"--database-url", url, "--replica-id", replica} }, true)
}

func copyFile(t *testing.T, from, to string) {
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, data, 0o600))
}
