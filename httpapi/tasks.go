package httpapi

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/dmsd/dmsd"
)

// taskJSON is a task as the API shows it: every field a string.
type taskJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	UserName  string `json:"user_name"`
	UserID    string `json:"user_id"`
	Params    string `json:"params"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	// Reason says why a FAILED task failed; the reference has no such field,
	// and clients that do not know it ignore it.
	Reason string `json:"reason,omitempty"`
}

type taskListJSON struct {
	TaskCount string     `json:"task_count"`
	Tasks     []taskJSON `json:"tasks"`
}

func toTaskJSON(t *dmsd.Task) taskJSON {
	return taskJSON{
		ID:        t.ID,
		Name:      t.Name,
		UserName:  t.UserName,
		UserID:    t.UserID,
		Params:    t.Params,
		Status:    string(t.Status),
		CreatedAt: dmsd.FormatTime(t.CreatedAt),
		UpdatedAt: dmsd.FormatTime(t.UpdatedAt),
		Reason:    t.Reason,
	}
}

// taskPath returns the project, instance and task ids of a task route, or
// EINVALIDINSTANCEID or EINVALIDTASKID.
func taskPath(r *http.Request) (projectID, instanceID, taskID string, err error) {
	projectID, instanceID, taskID = r.PathValue("project_id"), r.PathValue("instance_id"), r.PathValue("task_id")
	if err := checkInstanceID(instanceID); err != nil {
		return "", "", "", err
	}
	if err := checkTaskID(taskID); err != nil {
		return "", "", "", err
	}
	return projectID, instanceID, taskID, nil
}

// findTask returns the task a task route names, or the error of its ids or
// of the store.
func findTask(r *http.Request, store dmsd.TaskStore) (*dmsd.Task, error) {
	projectID, instanceID, taskID, err := taskPath(r)
	if err != nil {
		return nil, err
	}
	return store.FindTask(r.Context(), projectID, instanceID, taskID)
}

// taskFilterOf returns the filter of a task list route: the instance of its
// path and the page and times of its query.
func taskFilterOf(r *http.Request) (dmsd.TaskFilter, error) {
	instanceID := r.PathValue("instance_id")
	if err := checkInstanceID(instanceID); err != nil {
		return dmsd.TaskFilter{}, err
	}
	f, err := parseTaskFilter(r.URL.Query())
	f.ProjectID, f.InstanceID = r.PathValue("project_id"), instanceID
	return f, err
}

func handleTaskList(store dmsd.TaskStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		f, err := taskFilterOf(r)
		if err != nil {
			return err
		}
		tasks, count, err := store.ListTasks(r.Context(), f)
		if err != nil {
			return err
		}
		out := taskListJSON{TaskCount: strconv.Itoa(count), Tasks: make([]taskJSON, len(tasks))}
		for i, t := range tasks {
			out.Tasks[i] = toTaskJSON(t)
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

func handleTaskShow(store dmsd.TaskStore) http.Handler {
	var bodies taskBodyCache
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		t, err := findTask(r, store)
		if err != nil {
			return err
		}
		body, err := bodies.body(t)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, body)
		return nil
	})
}

func handleTaskDelete(store dmsd.TaskStore) http.Handler {
	return handleDeleteBy(store, dmsd.TaskStore.DeleteTask)
}

// handleDeleteBy answers a task route by deleting its task with del, a
// method of store: 204, or the error of the ids or of del. del is a method
// expression because a method value would dereference store when the routes
// are built, and some route tables are built without stores.
func handleDeleteBy(store dmsd.TaskStore, del func(s dmsd.TaskStore, ctx context.Context, projectID, instanceID, taskID string) error) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		projectID, instanceID, taskID, err := taskPath(r)
		if err != nil {
			return err
		}
		if err := del(store, r.Context(), projectID, instanceID, taskID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

type stepJSON struct {
	Name string `json:"name"`
	// Statue is spelled as the official SDK spells it.
	// Statue takes the SDK's values (dmsd.StepStatus.Wire); the times are
	// left out while unset.
	Statue    string `json:"statue"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
}

type progressJSON struct {
	ProgressPercentage int        `json:"progress_percentage"`
	RemainTime         int        `json:"remain_time"`
	StepList           []stepJSON `json:"step_list"`
}

func handleTaskProgress(store dmsd.TaskStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		t, err := findTask(r, store)
		if err != nil {
			return err
		}
		out := progressJSON{ProgressPercentage: t.Progress(), RemainTime: remainSeconds(t, time.Now()), StepList: make([]stepJSON, len(t.Steps))}
		for i, s := range t.Steps {
			out.StepList[i] = stepJSON{Name: s.Name, Statue: s.Status.Wire(), StartTime: dmsd.FormatTime(s.StartedAt), EndTime: dmsd.FormatTime(s.EndedAt)}
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// remainSeconds estimates a running task's remaining seconds from the pace of
// its finished steps; it is 0 for a finished task.
func remainSeconds(t *dmsd.Task, now time.Time) int {
	if t.Status.Finished() {
		return 0
	}
	var done int
	var spent time.Duration
	for _, s := range t.Steps {
		if s.Status == dmsd.StepSuccess {
			done++
			spent += s.EndedAt.Sub(s.StartedAt)
		}
	}
	left := len(t.Steps) - done
	if left == 0 {
		return 0
	}
	perStep := time.Second
	if done > 0 {
		perStep = cmp.Or(spent/time.Duration(done), time.Second)
	}
	return int((perStep*time.Duration(left) + time.Second - 1) / time.Second)
}
