package httpapi

import (
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dmsd/dmsd"
)

// textOf returns b as the message operations show a key or value: nil for
// no bytes at all, the text itself when it is UTF-8, and its standard base64
// otherwise, so that the answer is always valid JSON and loses nothing.
func textOf(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	if !utf8.Valid(b) {
		s = base64.StdEncoding.EncodeToString(b)
	}
	return &s
}

// messageJSON is the SDK's MessagesEntity and ShowPartitionMessageEntity
// (the latter without huge_message), and with neither key nor value its
// ShowMessagesRespMessages.
type messageJSON struct {
	Topic         string  `json:"topic"`
	Partition     int32   `json:"partition"`
	Key           *string `json:"key,omitempty"`
	Value         *string `json:"value,omitempty"`
	Size          int     `json:"size"`
	Timestamp     int64   `json:"timestamp"`
	HugeMessage   *bool   `json:"huge_message,omitempty"`
	MessageOffset int64   `json:"message_offset"`
	MessageID     *string `json:"message_id,omitempty"`
	AppID         *string `json:"app_id,omitempty"`
	Tag           *string `json:"tag,omitempty"`
}

// entityOf returns m as a MessagesEntity, with key and value.
func entityOf(m *dmsd.Message) messageJSON {
	empty := ""
	huge := m.Truncated
	return messageJSON{
		Topic: m.Topic, Partition: m.Partition, Key: textOf(m.Key), Value: textOf(valueOrEmpty(m.Value)),
		Size: int32Of(m.Size), Timestamp: m.Timestamp, HugeMessage: &huge, MessageOffset: m.Offset,
		MessageID: &empty, AppID: &empty, Tag: &empty,
	}
}

// valueOrEmpty returns v, or an empty value for a record without one (a
// tombstone shows as "").
func valueOrEmpty(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}

// pathPartition returns the {partition} of r's path, or EINVALID.
func pathPartition(r *http.Request) (int32, error) {
	p, err := strconv.ParseInt(r.PathValue("partition"), 10, 32)
	if err != nil || p < 0 {
		return 0, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition must be a partition number.")
	}
	return int32(p), nil
}

// parseMillis reads the Unix-millisecond query parameter name, def when it
// is absent or empty; anything else than a non-negative integer is
// EINVALIDTIME.
func parseMillis(q url.Values, name string, def int64) (int64, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, dmsd.Errorf(dmsd.EINVALIDTIME, "Timestamp is invalid: %s must be a Unix time in milliseconds.", name)
	}
	return n, nil
}

// parseWindow reads start_time, end_time, limit, offset (a page number) and
// partition: the window and page of a time-window query. end_time defaults
// to now and is included in the window.
func parseWindow(q url.Values, topic string) (*dmsd.MessageQuery, error) {
	mq := &dmsd.MessageQuery{Topic: topic, Partition: -1, Limit: 10, ValueCap: dmsd.MessageValueCap}
	var err error
	if mq.StartMs, err = parseMillis(q, "start_time", 0); err != nil {
		return nil, err
	}
	if mq.EndMs, err = parseMillis(q, "end_time", time.Now().UnixMilli()); err != nil {
		return nil, err
	}
	if mq.StartMs > mq.EndMs {
		return nil, dmsd.Errorf(dmsd.EINVALIDTIME, "Timestamp is invalid: start_time is after end_time.")
	}
	mq.EndMs = min(mq.EndMs, math.MaxInt64-1) + 1
	if q.Get("limit") != "" {
		if mq.Limit, err = parseInt(q, "limit", 1, dmsd.MaxMessagePage, dmsd.ELIMIT); err != nil {
			return nil, err
		}
	}
	page := 0
	if q.Get("offset") != "" {
		if page, err = parseInt(q, "offset", 0, dmsd.MaxWindowRecords, dmsd.EOFFSET); err != nil {
			return nil, err
		}
	}
	if mq.Skip = page * mq.Limit; mq.Skip >= dmsd.MaxWindowRecords {
		return nil, dmsd.Errorf(dmsd.EOFFSET, "Invalid request parameter: offset skips more than the %d messages one query may read.", dmsd.MaxWindowRecords)
	}
	if s := q.Get("partition"); s != "" && s != "-1" {
		p, err := strconv.ParseInt(s, 10, 32)
		if err != nil || p < 0 {
			return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition must be a partition number or -1.")
		}
		mq.Partition = int32(p)
	}
	return mq, nil
}

// instanceMessagesJSON is the SDK's ShowInstanceMessagesResponse.
type instanceMessagesJSON struct {
	Messages []messageJSON `json:"messages"`
	Total    int64         `json:"total"`
	Size     int64         `json:"size"`
}

