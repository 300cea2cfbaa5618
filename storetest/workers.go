package storetest

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/dmsd/dmsd"
)

// idleWorker takes task jobs and leaves their records alone, so that the
// conformance suite decides every status.
type idleWorker struct {
	river.WorkerDefaults[dmsd.TaskJob]
}

func (idleWorker) Work(context.Context, *river.Job[dmsd.TaskJob]) error { return nil }

// IdleWorkers returns workers for a store's queue under Exercise: they take
// task jobs and leave the records alone.
func IdleWorkers() *river.Workers {
	workers := river.NewWorkers()
	river.AddWorker(workers, &idleWorker{})
	return workers
}
