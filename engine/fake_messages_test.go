package engine_test

import (
	"context"
	"errors"

	"github.com/dmsd/dmsd"
)

// The message operations of dmsd.Cluster for gatedClusters: no task reads
// or writes records, so each refuses.

var errNoMessages = errors.New("gatedClusters holds no records")

func (g *gatedClusters) Bounds(context.Context, *dmsd.Instance, string) ([]dmsd.PartitionBounds, error) {
	return nil, errNoMessages
}

func (g *gatedClusters) OffsetsAfter(context.Context, *dmsd.Instance, string, int64) (map[int32]int64, error) {
	return nil, errNoMessages
}

func (g *gatedClusters) ReadMessages(context.Context, *dmsd.Instance, string, map[int32]int64, map[int32]int64, int, func(*dmsd.Message) bool) ([]*dmsd.Message, error) {
	return nil, errNoMessages
}

func (g *gatedClusters) ProduceMessage(context.Context, *dmsd.Instance, *dmsd.Message) (*dmsd.Message, error) {
	return nil, errNoMessages
}

func (g *gatedClusters) DeleteRecords(context.Context, *dmsd.Instance, string, map[int32]int64) (map[int32]error, error) {
	return nil, errNoMessages
}