// handleInstanceMessages serves ShowInstanceMessages: the message at
// partition and message_offset when those are given without a time window,
// otherwise a page of the window, filtered by keyword and key.
func handleInstanceMessages(svc dmsd.MessageService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		topic := q.Get("topic")
		if topic == "" {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topic is required.")
		}
		for _, name := range []string{"include", "exclude"} {
			if q.Get(name) != "" {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: %s is not supported by this service.", name)
			}
		}
		for _, name := range []string{"asc", "download"} {
			if s := q.Get(name); s != "" && s != "true" && s != "false" {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: %s must be true or false.", name)
			}
		}
		download := q.Get("download") == "true"
		windowed := q.Get("start_time") != "" || q.Get("end_time") != ""
		if q.Get("message_offset") != "" && !windowed {
			mq := &dmsd.MessageQuery{Topic: topic, ValueCap: dmsd.MessageValueCap}
			if download {
				mq.ValueCap = dmsd.MessageDownloadCap
			}
			p, err := strconv.ParseInt(q.Get("partition"), 10, 32)
			if err != nil || p < 0 {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition is required with message_offset and must be a partition number.")
			}
			mq.Partition = int32(p)
			if mq.Offset, err = strconv.ParseInt(q.Get("message_offset"), 10, 64); err != nil || mq.Offset < 0 {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: message_offset must be a non-negative integer.")
			}
			m, err := svc.MessageAt(r.Context(), actorFrom(r), instanceID, mq)
			if err != nil {
				return err
			}
			encode(w, http.StatusOK, instanceMessagesJSON{Messages: []messageJSON{entityOf(m)}, Total: 1, Size: 1})
			return nil
		}
		if download {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: download applies to one message, given by partition and message_offset.")
		}
		mq, err := parseWindow(q, topic)
		if err != nil {
			return err
		}
		mq.Desc = q.Get("asc") == "false"
		mq.Keyword, mq.Key = q.Get("keyword"), q.Get("key")
		if utf8.RuneCountInString(mq.Keyword) > 50 {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: keyword is longer than 50 characters.")
		}
		page, err := svc.QueryMessages(r.Context(), actorFrom(r), instanceID, mq)
		if err != nil {
			return err
		}
		out := instanceMessagesJSON{Messages: make([]messageJSON, 0, len(page.Messages)), Total: int64(page.Total), Size: int64(len(page.Messages))}
		for _, m := range page.Messages {
			out.Messages = append(out.Messages, entityOf(m))
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// topicMessagesJSON is the SDK's ShowMessagesResponse.
type topicMessagesJSON struct {
	Messages      []messageJSON `json:"messages"`
	MessagesCount int           `json:"messages_count"`
	OffsetsCount  int           `json:"offsets_count"`
	Offset        int           `json:"offset"`
}

// handleTopicMessages serves ShowMessages: a page of a topic's messages in a
// time window, without their keys and values. offsets_count is the number
// of pages and offset the page answered.
func handleTopicMessages(svc dmsd.MessageService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		mq, err := parseWindow(q, r.PathValue("topic"))
		if err != nil {
			return err
		}
		page, err := svc.QueryMessages(r.Context(), actorFrom(r), instanceID, mq)
		if err != nil {
			return err
		}
		out := topicMessagesJSON{
			Messages:      make([]messageJSON, 0, len(page.Messages)),
			MessagesCount: int32Of(page.Total),
			OffsetsCount:  (page.Total + mq.Limit - 1) / mq.Limit,
			Offset:        mq.Skip / mq.Limit,
		}
		for _, m := range page.Messages {
			out.Messages = append(out.Messages, messageJSON{
				Topic: m.Topic, Partition: m.Partition, MessageOffset: m.Offset, Size: int32Of(m.Size), Timestamp: m.Timestamp,
			})
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// partitionMessageJSON is the SDK's ShowPartitionMessageResponse.
type partitionMessageJSON struct {
	Message []messageJSON `json:"message"`
}

// handlePartitionMessage serves ShowPartitionMessage: the message at
// message_offset.
func handlePartitionMessage(svc dmsd.MessageService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		p, err := pathPartition(r)
		if err != nil {
			return err
		}
		off, err := strconv.ParseInt(r.URL.Query().Get("message_offset"), 10, 64)
		if err != nil || off < 0 {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: message_offset is required and must be a non-negative integer.")
		}
		m, err := svc.MessageAt(r.Context(), actorFrom(r), instanceID, &dmsd.MessageQuery{
			Topic: r.PathValue("topic"), Partition: p, Offset: off, ValueCap: dmsd.MessageValueCap,
		})
		if err != nil {
			return err
		}
		e := entityOf(m)
		e.HugeMessage, e.MessageID, e.AppID, e.Tag = nil, nil, nil, nil
		encode(w, http.StatusOK, partitionMessageJSON{Message: []messageJSON{e}})
		return nil
	})
}

// partitionEdgeJSON is the SDK's ShowPartitionBeginningMessageResponse and
// ShowPartitionEndMessageResponse; offset is an int32 there.
type partitionEdgeJSON struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Timestamp int64  `json:"timestamp"`
}

// handlePartitionEdge serves ShowPartitionBeginningMessage and (last)
// ShowPartitionEndMessage.
func handlePartitionEdge(svc dmsd.MessageService, last bool) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		p, err := pathPartition(r)
		if err != nil {
			return err
		}
		m, err := svc.PartitionEdge(r.Context(), actorFrom(r), instanceID, r.PathValue("topic"), p, last)
		if err != nil {
			return err
		}
		// The SDK reads an int32; a larger offset is shown at its bound
		// rather than failing the SDK's whole decode.
		encode(w, http.StatusOK, partitionEdgeJSON{Topic: m.Topic, Partition: m.Partition, Offset: min(m.Offset, math.MaxInt32), Timestamp: m.Timestamp})
		return nil
	})
}

