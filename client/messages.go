package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Message is a message of a topic as the API shows it: a key or value that
// is not UTF-8 is its standard base64, and a long value is cut (Huge).
type Message struct {
	Topic     string    `json:"topic"`
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	Key       *string   `json:"key,omitempty"`
	Value     string    `json:"value"`
	Size      int       `json:"size"`
	Timestamp time.Time `json:"timestamp"`
	// Huge reports that Value shows only the first bytes of the value.
	Huge bool `json:"huge,omitempty"`
}

// MessageQuery selects messages of a topic: the one at Partition and
// Offset when Offset is set, otherwise those of the window [Start, End]
// (End zero is now), filtered by Keyword and Key, a page at a time.
type MessageQuery struct {
	Topic string
	// Partition limits a window to one partition; nil is all of them.
	Partition *int32
	// Offset, with Partition, asks for the one message there.
	Offset     *int64
	Start, End time.Time
	Keyword    string
	Key        string
	// Newest sorts newest first.
	Newest bool
	// Page (from 0) and Limit (1-50, 0 is the API's 10) select the page.
	Page, Limit int
}

// MessagePage is a page of messages and how many the query matches.
type MessagePage struct {
	Total    int       `json:"total"`
	Messages []Message `json:"messages"`
}

type messageJSON struct {
	Topic         string  `json:"topic"`
	Partition     int32   `json:"partition"`
	Key           *string `json:"key"`
	Value         *string `json:"value"`
	Size          int     `json:"size"`
	Timestamp     int64   `json:"timestamp"`
	HugeMessage   bool    `json:"huge_message"`
	MessageOffset int64   `json:"message_offset"`
}

// QueryMessages returns the messages q selects (ShowInstanceMessages).
func (c *Client) QueryMessages(ctx context.Context, instanceID string, q MessageQuery) (MessagePage, error) {
	v := url.Values{"topic": {q.Topic}}
	if q.Partition != nil {
		v.Set("partition", strconv.Itoa(int(*q.Partition)))
	}
	if q.Offset != nil {
		if q.Partition == nil {
			return MessagePage{}, fmt.Errorf("a message offset needs its partition")
		}
		v.Set("message_offset", strconv.FormatInt(*q.Offset, 10))
	} else {
		v.Set("start_time", strconv.FormatInt(q.Start.UnixMilli(), 10))
		if !q.End.IsZero() {
			v.Set("end_time", strconv.FormatInt(q.End.UnixMilli(), 10))
		}
		if q.Keyword != "" {
			v.Set("keyword", q.Keyword)
		}
		if q.Key != "" {
			v.Set("key", q.Key)
		}
		if q.Newest {
			v.Set("asc", "false")
		}
		if q.Limit > 0 {
			v.Set("limit", strconv.Itoa(q.Limit))
		}
		if q.Page > 0 {
			v.Set("offset", strconv.Itoa(q.Page))
		}
	}
	var out struct {
		Messages []messageJSON `json:"messages"`
		Total    int           `json:"total"`
	}
	if err := c.do(ctx, http.MethodGet, c.projectPath("instances", instanceID, "messages"), v, nil, &out); err != nil {
		return MessagePage{}, err
	}
	page := MessagePage{Total: out.Total, Messages: make([]Message, 0, len(out.Messages))}
	for _, m := range out.Messages {
		msg := Message{Topic: m.Topic, Partition: m.Partition, Offset: m.MessageOffset, Key: m.Key, Size: m.Size,
			Timestamp: time.UnixMilli(m.Timestamp).UTC(), Huge: m.HugeMessage}
		if m.Value != nil {
			msg.Value = *m.Value
		}
		page.Messages = append(page.Messages, msg)
	}
	return page, nil
}

// SendOptions is a message to send.
type SendOptions struct {
	Topic string
	Body  string
	// Key is the record's key; nil sends none.
	Key *string
	// Partition is where it goes; nil lets Kafka's partitioner choose.
	Partition *int32
	// Headers are the record's headers.
	Headers map[string]string
}

// Sent is where a sent message was written.
type Sent struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// SendMessage produces a message (SendKafkaMessage) and returns where it
// was written.
func (c *Client) SendMessage(ctx context.Context, instanceID string, m SendOptions) (Sent, error) {
	type prop struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	props := []prop{}
	if m.Key != nil {
		props = append(props, prop{"KEY", *m.Key})
	}
	if m.Partition != nil {
		props = append(props, prop{"PARTITION", strconv.Itoa(int(*m.Partition))})
	}
	names := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		props = append(props, prop{k, m.Headers[k]})
	}
	in := map[string]any{"topic": m.Topic, "body": m.Body, "property_list": props}
	var out struct {
		Topic        string `json:"topic"`
		PropertyList []prop `json:"property_list"`
	}
	q := url.Values{"action_id": {"send"}}
	if err := c.do(ctx, http.MethodPost, c.projectPath("instances", instanceID, "messages", "action"), q, in, &out); err != nil {
		return Sent{}, err
	}
	sent := Sent{Topic: out.Topic}
	for _, p := range out.PropertyList {
		var err error
		switch p.Name {
		case "PARTITION":
			var n int64
			n, err = strconv.ParseInt(p.Value, 10, 32)
			sent.Partition = int32(n)
		case "OFFSET":
			sent.Offset, err = strconv.ParseInt(p.Value, 10, 64)
		}
		if err != nil {
			return Sent{}, fmt.Errorf("decoding the answer: %s %q is not a number", p.Name, p.Value)
		}
	}
	return sent, nil
}
