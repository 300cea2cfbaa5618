package postgres

import "time"

// PollInterval is how often the queue should look for due jobs besides
// River's notifications, which wake it for nearly every job
// (engine.NotifyCooldown); polling finds those a lost notification would
// leave waiting.
const PollInterval = 100 * time.Millisecond
