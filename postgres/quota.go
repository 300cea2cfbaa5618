package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/dmsd/dmsd"
)

// usageQuery counts a project's instances and the brokers of its embedded
// ones, an instance with an unfinished extendInstance task counting with the
// brokers it is being extended to (dmsd.Usage).
const usageQuery = `SELECT count(*), coalesce(sum(CASE WHEN i.data->'External' IS NULL OR i.data->'External' = 'null'::jsonb THEN
    GREATEST(coalesce((i.data->>'BrokerNum')::int, 0), coalesce((SELECT max((t.params::jsonb->>'new_broker_num')::int)
        FROM tasks t WHERE t.instance_id = i.id AND t.name = 'extendInstance' AND t.status IN ($1, $2)), 0))
    ELSE 0 END), 0)
FROM instances i WHERE i.project_id = $3`

// checkQuota returns q.Check's error for the project's usage, counted under
// a transaction-scoped advisory lock of the project: concurrent submissions
// of one project, on any replica, count one after the other, each seeing
// what the previous one committed, so two cannot both take the last slot.
// The two-key lock space does not overlap the one-key locks of migrations
// and replicas.
func checkQuota(ctx context.Context, tx pgx.Tx, projectID string, q dmsd.Quota) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('dmsd:quota'), hashtext(current_schema() || ':' || $1))`, projectID); err != nil {
		return err
	}
	var u dmsd.Usage
	if err := tx.QueryRow(ctx, usageQuery, dmsd.TaskCreated, dmsd.TaskExecuting, projectID).Scan(&u.Instances, &u.Brokers); err != nil {
		return err
	}
	return q.Check(u)
}
