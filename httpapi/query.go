package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/dmsd/dmsd"
)

const (
	defaultTaskLimit = 10
	maxTaskLimit     = 100
	// maxTaskOffset bounds how many records a page may skip; deeper pages
	// are better reached by narrowing begin_time and end_time.
	maxTaskOffset = 1_000_000
)

// parseTaskFilter reads the task list's query: offset (0-based, as the
// official SDK sends it) or start (1-based, as the API reference and
// Terraform send it), limit, begin_time and end_time (YYYYMMDDHHmmss, UTC,
// inclusive). It returns EINVALID, ELIMIT, EOFFSET or EINVALIDTIME for a value
// it refuses.
func parseTaskFilter(q url.Values) (dmsd.TaskFilter, error) {
	f := dmsd.TaskFilter{Limit: defaultTaskLimit}
	var err error

	if q.Has("offset") && q.Has("start") {
		return f, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: give offset or start, not both.")
	}
	if q.Has("offset") {
		if f.Offset, err = parseInt(q, "offset", 0, maxTaskOffset, dmsd.EOFFSET); err != nil {
			return f, err
		}
	}
	if q.Has("start") {
		start, err := parseInt(q, "start", 1, maxTaskOffset+1, dmsd.EOFFSET)
		if err != nil {
			return f, err
		}
		f.Offset = start - 1
	}
	if q.Has("limit") {
		if f.Limit, err = parseInt(q, "limit", 1, maxTaskLimit, dmsd.ELIMIT); err != nil {
			return f, err
		}
	}
	if f.Begin, err = parseTime(q, "begin_time", 0); err != nil {
		return f, err
	}
	// end_time names a second; inclusive means to that second's last millisecond.
	if f.End, err = parseTime(q, "end_time", time.Second-time.Millisecond); err != nil {
		return f, err
	}
	if !f.Begin.IsZero() && !f.End.IsZero() && f.End.Before(f.Begin) {
		return f, dmsd.Errorf(dmsd.EINVALIDTIME, "Timestamp is invalid: end_time is before begin_time.")
	}
	return f, nil
}

// parseInt reads the integer query parameter name, which must be in [lo, hi].
// A value that is not an integer is EINVALID; one out of range is rangeCode.
func parseInt(q url.Values, name string, lo, hi int, rangeCode string) (int, error) {
	s := q.Get(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil && !isRangeErr(err) {
		return 0, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: %s must be an integer.", name)
	}
	if err != nil || n < int64(lo) || n > int64(hi) {
		return 0, dmsd.Errorf(rangeCode, "Invalid request parameter: %s must be between %d and %d.", name, lo, hi)
	}
	return int(n), nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// parseTime reads the YYYYMMDDHHmmss query parameter name as UTC, plus pad.
// An absent parameter is the zero time; a malformed or impossible one is
// EINVALIDTIME.
func parseTime(q url.Values, name string, pad time.Duration) (time.Time, error) {
	if !q.Has(name) {
		return time.Time{}, nil
	}
	s := q.Get(name)
	t, err := time.Parse("20060102150405", s)
	if err != nil || len(s) != 14 {
		return time.Time{}, dmsd.Errorf(dmsd.EINVALIDTIME, "Timestamp is invalid: %s must be YYYYMMDDHHmmss.", name)
	}
	return t.Add(pad), nil
}

// checkInstanceID returns EINVALIDINSTANCEID unless id has an instance id's form.
func checkInstanceID(id string) error {
	if !dmsd.ValidInstanceID(id) {
		return dmsd.Errorf(dmsd.EINVALIDINSTANCEID, "Invalid instance ID format.")
	}
	return nil
}

// checkTaskID returns EINVALIDTASKID unless id has a task id's form.
func checkTaskID(id string) error {
	if !dmsd.ValidTaskID(id) {
		return dmsd.Errorf(dmsd.EINVALIDTASKID, "Invalid task ID format.")
	}
	return nil
}

// instanceIDOf returns the instance id of r's path, or EINVALIDINSTANCEID.
func instanceIDOf(r *http.Request) (string, error) {
	id := r.PathValue("instance_id")
	return id, checkInstanceID(id)
}

// pageOf reads a listing's page: offset (0-based, as the SDK sends it) or
// start (1-based, as the reference's examples do), and limit (default def,
// at most max). It returns EINVALID, EOFFSET or ELIMIT.
func pageOf(q url.Values, def, max int) (offset, limit int, err error) {
	limit = def
	if q.Has("offset") && q.Has("start") {
		return 0, 0, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: give offset or start, not both.")
	}
	if q.Has("offset") {
		if offset, err = parseInt(q, "offset", 0, maxTaskOffset, dmsd.EOFFSET); err != nil {
			return 0, 0, err
		}
	}
	if q.Has("start") {
		if offset, err = parseInt(q, "start", 1, maxTaskOffset+1, dmsd.EOFFSET); err != nil {
			return 0, 0, err
		}
		offset--
	}
	if q.Has("limit") {
		if limit, err = parseInt(q, "limit", 1, max, dmsd.ELIMIT); err != nil {
			return 0, 0, err
		}
	}
	return offset, limit, nil
}

// page returns the items of s from offset, at most limit of them.
func page[T any](s []T, offset, limit int) []T {
	if offset >= len(s) {
		return []T{}
	}
	return s[offset:min(len(s), offset+limit)]
}
