package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// The task show's kept answer is served only for a task equal to the one it
// encodes: a task that differs in any field it shows is encoded again, and a
// running task is never kept.
func TestTaskBodyCache(t *testing.T) {
	t.Parallel()
	var c taskBodyCache
	created := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	task := &dmsd.Task{
		ID: dmsd.NewID(), ProjectID: dmsd.NewID(), InstanceID: dmsd.NewUUID(), Name: "restartInstance",
		UserID: "u", UserName: "alice", Params: `{"a":1}`, Status: dmsd.TaskSuccess,
		CreatedAt: created, UpdatedAt: created.Add(time.Second),
	}
	want := func(task *dmsd.Task) []byte {
		b, err := json.Marshal(taskListJSON{TaskCount: "1", Tasks: []taskJSON{toTaskJSON(task)}})
		require.NoError(t, err)
		return b
	}
	first, err := c.body(task)
	require.NoError(t, err)
	require.JSONEq(t, string(want(task)), string(first))
	again, err := c.body(task)
	require.NoError(t, err)
	require.Same(t, &first[0], &again[0], "a finished task's answer is kept")

	// The same instant in another location shows the same.
	local := *task
	local.CreatedAt = created.In(time.FixedZone("x", 3600))
	got, err := c.body(&local)
	require.NoError(t, err)
	require.Same(t, &first[0], &got[0])

	for name, change := range map[string]func(t *dmsd.Task){
		"name":       func(t *dmsd.Task) { t.Name = "other" },
		"user name":  func(t *dmsd.Task) { t.UserName = "bob" },
		"user id":    func(t *dmsd.Task) { t.UserID = "v" },
		"params":     func(t *dmsd.Task) { t.Params = `{"a":2}` },
		"status":     func(t *dmsd.Task) { t.Status = dmsd.TaskFailed },
		"reason":     func(t *dmsd.Task) { t.Reason = "broken" },
		"created at": func(t *dmsd.Task) { t.CreatedAt = t.CreatedAt.Add(time.Millisecond) },
		"updated at": func(t *dmsd.Task) { t.UpdatedAt = t.UpdatedAt.Add(time.Millisecond) },
	} {
		changed := *task
		change(&changed)
		got, err := c.body(&changed)
		require.NoError(t, err, name)
		require.JSONEq(t, string(want(&changed)), string(got), name)
		require.NotEqual(t, string(first), string(got), name)
	}

	running := *task
	running.ID, running.Status = dmsd.NewID(), dmsd.TaskExecuting
	a, err := c.body(&running)
	require.NoError(t, err)
	b, err := c.body(&running)
	require.NoError(t, err)
	require.NotSame(t, &a[0], &b[0], "a running task's answer is not kept")
	require.JSONEq(t, string(want(&running)), string(b))
}
