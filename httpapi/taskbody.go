package httpapi

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/dmsd/dmsd"
)

// taskBodyCacheSize bounds the task show answers a taskBodyCache keeps, as
// many as the store keeps finished tasks decoded.
const taskBodyCacheSize = 4096

// taskBodyCache keeps the encoded answer of the task show of finished tasks,
// by task id. It never decides whether a task is current: the store does, and
// hands the handler the task record it found. An entry is only the answer's
// bytes memoized with every field they are encoded from, and is served only
// for a task equal to it in all of them; any other task, such as one changed
// since, is encoded again. Encoding the answer was a tenth of the server's
// work on a task show, more than reading the task from the store's cache.
type taskBodyCache struct {
	mu      sync.Mutex
	entries map[string]*taskBody
}

// taskBody is one task show answer and the fields of the task it shows.
type taskBody struct {
	task showFields
	body []byte
}

// showFields are the fields of a task the task show answers (toTaskJSON).
type showFields struct {
	id, name, userName, userID, params, reason string
	status                                     dmsd.TaskStatus
	createdAt, updatedAt                       time.Time
}

func showFieldsOf(t *dmsd.Task) showFields {
	return showFields{
		id: t.ID, name: t.Name, userName: t.UserName, userID: t.UserID, params: t.Params, reason: t.Reason,
		status: t.Status, createdAt: t.CreatedAt, updatedAt: t.UpdatedAt,
	}
}

// same reports whether f and g encode alike: the times compare as instants,
// whatever their location.
func (f showFields) same(g showFields) bool {
	return f.id == g.id && f.name == g.name && f.userName == g.userName && f.userID == g.userID &&
		f.params == g.params && f.reason == g.reason && f.status == g.status &&
		f.createdAt.Equal(g.createdAt) && f.updatedAt.Equal(g.updatedAt)
}

// body returns the task show answer of t: the one kept for a task equal to t
// in every field it shows, or else t encoded now, which is kept if t is
// finished (a running task changes at every step). It returns the encoder's
// error, which no task of strings causes.
func (c *taskBodyCache) body(t *dmsd.Task) ([]byte, error) {
	f := showFieldsOf(t)
	c.mu.Lock()
	e := c.entries[t.ID]
	c.mu.Unlock()
	if e != nil && e.task.same(f) {
		return e.body, nil
	}
	body, err := json.Marshal(taskListJSON{TaskCount: "1", Tasks: []taskJSON{toTaskJSON(t)}})
	if err != nil || !t.Status.Finished() {
		return body, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]*taskBody)
	}
	if _, ok := c.entries[t.ID]; !ok && len(c.entries) >= taskBodyCacheSize {
		for id := range c.entries { // Any one: the map's order is random.
			delete(c.entries, id)
			break
		}
	}
	c.entries[t.ID] = &taskBody{task: f, body: body}
	return body, nil
}
