package dmsd

// ConnectLag is how many records of one source topic a direction (flow) of
// a task has not copied yet: the source's end offsets minus the task's saved
// offsets, summed over the partitions it has started reading.
type ConnectLag struct {
	Flow  string
	Topic string
	Lag   int64
}