// sendMessageRequest is the SDK's SendKafkaMessageRequestBody.
type sendMessageRequest struct {
	Topic        string      `json:"topic"`
	Body         *string     `json:"body"`
	PropertyList []nameValue `json:"property_list"`
}

// sendMessageJSON is the SDK's SendKafkaMessageResponse.
type sendMessageJSON struct {
	Topic        string `json:"topic"`
	Body         string `json:"body"`
	PropertyList []any  `json:"property_list"`
}

// handleSendMessage serves SendKafkaMessage (action_id=send). Of the
// property list, KEY is the record's key and PARTITION its partition (any
// case); every other property is a record header. The answer's property
// list is the request's with the partition written and the record's
// OFFSET.
func handleSendMessage(svc dmsd.MessageService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		if r.URL.Query().Get("action_id") != "send" {
			return dmsd.Errorf(dmsd.EINVALIDACTION, "The action_id parameter in the request must be send.")
		}
		req, err := decode[sendMessageRequest](r)
		if err != nil {
			return err
		}
		if req.Topic == "" || req.Body == nil {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topic and body are required.")
		}
		m := &dmsd.Message{Topic: req.Topic, Partition: -1, Value: []byte(*req.Body)}
		props := make([]any, 0, len(req.PropertyList)+2)
		for _, p := range req.PropertyList {
			if p.Name == nil || *p.Name == "" || p.Value == nil {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: every property needs a name and a value.")
			}
			switch strings.ToUpper(*p.Name) {
			case "KEY":
				m.Key = []byte(*p.Value)
			case "PARTITION":
				n, err := strconv.ParseInt(*p.Value, 10, 32)
				if err != nil || n < 0 {
					return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the PARTITION property must be a partition number.")
				}
				m.Partition = int32(n)
				continue
			default:
				m.Headers = append(m.Headers, dmsd.MessageHeader{Key: *p.Name, Value: []byte(*p.Value)})
			}
			props = append(props, map[string]string{"name": *p.Name, "value": *p.Value})
		}
		sent, err := svc.SendMessage(r.Context(), actorFrom(r), instanceID, m)
		if err != nil {
			return err
		}
		props = append(props,
			map[string]string{"name": "PARTITION", "value": strconv.Itoa(int(sent.Partition))},
			map[string]string{"name": "OFFSET", "value": strconv.FormatInt(sent.Offset, 10)})
		encode(w, http.StatusOK, sendMessageJSON{Topic: sent.Topic, Body: *req.Body, PropertyList: props})
		return nil
	})
}

// deleteMessagesRequest is the SDK's DeleteKafkaMessageRequestBody.
type deleteMessagesRequest struct {
	Partitions []struct {
		Partition *int32 `json:"partition"`
		Offset    *int64 `json:"offset"`
	} `json:"partitions"`
}

// partitionRespJSON is the SDK's PartitionResp; its error_code is a string.
type partitionRespJSON struct {
	Partition int32  `json:"partition"`
	Result    string `json:"result"`
	ErrorCode string `json:"error_code,omitempty"`
}

// handleDeleteMessages serves DeleteKafkaTopicMessages: the records of each
// partition before its offset are deleted (Kafka's DeleteRecords).
func handleDeleteMessages(svc dmsd.MessageService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[deleteMessagesRequest](r)
		if err != nil {
			return err
		}
		before := map[int32]int64{}
		for _, p := range req.Partitions {
			if p.Partition == nil || p.Offset == nil || *p.Partition < 0 {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: every entry of partitions needs a partition and an offset.")
			}
			if _, dup := before[*p.Partition]; dup {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition %d is given twice.", *p.Partition)
			}
			before[*p.Partition] = *p.Offset
		}
		results, err := svc.DeleteMessages(r.Context(), actorFrom(r), instanceID, r.PathValue("topic"), before)
		if err != nil {
			return err
		}
		out := struct {
			Partitions []partitionRespJSON `json:"partitions"`
		}{Partitions: make([]partitionRespJSON, 0, len(results))}
		for _, d := range results {
			pr := partitionRespJSON{Partition: d.Partition, Result: "success"}
			if d.Err != nil {
				pr.Result, pr.ErrorCode = "failed", kafkaErrorName(d.Err)
			}
			out.Partitions = append(out.Partitions, pr)
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// kafkaErrorName returns the name Kafka gives err (UNKNOWN_SERVER_ERROR
// for one that is not Kafka's), never its internal text.
func kafkaErrorName(err error) string {
	s := err.Error()
	if name, _, ok := strings.Cut(s, ":"); ok && name != "" && strings.ToUpper(name) == name && !strings.Contains(name, " ") {
		return name
	}
	return "UNKNOWN_SERVER_ERROR"
}
