package kafka

// StopAll stops every running cluster, keeping its data for the next
// StartCluster, and returns how many it stopped. Unlike Close it leaves the
// Embedded usable: a replica that lost its lock stops its clusters, and
// starts them again once it holds the lock anew.
func (e *Embedded) StopAll() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.clusters)
	for id := range e.clusters {
		e.stopLocked(id)
	}
	return n
}
