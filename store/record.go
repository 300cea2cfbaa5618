package store

import (
	"encoding/json"
	"time"

	"github.com/dmsd/dmsd"
)

// instanceV1 is the stored form of a dmsd.Instance, version 1: the JSON keys
// are the Go field names an older dmsd marshalled, fixed here by tags so that
// renaming a field of dmsd.Instance cannot change what is stored. It has the
// fields of dmsd.Instance, in order and of the same types, so that one
// conversion maps the two: a field added to dmsd.Instance is one line here
// (with the key it is stored under), and the build fails until it is added.
// The nested types keep their Go names as keys; TestStoredInstanceKeys pins
// them.
type instanceV1 struct {
	ID              string                   `json:"ID"`
	ProjectID       string                   `json:"ProjectID"`
	Name            string                   `json:"Name"`
	Description     string                   `json:"Description"`
	Engine          string                   `json:"Engine"`
	EngineVersion   string                   `json:"EngineVersion"`
	BrokerNum       int                      `json:"BrokerNum"`
	StorageSpace    int                      `json:"StorageSpace"`
	StorageSpecCode string                   `json:"StorageSpecCode"`
	ProductID       string                   `json:"ProductID"`
	VpcID           string                   `json:"VpcID"`
	SubnetID        string                   `json:"SubnetID"`
	SecurityGroupID string                   `json:"SecurityGroupID"`
	AvailableZones  []string                 `json:"AvailableZones"`
	MaintainBegin   string                   `json:"MaintainBegin"`
	MaintainEnd     string                   `json:"MaintainEnd"`
	EnableAutoTopic bool                     `json:"EnableAutoTopic"`
	RetentionPolicy string                   `json:"RetentionPolicy"`
	Status          dmsd.InstanceStatus      `json:"Status"`
	UserID          string                   `json:"UserID"`
	UserName        string                   `json:"UserName"`
	Ports           []int                    `json:"Ports"`
	Host            string                   `json:"Host"`
	CreatedAt       time.Time                `json:"CreatedAt"`
	AccessUser      string                   `json:"AccessUser"`
	AccessPassword  string                   `json:"AccessPassword"`
	SASLMechanisms  []string                 `json:"SASLMechanisms"`
	BrokerConfigs   map[string]string        `json:"BrokerConfigs"`
	External        *dmsd.ExternalCluster    `json:"External,omitempty"`
	UserNotes       map[string]dmsd.UserNote `json:"UserNotes,omitempty"`
	SSLEnabled      bool                     `json:"SSLEnabled,omitempty"`
	SSLCACert       string                   `json:"SSLCACert,omitempty"`
	Tags            []dmsd.Tag               `json:"Tags,omitempty"`
	VolumeExpand    *dmsd.VolumeExpand       `json:"VolumeExpand,omitempty"`

	GroupNotes    map[string]dmsd.GroupNote `json:"GroupNotes,omitempty"`
	RecycledAt    time.Time                 `json:"RecycledAt,omitzero"`
	RecycleUntil  time.Time                 `json:"RecycleUntil,omitzero"`
	AdvertisedIPs map[string]string         `json:"AdvertisedIPs,omitempty"`
	ConnectorID   string                    `json:"ConnectorID,omitempty"`
}

// encodeInstance returns inst as stored: its record, with its secrets sealed
// by box (in the clear when box is nil); secrets already sealed stay as they
// are. inst is not changed. It returns an error if sealing fails.
func encodeInstance(inst *dmsd.Instance, box dmsd.SecretBox) ([]byte, error) {
	c := *inst
	if inst.External != nil {
		x := *inst.External
		c.External = &x
	}
	if box != nil {
		for _, s := range dmsd.SecretsOf(&c) {
			if *s == "" || dmsd.IsSealed(*s) {
				continue
			}
			sealed, err := box.Seal(*s)
			if err != nil {
				return nil, err
			}
			*s = sealed
		}
	}
	rec := instanceV1(c)
	return json.Marshal(&rec)
}

