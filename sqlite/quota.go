package sqlite

import (
	"context"
	"database/sql"

	"github.com/dmsd/dmsd"
)

// usageQuery counts a project's instances and the brokers of its embedded
// ones, an instance with an unfinished extendInstance task counting with the
// brokers it is being extended to (dmsd.Usage). The data column holds JSON
// text that the driver may have stored as a blob, hence the casts.
const usageQuery = `SELECT count(*), coalesce(sum(CASE WHEN json_extract(CAST(i.data AS TEXT), '$.External') IS NULL THEN
    max(coalesce(json_extract(CAST(i.data AS TEXT), '$.BrokerNum'), 0), coalesce((SELECT max(CAST(json_extract(t.params, '$.new_broker_num') AS INTEGER))
        FROM tasks t WHERE t.instance_id = i.id AND t.name = 'extendInstance' AND t.status IN (?, ?)), 0))
    ELSE 0 END), 0)
FROM instances i WHERE i.project_id = ?`

// checkQuota returns q.Check's error for the project's usage as tx sees it.
// SQLite takes one writer at a time, so no other submission can change the
// usage between this count and the commit.
func checkQuota(ctx context.Context, tx *sql.Tx, projectID string, q dmsd.Quota) error {
	var u dmsd.Usage
	if err := tx.QueryRowContext(ctx, usageQuery, dmsd.TaskCreated, dmsd.TaskExecuting, projectID).Scan(&u.Instances, &u.Brokers); err != nil {
		return err
	}
	return q.Check(u)
}
