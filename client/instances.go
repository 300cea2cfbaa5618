package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dmsd/dmsd"
)

// Instance is a Kafka instance as the API shows it, with typed fields.
type Instance struct {
	ID            string              `json:"instance_id"`
	Name          string              `json:"name"`
	Description   string              `json:"description,omitempty"`
	Status        dmsd.InstanceStatus `json:"status"`
	Engine        string              `json:"engine"`
	EngineVersion string              `json:"engine_version"`
	// Type is "single" for one broker, "cluster" otherwise.
	Type          string `json:"type"`
	Specification string `json:"specification"`
	BrokerNum     int    `json:"broker_num"`
	// StorageSpace is in GB.
	StorageSpace int `json:"storage_space"`
	PartitionNum int `json:"partition_num"`
	// ConnectAddress and Port are where a Kafka client bootstraps from;
	// empty and 0 unless the instance is RUNNING.
	ConnectAddress string `json:"connect_address,omitempty"`
	Port           int    `json:"port,omitempty"`
	// BrokerAddresses are every broker's host:port (the API's
	// kafka_private_connect_address); empty unless the instance is RUNNING.
	BrokerAddresses []string `json:"broker_addresses,omitempty"`
	EnableAutoTopic bool     `json:"enable_auto_topic"`
	RetentionPolicy string   `json:"retention_policy"`
	MaintainBegin   string   `json:"maintain_begin,omitempty"`
	MaintainEnd     string   `json:"maintain_end,omitempty"`
	// The network and product fields are kept as given at creation; dmsd
	// does not use them.
	VpcID           string   `json:"vpc_id"`
	SubnetID        string   `json:"subnet_id"`
	SecurityGroupID string   `json:"security_group_id"`
	AvailableZones  []string `json:"available_zones"`
	ProductID       string   `json:"product_id"`
	StorageSpecCode string   `json:"storage_spec_code"`

	UserID    string    `json:"user_id"`
	UserName  string    `json:"user_name"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// instanceJSON is the part of the API's instance that Instance keeps.
type instanceJSON struct {
	InstanceID                 string   `json:"instance_id"`
	Name                       string   `json:"name"`
	Description                string   `json:"description"`
	Status                     string   `json:"status"`
	Engine                     string   `json:"engine"`
	EngineVersion              string   `json:"engine_version"`
	Type                       string   `json:"type"`
	Specification              string   `json:"specification"`
	BrokerNum                  int      `json:"broker_num"`
	StorageSpace               int      `json:"storage_space"`
	PartitionNum               string   `json:"partition_num"`
	ConnectAddress             string   `json:"connect_address"`
	Port                       int      `json:"port"`
	KafkaPrivateConnectAddress string   `json:"kafka_private_connect_address"`
	EnableAutoTopic            bool     `json:"enable_auto_topic"`
	RetentionPolicy            string   `json:"retention_policy"`
	MaintainBegin              string   `json:"maintain_begin"`
	MaintainEnd                string   `json:"maintain_end"`
	VpcID                      string   `json:"vpc_id"`
	SubnetID                   string   `json:"subnet_id"`
	SecurityGroupID            string   `json:"security_group_id"`
	AvailableZones             []string `json:"available_zones"`
	ProductID                  string   `json:"product_id"`
	StorageSpecCode            string   `json:"storage_spec_code"`
	UserID                     string   `json:"user_id"`
	UserName                   string   `json:"user_name"`
	CreatedAt                  string   `json:"created_at"`
}

func (j instanceJSON) instance() (Instance, error) {
	inst := Instance{
		ID:              j.InstanceID,
		Name:            j.Name,
		Description:     j.Description,
		Status:          dmsd.InstanceStatus(j.Status),
		Engine:          j.Engine,
		EngineVersion:   j.EngineVersion,
		Type:            j.Type,
		Specification:   j.Specification,
		BrokerNum:       j.BrokerNum,
		StorageSpace:    j.StorageSpace,
		ConnectAddress:  j.ConnectAddress,
		Port:            j.Port,
		EnableAutoTopic: j.EnableAutoTopic,
		RetentionPolicy: j.RetentionPolicy,
		MaintainBegin:   j.MaintainBegin,
		MaintainEnd:     j.MaintainEnd,
		VpcID:           j.VpcID,
		SubnetID:        j.SubnetID,
		SecurityGroupID: j.SecurityGroupID,
		AvailableZones:  j.AvailableZones,
		ProductID:       j.ProductID,
		StorageSpecCode: j.StorageSpecCode,
		UserID:          j.UserID,
		UserName:        j.UserName,
	}
	if j.KafkaPrivateConnectAddress != "" {
		inst.BrokerAddresses = strings.Split(j.KafkaPrivateConnectAddress, ",")
	}
	if j.PartitionNum != "" {
		n, err := strconv.Atoi(j.PartitionNum)
		if err != nil {
			return Instance{}, fmt.Errorf("decoding the answer: partition_num %q is not a number", j.PartitionNum)
		}
		inst.PartitionNum = n
	}
	if j.CreatedAt != "" {
		ms, err := strconv.ParseInt(j.CreatedAt, 10, 64)
		if err != nil {
			return Instance{}, fmt.Errorf("decoding the answer: created_at %q is not a time in milliseconds", j.CreatedAt)
		}
		inst.CreatedAt = time.UnixMilli(ms).UTC()
	}
	return inst, nil
}

// InstanceListOptions filters ListInstances; zero values match every
// instance.
type InstanceListOptions struct {
	// Name matches instances whose name contains it, or, with
	// ExactMatchName, whose name is it.
	Name           string
	ExactMatchName bool
	InstanceID     string
	Status         dmsd.InstanceStatus
}

// ListInstances returns the project's instances that match opts.
func (c *Client) ListInstances(ctx context.Context, opts InstanceListOptions) ([]Instance, error) {
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
		if opts.ExactMatchName {
			q.Set("exact_match_name", "true")
		}
	}
	if opts.InstanceID != "" {
		q.Set("instance_id", opts.InstanceID)
	}
	if opts.Status != "" {
		q.Set("status", string(opts.Status))
	}
	var out struct {
		Instances []instanceJSON `json:"instances"`
	}
	if err := c.do(ctx, http.MethodGet, c.projectPath("instances"), q, nil, &out); err != nil {
		return nil, err
	}
	list := make([]Instance, 0, len(out.Instances))
	for _, j := range out.Instances {
		inst, err := j.instance()
		if err != nil {
			return nil, err
		}
		list = append(list, inst)
	}
	return list, nil
}

// ShowInstance returns one instance.
func (c *Client) ShowInstance(ctx context.Context, instanceID string) (Instance, error) {
	var out instanceJSON
	if err := c.do(ctx, http.MethodGet, c.projectPath("instances", instanceID), nil, nil, &out); err != nil {
		return Instance{}, err
	}
	return out.instance()
}

// CreateInstanceRequest is a new instance. dmsd requires the network and
// product fields (VpcID, SecurityGroupID, SubnetID, AvailableZones: the id of
// 1 zone of GET /v2/available-zones or of 3 or more, ProductID and
// StorageSpecCode of a flavor of GET /v2/kafka/products) as the real service
// does, keeps them and shows them back, but does not use them.
type CreateInstanceRequest struct {
	// Name: 4 to 64 letters, digits, '_' and '-', starting with a letter.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// EngineVersion is free text, for example "3.x".
	EngineVersion string `json:"engine_version"`
	// BrokerNum is 1 to 30.
	BrokerNum int `json:"broker_num"`
	// StorageSpace is in GB.
	StorageSpace    int      `json:"storage_space"`
	EnableAutoTopic bool     `json:"enable_auto_topic"`
	RetentionPolicy string   `json:"retention_policy,omitempty"` // time_base (default) or produce_reject
	MaintainBegin   string   `json:"maintain_begin,omitempty"`   // HH:00:00, with MaintainEnd
	MaintainEnd     string   `json:"maintain_end,omitempty"`
	VpcID           string   `json:"vpc_id"`
	SecurityGroupID string   `json:"security_group_id"`
	SubnetID        string   `json:"subnet_id"`
	AvailableZones  []string `json:"available_zones"`
	ProductID       string   `json:"product_id"`
	StorageSpecCode string   `json:"storage_spec_code"`
}

// CreateInstance creates an instance and returns its id. The instance is
// CREATING until its createInstance task (LatestTask) ends.
func (c *Client) CreateInstance(ctx context.Context, req CreateInstanceRequest) (string, error) {
	body := struct {
		Engine string `json:"engine"`
		CreateInstanceRequest
	}{"kafka", req}
	var out struct {
		InstanceID string `json:"instance_id"`
	}
	path := "/v2/kafka/" + url.PathEscape(c.cred.ProjectID) + "/instances"
	if err := c.do(ctx, http.MethodPost, path, nil, body, &out); err != nil {
		return "", err
	}
	if out.InstanceID == "" {
		return "", fmt.Errorf("decoding the answer: no instance_id")
	}
	return out.InstanceID, nil
}

// RestartInstance restarts an instance's brokers, keeping its data, through
// the batch action endpoint. The instance is RESTARTING until its
// restartInstance task (LatestTask) ends. The batch endpoint says only that
// the restart failed, not why: RestartInstance then looks at the instance and
// returns its lookup error or an error that names its status.
func (c *Client) RestartInstance(ctx context.Context, instanceID string) error {
	return c.action(ctx, "restart", instanceID)
}

// DeleteInstance deletes an instance: its deleteInstance task removes the
// cluster, its data, the instance and all its task records.
func (c *Client) DeleteInstance(ctx context.Context, instanceID string) error {
	return c.do(ctx, http.MethodDelete, c.projectPath("instances", instanceID), nil, nil, nil)
}

func (c *Client) action(ctx context.Context, action, instanceID string) error {
	in := struct {
		Action    string   `json:"action"`
		Instances []string `json:"instances"`
	}{action, []string{instanceID}}
	var out actionAnswer
	if err := c.do(ctx, http.MethodPost, c.projectPath("instances", "action"), nil, in, &out); err != nil {
		return err
	}
	for _, r := range out.Results {
		if r.Instance != instanceID {
			continue
		}
		if r.Result == "success" {
			return nil
		}
		// The batch call succeeds while refusing the instance; the
		// refusal is reported with the status a single call would get.
		status := http.StatusBadRequest
		if r.ErrorCode == dmsd.EINSTANCENOTFOUND {
			status = http.StatusNotFound
		}
		return &Error{Status: status, Code: r.ErrorCode, Message: fmt.Sprintf("%s of instance %s refused: %s", action, instanceID, r.ErrorMsg), RequestID: out.requestID}
	}
	return fmt.Errorf("decoding the answer: no result for instance %s", instanceID)
}

// actionAnswer is the answer of a batch action: a result per instance.
type actionAnswer struct {
	Results []struct {
		Result    string `json:"result"`
		Instance  string `json:"instance"`
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
	} `json:"results"`
	requestID string
}

func (a *actionAnswer) setRequestID(id string) { a.requestID = id }

// SetAutoTopic enables or disables automatic topic creation, which starts a
// modifyAutoTopic task that restarts the brokers with the setting.
func (c *Client) SetAutoTopic(ctx context.Context, instanceID string, enable bool) error {
	in := struct {
		EnableAutoTopic bool `json:"enable_auto_topic"`
	}{enable}
	return c.do(ctx, http.MethodPost, c.projectPath("instances", instanceID, "autotopic"), nil, in, nil)
}
