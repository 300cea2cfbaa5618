package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/dmsd/dmsd"
)

// modifyConnectTaskRequest is ModifyConnectorTask's body, the SDK's
// SmartConnectTaskEntity: a field left out keeps its value. id and
// create_time are the task's own and cannot change.
type modifyConnectTaskRequest struct {
	TaskName    *string          `json:"task_name"`
	Topics      *string          `json:"topics"`
	TopicsRegex *string          `json:"topics_regex"`
	SourceType  *string          `json:"source_type"`
	SourceTask  *modifyPeerJSON  `json:"source_task"`
	SinkType    *string          `json:"sink_type"`
	SinkTask    *json.RawMessage `json:"sink_task"`
	ID          *string          `json:"id"`
	Status      *string          `json:"status"`
}

// modifyPeerJSON is the SDK's SmartConnectTaskRespSourceConfig as a change:
// each field given replaces the task's.
type modifyPeerJSON struct {
	CurrentClusterName         *string `json:"current_cluster_name"`
	ClusterName                *string `json:"cluster_name"`
	UserName                   *string `json:"user_name"`
	Password                   *string `json:"password"`
	SASLMechanism              *string `json:"sasl_mechanism"`
	InstanceID                 *string `json:"instance_id"`
	BootstrapServers           *string `json:"bootstrap_servers"`
	SecurityProtocol           *string `json:"security_protocol"`
	Direction                  *string `json:"direction"`
	SyncConsumerOffsetsEnabled *bool   `json:"sync_consumer_offsets_enabled"`
	ReplicationFactor          *int32  `json:"replication_factor"`
	TaskNum                    *int32  `json:"task_num"`
	RenameTopicEnabled         *bool   `json:"rename_topic_enabled"`
	ProvenanceHeaderEnabled    *bool   `json:"provenance_header_enabled"`
	ConsumerStrategy           *string `json:"consumer_strategy"`
	CompressionType            *string `json:"compression_type"`
	TopicsMapping              *string `json:"topics_mapping"`
}

// splitList returns the non-empty, trimmed items of a comma-separated list.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// changeOf returns the change a ModifyConnectorTask body asks for. It
// returns ECONNECTTYPE for a source or sink other than the Kafka
// replicator's and EINVALID for another task's id; the login is the
// change's to check (a task keeps its own).
func changeOf(taskID string, req *modifyConnectTaskRequest) (*dmsd.ConnectTaskChange, error) {
	if req.SourceType != nil && *req.SourceType != dmsd.KafkaReplicatorSource {
		return nil, dmsd.ConnectTypeRefused("source_type", *req.SourceType)
	}
	if req.SinkType != nil && *req.SinkType != "" && *req.SinkType != "NONE" {
		return nil, dmsd.ConnectTypeRefused("sink_type", *req.SinkType)
	}
	if req.SinkTask != nil && string(*req.SinkTask) != "null" && string(*req.SinkTask) != "{}" {
		return nil, dmsd.ConnectTypeRefused("sink_task", "dumps")
	}
	if req.ID != nil && *req.ID != "" && *req.ID != taskID {
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: id is the task's own and cannot change.")
	}
	c := &dmsd.ConnectTaskChange{Name: req.TaskName, TopicsRegex: req.TopicsRegex, Status: req.Status}
	if req.Topics != nil {
		topics := splitList(*req.Topics)
		c.Topics = &topics
	}
	p := req.SourceTask
	if p == nil {
		return c, nil
	}
	q := &c.Peer
	q.UserName, q.Password, q.SASLMechanism = p.UserName, p.Password, p.SASLMechanism
	q.CurrentClusterName, q.ClusterName, q.InstanceID = p.CurrentClusterName, p.ClusterName, p.InstanceID
	if p.BootstrapServers != nil {
		servers := splitList(*p.BootstrapServers)
		q.BootstrapServers = &servers
	}
	q.SecurityProtocol, q.Direction, q.SyncConsumerOffsets = p.SecurityProtocol, p.Direction, p.SyncConsumerOffsetsEnabled
	q.ReplicationFactor, q.TaskNum = intOf(p.ReplicationFactor), intOf(p.TaskNum)
	q.RenameTopic, q.ProvenanceHeader = p.RenameTopicEnabled, p.ProvenanceHeaderEnabled
	q.ConsumerStrategy, q.CompressionType, q.TopicsMapping = p.ConsumerStrategy, p.CompressionType, p.TopicsMapping
	return c, nil
}

func intOf(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

// handleConnectTaskModify serves ModifyConnectorTask: it applies the
// body's fields to the task (checked as create checks them) and answers the
// task as saved; a running task restarts with its new settings within a
// second.
func handleConnectTaskModify(svc dmsd.ConnectTaskService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, taskID, err := connectTaskIDs(r)
		if err != nil {
			return err
		}
		req, err := decode[modifyConnectTaskRequest](r)
		if err != nil {
			return err
		}
		change, err := changeOf(taskID, &req)
		if err != nil {
			return err
		}
		t, err := svc.ModifyConnectTask(r.Context(), actorFrom(r), instanceID, taskID, change)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, connectTaskOf(t))
		return nil
	})
}
