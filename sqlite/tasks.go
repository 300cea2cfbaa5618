package sqlite

import (
	"encoding/hex"
	"fmt"

	"github.com/dmsd/dmsd/store"
)

// A task record is stored compactly (migration 009): it refers to its
// instance by the instance's seq, takes its project from the instance, and
// keeps its id and user id packed (packID). The queries below give the
// store the text ids of store.TaskRow all the same.

// taskColumns are the columns of store.TaskColumns, in its order, of a task t
// joined with its instance i; scanTask reads them. The queries join with
// CROSS JOIN, which SQLite never reorders: a list reads the instance first
// and then its tasks in index order, a lookup by task id the other way, so
// that neither plan depends on statistics dmsd never gathers (ANALYZE).
const taskColumns = `t.id, i.project_id, i.id, t.name, t.user_id, t.user_name, t.params, t.status, t.reason, t.steps, t.created_ms, t.updated_ms, t.execute_ms, t.job_id`

// instanceSeq is the seq of the instance of id (the first parameter) in the
// project of the second, NULL if there is none.
const instanceSeq = `(SELECT seq FROM instances WHERE id = ? AND project_id = ?)`

// instanceSeqOfID is the seq of the instance of id, NULL if there is none.
const instanceSeqOfID = `(SELECT seq FROM instances WHERE id = ?)`

// scheduledPageQuery is taskPageQuery of the scheduled tasks.
const scheduledPageQuery = `SELECT ` + taskColumns + ` FROM instances i CROSS JOIN tasks t ON t.instance_seq = i.seq WHERE i.id = ? AND t.execute_ms <> 0 AND t.created_ms BETWEEN ? AND ? ORDER BY t.created_ms DESC, t.seq DESC LIMIT ? OFFSET ?`

// packID returns id as stored: the 16 bytes of an id of 32 lowercase
// hexadecimal digits, the text of any other. An id and its packed form are
// one-to-one, so that lookups compare the packed forms.
func packID(id string) any {
	if len(id) != 32 {
		return id
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return id
		}
	}
	b, _ := hex.DecodeString(id) // Valid: checked above.
	return b
}

// packedID scans an id stored by packID into its text.
type packedID string

func (p *packedID) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		if len(v) != 16 {
			return fmt.Errorf("sqlite: stored id of %d bytes", len(v))
		}
		*p = packedID(hex.EncodeToString(v))
	case string:
		*p = packedID(v)
	default:
		return fmt.Errorf("sqlite: stored id of type %T", src)
	}
	return nil
}

// scanTask reads the taskColumns of a row.
func scanTask(s store.Scanner) (*store.TaskRow, error) {
	var r store.TaskRow
	return &r, s.Scan((*packedID)(&r.ID), &r.ProjectID, &r.InstanceID, &r.Name, (*packedID)(&r.UserID), &r.UserName, &r.Params, &r.Status, &r.Reason, &r.Steps, &r.CreatedMs, &r.UpdatedMs, &r.ExecuteMs, &r.JobID)
}
