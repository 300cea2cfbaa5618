package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/dmsd/dmsd"
)

// Steps are stored compactly, as the bulk of a finished task's record: each
// step a JSON array [name, status code, started, ended] where the times are
// milliseconds after the task's creation (started) and after the step's start
// (ended), and are left off from the end when zero (not started, not ended).
// It stays JSON because PostgreSQL keeps the column as JSONB. A step this form
// cannot say exactly (an unknown status, an end without a start) is stored as
// a stepV1 object, which is also how the steps of older records read.
var (
	stepCodes = map[dmsd.StepStatus]string{
		dmsd.StepWaiting: "W", dmsd.StepExecuting: "E", dmsd.StepSuccess: "S", dmsd.StepFailed: "F",
	}
	stepStatuses = map[string]dmsd.StepStatus{
		"W": dmsd.StepWaiting, "E": dmsd.StepExecuting, "S": dmsd.StepSuccess, "F": dmsd.StepFailed,
	}
)

// encodeSteps returns steps as stored for a task created at createdMs.
func encodeSteps(steps []dmsd.Step, createdMs int64) ([]byte, error) {
	buf := make([]byte, 0, 2+32*len(steps))
	buf = append(buf, '[')
	for i, s := range steps {
		if i > 0 {
			buf = append(buf, ',')
		}
		code, ok := stepCodes[s.Status]
		started, ended := toMillis(s.StartedAt), toMillis(s.EndedAt)
		if !ok || (started == 0 && ended != 0) {
			obj, err := json.Marshal(stepV1{Name: s.Name, Status: string(s.Status), Started: started, Ended: ended})
			if err != nil {
				return nil, err
			}
			buf = append(buf, obj...)
			continue
		}
		name, err := json.Marshal(s.Name)
		if err != nil {
			return nil, err
		}
		buf = append(buf, '[')
		buf = append(buf, name...)
		buf = append(buf, `,"`...)
		buf = append(buf, code...)
		buf = append(buf, '"')
		if started != 0 {
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, started-createdMs, 10)
			if ended != 0 {
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, ended-started, 10)
			}
		}
		buf = append(buf, ']')
	}
	return append(buf, ']'), nil
}

var errStoredStep = errors.New("store: malformed stored step")

// decodeSteps returns the steps stored for a task created at createdMs, in
// the compact form or as stepV1 objects (either key set). It returns an error
// for malformed data.
func decodeSteps(data []byte, createdMs int64) ([]dmsd.Step, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	steps := make([]dmsd.Step, len(raw))
	for i, r := range raw {
		r = bytes.TrimSpace(r)
		if len(r) > 0 && r[0] == '{' {
			var v stepV1
			if err := json.Unmarshal(r, &v); err != nil {
				return nil, err
			}
			steps[i] = decodeStepV1(&v)
			continue
		}
		var fields []json.RawMessage
		if err := json.Unmarshal(r, &fields); err != nil {
			return nil, err
		}
		if len(fields) < 2 || len(fields) > 4 {
			return nil, errStoredStep
		}
		var name, code string
		if err := json.Unmarshal(fields[0], &name); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(fields[1], &code); err != nil {
			return nil, err
		}
		status, ok := stepStatuses[code]
		if !ok {
			return nil, errStoredStep
		}
		steps[i] = dmsd.Step{Name: name, Status: status}
		if len(fields) > 2 {
			started, err := strconv.ParseInt(string(fields[2]), 10, 64)
			if err != nil {
				return nil, err
			}
			started += createdMs
			steps[i].StartedAt = fromMillis(started)
			if len(fields) > 3 {
				d, err := strconv.ParseInt(string(fields[3]), 10, 64)
				if err != nil {
					return nil, err
				}
				steps[i].EndedAt = fromMillis(started + d)
			}
		}
	}
	return steps, nil
}