// decodeInstance returns the instance of a stored row, its secrets as stored.
func decodeInstance(r *InstanceRow) (*dmsd.Instance, error) {
	var rec instanceV1
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		return nil, err
	}
	inst := dmsd.Instance(rec)
	inst.Status = dmsd.InstanceStatus(r.Status)
	inst.CreatedAt = inst.CreatedAt.UTC()
	return &inst, nil
}

// resealInstance returns data, as stored, re-encoded with its secrets sealed
// by box, and whether that changes anything: false when no secret is stored
// in the clear (or box is nil). It returns an error for malformed data or a
// failed seal.
func resealInstance(data []byte, box dmsd.SecretBox) ([]byte, bool, error) {
	var rec instanceV1
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, false, err
	}
	inst := dmsd.Instance(rec)
	clear := false
	for _, s := range dmsd.SecretsOf(&inst) {
		clear = clear || (*s != "" && !dmsd.IsSealed(*s))
	}
	if !clear || box == nil {
		return data, false, nil
	}
	out, err := encodeInstance(&inst, box)
	return out, err == nil, err
}

// stepV1 is a step as stored: times as Unix milliseconds, which decode far
// faster than RFC 3339 strings on every read of a task. Steps that a dmsd on
// PostgreSQL stored before were dmsd.Step's own JSON; they are read too.
type stepV1 struct {
	Name    string `json:"n"`
	Status  string `json:"s"`
	Started int64  `json:"b,omitempty"`
	Ended   int64  `json:"e,omitempty"`

	// The keys of dmsd.Step's JSON, read only.
	OldName    string    `json:"name,omitempty"`
	OldStatus  string    `json:"status,omitempty"`
	OldStarted time.Time `json:"started_at,omitzero"`
	OldEnded   time.Time `json:"ended_at,omitzero"`
}

// decodeStepV1 returns a step stored as a stepV1 object, in either of its
// key sets.
func decodeStepV1(r *stepV1) dmsd.Step {
	if r.Name == "" && r.OldName != "" {
		s := dmsd.Step{Name: r.OldName, Status: dmsd.StepStatus(r.OldStatus), StartedAt: r.OldStarted.UTC(), EndedAt: r.OldEnded.UTC()}
		if r.OldStarted.IsZero() {
			s.StartedAt = time.Time{}
		}
		if r.OldEnded.IsZero() {
			s.EndedAt = time.Time{}
		}
		return s
	}
	s := dmsd.Step{Name: r.Name, Status: dmsd.StepStatus(r.Status)}
	if r.Started != 0 {
		s.StartedAt = fromMillis(r.Started)
	}
	if r.Ended != 0 {
		s.EndedAt = fromMillis(r.Ended)
	}
	return s
}

// taskRow returns t as stored.
func taskRow(t *dmsd.Task) (*TaskRow, error) {
	steps, err := encodeSteps(t.Steps, t.CreatedAt.UnixMilli())
	if err != nil {
		return nil, err
	}
	return &TaskRow{
		ID: t.ID, ProjectID: t.ProjectID, InstanceID: t.InstanceID, Name: t.Name, UserID: t.UserID, UserName: t.UserName,
		Params: t.Params, Status: string(t.Status), Reason: t.Reason, Steps: steps,
		CreatedMs: t.CreatedAt.UnixMilli(), UpdatedMs: t.UpdatedAt.UnixMilli(), ExecuteMs: toMillis(t.ExecuteAt), JobID: t.JobID,
	}, nil
}

// decodeTask returns the task of a stored row.
func decodeTask(r *TaskRow) (*dmsd.Task, error) {
	steps, err := decodeSteps(r.Steps, r.CreatedMs)
	if err != nil {
		return nil, err
	}
	t := &dmsd.Task{
		ID: r.ID, ProjectID: r.ProjectID, InstanceID: r.InstanceID, Name: r.Name, UserID: r.UserID, UserName: r.UserName,
		Params: r.Params, Status: dmsd.TaskStatus(r.Status), Reason: r.Reason, Steps: steps,
		CreatedAt: fromMillis(r.CreatedMs), UpdatedAt: fromMillis(r.UpdatedMs), JobID: r.JobID,
	}
	if r.ExecuteMs != 0 {
		t.ExecuteAt = fromMillis(r.ExecuteMs)
	}
	return t, nil
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
