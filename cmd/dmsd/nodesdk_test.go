package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// nodeSDKDir holds the Node.js SDK's scenario and its pinned modules.
var nodeSDKDir = filepath.Join("testdata", "nodesdk")

// observations are the lines scenario.js printed, each by its step.
type observations map[string]map[string]any

// parseObservations returns the JSON objects of out, one a line, by their
// "step"; a line that is not one, or a step seen twice, fails t.
func parseObservations(t *testing.T, out []byte) observations {
	t.Helper()
	obs := observations{}
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		var o map[string]any
		require.NoError(t, json.Unmarshal(lines.Bytes(), &o), "line %q", lines.Text())
		step, _ := o["step"].(string)
		require.NotEmpty(t, step, "line %q has no step", lines.Text())
		require.NotContains(t, obs, step, "step %s printed twice", step)
		delete(o, "step")
		obs[step] = o
	}
	require.NoError(t, lines.Err())
	return obs
}

// equal fails t unless step's observation, without the keys in ignore,
// is the JSON object want. It returns the whole observation and removes it
// from o, so that what remains is what no check looked at.
func (o observations) equal(t *testing.T, step, want string, ignore ...string) map[string]any {
	t.Helper()
	got, ok := o[step]
	require.True(t, ok, "no observation of step %s", step)
	delete(o, step)
	rest := map[string]any{}
	for k, v := range got {
		rest[k] = v
	}
	for _, k := range ignore {
		delete(rest, k)
	}
	data, err := json.Marshal(rest)
	require.NoError(t, err)
	require.JSONEq(t, want, string(data), "step %s", step)
	return got
}

