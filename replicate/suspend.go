package replicate

// Suspend stops every task's copying and waits for it, and starts none
// until Resume: the replica has lost its lock, so another process may take
// its tasks, and two workers must never copy one task at once. Offsets
// saved stay; Resume continues from them. It may be called before Start and
// after Stop.
func (w *Worker) Suspend() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.suspended = true
	n := len(w.runs)
	for id := range w.runs {
		w.stopRun(id)
	}
	w.logger.Warn("replication suspended with the replica's lock", "tasks_stopped", n)
}

// Resume lets the worker run its tasks again after Suspend, at once.
func (w *Worker) Resume() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.suspended {
		w.suspended = false
		w.logger.Info("replication resumed with the replica's lock")
		w.Wake()
	}
}

// Wake makes the worker look at the tasks now rather than at its next tick,
// so that a task created, resumed or deleted through this process starts or
// stops at once. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}
