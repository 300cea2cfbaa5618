package postgres

import "time"

// PollInterval is how often the queue should look for due jobs besides
// River's notifications, which wake it for nearly every job (NotifyCooldown);
// polling finds those a lost notification would leave waiting.
const PollInterval = 100 * time.Millisecond

// NotifyCooldown is the least time between two of River's insert
// notifications to one queue. By River's default, the fetch cooldown (10 ms),
// a submission that committed just after the fetch its predecessor's
// notification woke sent none, and waited a round or a poll for the next
// fetch: on 20 instances each running one task after the other, a third of
// the tasks waited more than 20 ms. A notification costs the submission one
// small statement, and the workers still fetch at most once per fetch
// cooldown however many arrive.
const NotifyCooldown = time.Millisecond