// TestNodeSDK drives dmsd with another language's official SDK, unchanged:
// the Huawei Cloud Node.js SDK for Kafka, pinned in testdata/nodesdk. Its
// own AK/SK signer signs GET, POST, PUT and DELETE with and without bodies,
// query values Node's querystring encodes otherwise than the canonical
// request does, and the routes with the engine in the path; its error
// parsing must find dmsd's DMS codes. The scenario prints what the SDK
// answered; this test checks it.
func TestNodeSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: this test runs the Node.js SDK")
	}
	if _, err := os.Stat(filepath.Join(nodeSDKDir, "node_modules", "@huaweicloud", "huaweicloud-sdk-kafka")); err != nil {
		t.Skip("testdata/nodesdk/node_modules is missing: run `npm ci --no-audit --no-fund` in cmd/dmsd/testdata/nodesdk (.ci/run does)")
	}
	t.Parallel()
	s := startServer(t, t.TempDir())
	credPath := filepath.Join(t.TempDir(), "credentials.json")
	data, err := json.Marshal(credentialsFile{Credentials: s.creds})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(credPath, data, 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "scenario.js", s.url, credPath)
	cmd.Dir = nodeSDKDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "scenario.js failed: %s\nit printed:\n%s", stderr.String(), out)
	o := parseObservations(t, out)

	o.equal(t, "zones", `{"status":200,"ids":["d1a5e0c2b7f94c6e8a3b5d7f9e1c3a01","d1a5e0c2b7f94c6e8a3b5d7f9e1c3a02","d1a5e0c2b7f94c6e8a3b5d7f9e1c3a03"]}`)
	o.equal(t, "products", `{"status":200,"ids":["c6.2u4g.cluster"]}`)
	require.NotEmpty(t, o.equal(t, "create", `{"status":200}`, "id")["id"])
	o.equal(t, "running", `{"status":"RUNNING","name":"node-sdk-cluster","description":"Knoten für Tests","brokers":3,"task":"createInstance"}`)

	// Signed queries: a value with a space, parentheses, "!*'" and "ü"
	// (which matches no name, names being plain) and a substring.
	o.equal(t, "list-encoded", `{"status":200,"count":0,"names":[]}`)
	o.equal(t, "list-name", `{"status":200,"count":1,"names":["node-sdk-cluster"]}`)

	// The task list with start, limit, begin_time and end_time; the task
	// shown by its id.
	tasks := o.equal(t, "tasks", `{"status":200,"count":"1","names":["createInstance"],"statuses":["SUCCESS"]}`, "ids")
	o.equal(t, "tasks-old", `{"status":200,"count":"0","ids":[],"names":[],"statuses":[]}`)
	createTask := tasks["ids"].([]any)[0]
	require.Equal(t, createTask, o.equal(t, "task", `{"status":200,"count":"1","name":"createInstance","task_status":"SUCCESS"}`, "id")["id"])

	o.equal(t, "topic-create", `{"status":200,"name":"node-orders"}`)
	o.equal(t, "topics", `{"status":200,"total":1,"topics":[{"name":"node-orders","partition":3,"replication":3}]}`)

	// Topic quotas on /v2/kafka/{project_id}/..., the DELETE with a body.
	o.equal(t, "quota-create", `{"status":200,"name":"kafkaTopicQuota","task_status":"SUCCESS"}`)
	o.equal(t, "quotas", `{"status":200,"count":1,"quotas":[{"topic":"node-orders",
		"producer-byte-rate":1048576,"consumer-byte-rate":2097152,"producer_byte_rate":1048576,"consumer_byte_rate":2097152}]}`)
	o.equal(t, "quota-delete", `{"status":200,"name":"kafkaTopicQuota","task_status":"SUCCESS"}`)
	o.equal(t, "quotas-after", `{"status":200,"count":0,"quotas":[]}`)

	o.equal(t, "update", `{"status":204}`)
	o.equal(t, "retention", `{"name":"changeRetentionPolicy","task_status":"SUCCESS","retention_policy":"produce_reject"}`)

	// Four tasks, newest first, in pages of three from start 1 and 4.
	o.equal(t, "tasks-page1", `{"status":200,"count":"4","names":["changeRetentionPolicy","kafkaTopicQuota","kafkaTopicQuota"],"statuses":["SUCCESS","SUCCESS","SUCCESS"]}`, "ids")
	o.equal(t, "tasks-page2", `{"status":200,"count":"4","ids":[`+jsonString(t, createTask)+`],"names":["createInstance"],"statuses":["SUCCESS"]}`)

	// Errors in DMS format, as the SDK parses them.
	o.equal(t, "task-delete", `{"status":204}`)
	o.equal(t, "task-gone", `{"status":404,"code":"DMS.00404070","msg":"This task does not exist."}`)
	o.equal(t, "instance-bad-id", `{"status":400,"code":"DMS.00400061","msg":"Invalid instance ID format."}`)

	// A consumer group through the /v2/{engine}/{project_id}/... routes.
	o.equal(t, "group-create", `{"status":200}`)
	o.equal(t, "group-update", `{"status":204}`)
	o.equal(t, "group", `{"status":200,"id":"node-group","state":"Dead","desc":"zweite Beschreibung ü"}`)
	o.equal(t, "group-delete", `{"status":204}`)
	o.equal(t, "group-gone", `{"status":404,"code":"DMS.10240405","msg":"The consumer group node-group does not exist."}`)

	// Another project's credentials see nothing of the instance.
	o.equal(t, "foreign-show", `{"status":404,"code":"DMS.00404022","msg":"This instance does not exist."}`)
	o.equal(t, "foreign-tasks", `{"status":404,"code":"DMS.00404022","msg":"This instance does not exist."}`)
	o.equal(t, "foreign-list", `{"status":200,"count":0}`)

	o.equal(t, "delete", `{"status":204}`)
	o.equal(t, "gone", `{"status":404,"code":"DMS.00404022","msg":"This instance does not exist."}`)
	require.Empty(t, o, "steps this test does not check")
}

// jsonString returns v encoded as JSON.
func jsonString(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}
