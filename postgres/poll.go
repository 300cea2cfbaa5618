package postgres

import "time"

// PollInterval is how often the queue should look for due jobs besides
// River's notifications. River sends at most one insert notification per
// queue per fetch cooldown, so a job inserted just after a notified one, and
// committed after the fetch that notification woke, waits for the next poll:
// with River's default of a second, a burst of submissions left some tasks
// (and the benchmark's bare jobs) waiting that long.
const PollInterval = 100 * time.Millisecond
