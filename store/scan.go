package store

// The columns the scanners read, in their order; both backends name them
// alike.
const (
	InstanceColumns = `id, project_id, status, data, created_ms`
	TaskColumns     = `id, project_id, instance_id, name, user_id, user_name, params, status, reason, steps, created_ms, updated_ms, execute_ms, job_id`
)

// Scanner is a row of a query (a *sql.Row, a pgx.Row, or the current row of
// Rows).
type Scanner interface{ Scan(dest ...any) error }

// Rows is the result of a query, as database/sql and pgx both give it.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// CollectRows returns every row of rows, scanned by scan. The caller closes
// rows.
func CollectRows[T any](rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ScanInstance reads the InstanceColumns of a row.
func ScanInstance(s Scanner) (*InstanceRow, error) {
	var r InstanceRow
	return &r, s.Scan(&r.ID, &r.ProjectID, &r.Status, &r.Data, &r.CreatedMs)
}

// ScanInstanceData reads the id and data columns of a row.
func ScanInstanceData(s Scanner) (*InstanceRow, error) {
	var r InstanceRow
	return &r, s.Scan(&r.ID, &r.Data)
}

// ScanTask reads the TaskColumns of a row.
func ScanTask(s Scanner) (*TaskRow, error) {
	var r TaskRow
	return &r, s.Scan(&r.ID, &r.ProjectID, &r.InstanceID, &r.Name, &r.UserID, &r.UserName, &r.Params, &r.Status, &r.Reason, &r.Steps, &r.CreatedMs, &r.UpdatedMs, &r.ExecuteMs, &r.JobID)
}

// TaskCount is how many tasks of a name have a status.
type TaskCount struct {
	Name, Status string
	N            int
}

// ScanTaskCount reads the name, status and count columns of a row.
func ScanTaskCount(s Scanner) (TaskCount, error) {
	var c TaskCount
	return c, s.Scan(&c.Name, &c.Status, &c.N)
}
