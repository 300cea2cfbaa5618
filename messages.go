package dmsd

import (
	"context"
	"time"
)

// Message is one Kafka record as the message operations show and send it.
type Message struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   []MessageHeader
	// Timestamp is the record's time in Unix milliseconds.
	Timestamp int64
	// Size is the record's key and value bytes as Kafka holds them, which
	// Value may show only in part (see Truncated).
	Size int
	// Truncated reports that Value holds only the first bytes of the
	// record's value, as the read's value cap allows.
	Truncated bool
}

// MessageHeader is one record header.
type MessageHeader struct {
	Key   string
	Value []byte
}

// The bounds of the message reads: none can pull a whole topic in one call.
const (
	// MaxMessagePage is the largest page of a message query.
	MaxMessagePage = 50
	// MessageValueCap is how much of a value a query shows; longer ones are
	// cut and flagged huge_message.
	MessageValueCap = 4 << 10
	// MessageDownloadCap is how much of one value a query by offset with
	// download=true shows.
	MessageDownloadCap = 1 << 20
	// MaxWindowRecords is how many records a time-window query may read
	// over all the partitions it covers; a wider window is EQUERYTOOLARGE.
	MaxWindowRecords = 10_000
	// MaxFetchBytes bounds what one read fetches from the cluster.
	MaxFetchBytes = 16 << 20
	// MessageQueryBudget is how long one read may take before it is
	// EQUERYTIMEOUT.
	MessageQueryBudget = 10 * time.Second
	// MaxSendBytes bounds the body of a message sent through the API.
	MaxSendBytes = 512 << 10
)

// PartitionBounds is a partition's log start offset and its end offset
// (the high watermark: the offset the next record gets).
type PartitionBounds struct {
	Partition int32
	Start     int64
	End       int64
}

// MessageAdmin reads, writes and deletes the records of a running cluster.
type MessageAdmin interface {
	// Bounds returns the start and end offsets of the topic's partitions,
	// sorted by partition. Returns ETOPICNOTFOUND if the topic does not
	// exist.
	Bounds(ctx context.Context, inst *Instance, topic string) ([]PartitionBounds, error)
	// OffsetsAfter returns, per partition, the offset of the first record
	// whose timestamp is at or after millis (the end offset if none is), as
	// Kafka's ListOffsets by timestamp answers.
	OffsetsAfter(ctx context.Context, inst *Instance, topic string, millis int64) (map[int32]int64, error)
	// ReadMessages returns the records of the partitions from each one's
	// from offset up to (not including) its to offset, in offset order per
	// partition, fetching at most MaxFetchBytes in all, with values cut to
	// valueCap and each record kept only if keep (given the whole record)
	// returns true. It stops at ctx's deadline with EQUERYTIMEOUT.
	ReadMessages(ctx context.Context, inst *Instance, topic string, from, to map[int32]int64, valueCap int, keep func(*Message) bool) ([]*Message, error)
	// ProduceMessage writes m to its topic (to m.Partition when it is not
	// negative) and returns it with its partition, offset and timestamp.
	// Returns ETOPICNOTFOUND or EMSGPARTITION.
	ProduceMessage(ctx context.Context, inst *Instance, m *Message) (*Message, error)
	// DeleteRecords deletes the records of each partition before its
	// offset (Kafka's DeleteRecords) and returns, per partition, nil or
	// why its records could not be deleted.
	DeleteRecords(ctx context.Context, inst *Instance, topic string, before map[int32]int64) (map[int32]error, error)
}

// MessageQuery is a query of a topic's messages over a time window or at
// one offset.
type MessageQuery struct {
	Topic string
	// Partition is the partition queried, or -1 for all of them.
	Partition int32
	// StartMs and EndMs bound the window in Unix milliseconds (EndMs
	// excluded); both zero means a query at Offset.
	StartMs, EndMs int64
	// Offset is the message offset of a query at one offset.
	Offset int64
	// Keyword, when set, keeps the messages whose key or value contains it;
	// Key keeps those whose key is exactly it.
	Keyword, Key string
	// Desc sorts the window newest first.
	Desc bool
	// Skip and Limit select the page of the window.
	Skip, Limit int
	// ValueCap is how much of each value to show.
	ValueCap int
}

// MessagePage is a page of a time-window query.
type MessagePage struct {
	Messages []*Message
	// Total is the number of messages the window holds (after the
	// keyword and key filters).
	Total int
}

// MessageDeletion is the outcome of a delete in one partition.
type MessageDeletion struct {
	Partition int32
	// Err is nil if the records before the offset were deleted.
	Err error
}

// MessageService runs the message operations of the API on a RUNNING
// instance.
type MessageService interface {
	// QueryMessages returns a page of the messages of q's window, sorted by
	// time. Returns ETOPICNOTFOUND, EMSGPARTITION, EQUERYTOOLARGE when the
	// window holds more than MaxWindowRecords and EQUERYTIMEOUT.
	QueryMessages(ctx context.Context, actor Actor, instanceID string, q *MessageQuery) (*MessagePage, error)
	// MessageAt returns the message of q.Partition at q.Offset. Returns
	// ETOPICNOTFOUND, EMSGPARTITION, or EMSGOFFSET when the partition
	// holds no message there.
	MessageAt(ctx context.Context, actor Actor, instanceID string, q *MessageQuery) (*Message, error)
	// PartitionEdge returns the first message of the partition (or, with
	// last, the last one): its offset and timestamp; for an empty
	// partition the offset is its end offset and the timestamp 0.
	PartitionEdge(ctx context.Context, actor Actor, instanceID, topic string, partition int32, last bool) (*Message, error)
	// SendMessage produces m and returns it as written. Returns
	// ETOPICNOTFOUND, EMSGPARTITION, or EMSGTOOLARGE.
	SendMessage(ctx context.Context, actor Actor, instanceID string, m *Message) (*Message, error)
	// DeleteMessages deletes each partition's records before its offset.
	// Every partition is checked before anything is deleted: an unknown
	// one is EMSGPARTITION and an offset past its end EMSGDELETEAHEAD.
	DeleteMessages(ctx context.Context, actor Actor, instanceID, topic string, before map[int32]int64) ([]MessageDeletion, error)
}
