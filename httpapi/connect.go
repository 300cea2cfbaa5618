package httpapi

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/dmsd/dmsd"
)

// connectTaskJSON is a Smart Connect task as the SDK decodes it
// (SmartConnectTaskEntity, CreateConnectorTaskResponse ...). duplicates is
// dmsd's own: how many records the task may have written twice.
type connectTaskJSON struct {
	TaskName    string          `json:"task_name"`
	Topics      string          `json:"topics,omitempty"`
	TopicsRegex string          `json:"topics_regex,omitempty"`
	SourceType  string          `json:"source_type"`
	SourceTask  connectPeerJSON `json:"source_task"`
	SinkType    string          `json:"sink_type"`
	// SinkTask is always empty, as a replication task has no sink; the
	// Terraform provider reads a missing one as a sink with every field
	// unset, which its next plan replaces the task for.
	SinkTask   struct{} `json:"sink_task"`
	ID         string   `json:"id"`
	Status     string   `json:"status"`
	CreateTime int64    `json:"create_time"`
	Reason     string   `json:"reason,omitempty"`
	Duplicates int64    `json:"duplicates"`
	// TopicsLag is dmsd's own, in ShowConnectorTask only: per direction
	// and source topic, the records not copied yet.
	TopicsLag []connectLagJSON `json:"topics_lag,omitempty"`
}

// connectLagJSON is one entry of topics_lag.
type connectLagJSON struct {
	Direction string `json:"direction"`
	Topic     string `json:"topic"`
	Lag       int64  `json:"lag"`
}

// connectPeerJSON is source_task, in requests and answers; the password is
// never answered.
type connectPeerJSON struct {
	CurrentClusterName         string `json:"current_cluster_name,omitempty"`
	ClusterName                string `json:"cluster_name,omitempty"`
	UserName                   string `json:"user_name,omitempty"`
	Password                   string `json:"password,omitempty"`
	SASLMechanism              string `json:"sasl_mechanism,omitempty"`
	InstanceID                 string `json:"instance_id,omitempty"`
	BootstrapServers           string `json:"bootstrap_servers,omitempty"`
	SecurityProtocol           string `json:"security_protocol,omitempty"`
	Direction                  string `json:"direction,omitempty"`
	SyncConsumerOffsetsEnabled bool   `json:"sync_consumer_offsets_enabled"`
	ReplicationFactor          int32  `json:"replication_factor,omitempty"`
	TaskNum                    int32  `json:"task_num,omitempty"`
	RenameTopicEnabled         bool   `json:"rename_topic_enabled"`
	ProvenanceHeaderEnabled    bool   `json:"provenance_header_enabled"`
	ConsumerStrategy           string `json:"consumer_strategy,omitempty"`
	CompressionType            string `json:"compression_type,omitempty"`
	TopicsMapping              string `json:"topics_mapping,omitempty"`
}

type createConnectTaskRequest struct {
	TaskName    string           `json:"task_name"`
	StartLater  bool             `json:"start_later"`
	Topics      string           `json:"topics"`
	TopicsRegex string           `json:"topics_regex"`
	SourceType  string           `json:"source_type"`
	SourceTask  *connectPeerJSON `json:"source_task"`
	SinkType    string           `json:"sink_type"`
	SinkTask    json.RawMessage  `json:"sink_task"`
}

// peerOf returns the peer a request's source_task names, its SASL login
// included (checked by dmsd.ConnectPeer.ValidateLogin). It returns EINVALID
// without a source_task.
func peerOf(p *connectPeerJSON) (dmsd.ConnectPeer, error) {
	if p == nil {
		return dmsd.ConnectPeer{}, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: source_task is required.")
	}
	return dmsd.ConnectPeer{
		CurrentClusterName: p.CurrentClusterName, ClusterName: p.ClusterName, InstanceID: p.InstanceID, BootstrapServers: splitList(p.BootstrapServers),
		SecurityProtocol: p.SecurityProtocol, Direction: p.Direction, SyncConsumerOffsets: p.SyncConsumerOffsetsEnabled,
		ReplicationFactor: int(p.ReplicationFactor), TaskNum: int(p.TaskNum), RenameTopic: p.RenameTopicEnabled,
		ProvenanceHeader: p.ProvenanceHeaderEnabled, ConsumerStrategy: p.ConsumerStrategy, CompressionType: p.CompressionType,
		TopicsMapping: p.TopicsMapping, UserName: p.UserName, Password: p.Password, SASLMechanism: p.SASLMechanism,
	}, nil
}

func connectTaskOf(t *dmsd.ConnectTask) connectTaskJSON {
	p := t.Peer
	return connectTaskJSON{
		TaskName: t.Name, Topics: strings.Join(t.Topics, ","), TopicsRegex: t.TopicsRegex, SourceType: dmsd.KafkaReplicatorSource,
		SinkType: "NONE", ID: t.ID, Status: t.Status, CreateTime: t.CreatedAt.UnixMilli(), Reason: t.Reason, Duplicates: t.Duplicates,
		SourceTask: connectPeerJSON{
			CurrentClusterName: p.CurrentClusterName, ClusterName: p.ClusterName, InstanceID: p.InstanceID,
			BootstrapServers: strings.Join(p.BootstrapServers, ","), SecurityProtocol: p.SecurityProtocol, Direction: p.Direction,
			SyncConsumerOffsetsEnabled: p.SyncConsumerOffsets, ReplicationFactor: int32(p.ReplicationFactor), TaskNum: int32(p.TaskNum),
			RenameTopicEnabled: p.RenameTopic, ProvenanceHeaderEnabled: p.ProvenanceHeader, ConsumerStrategy: p.ConsumerStrategy,
			CompressionType: p.CompressionType, TopicsMapping: p.TopicsMapping, UserName: p.UserName, SASLMechanism: p.SASLMechanism,
		},
		TopicsLag: lagOf(t.Lag),
	}
}

func lagOf(lag []dmsd.ConnectLag) []connectLagJSON {
	if lag == nil {
		return nil
	}
	out := make([]connectLagJSON, 0, len(lag))
	for _, l := range lag {
		out = append(out, connectLagJSON{Direction: l.Flow, Topic: l.Topic, Lag: l.Lag})
	}
	return out
}

// handleConnectorCreate enables Smart Connect (CreateConnector): the
// request's node count and specification are accepted and ignored, as dmsd
// runs the replicator in its own process. The node count is a string in the
// SDK and a number in the Terraform provider's body: json.Number takes both.
// It answers the task as job_id and the connector's id.
func handleConnectorCreate(svc dmsd.ConnectorService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, _, err := decodeForInstance[struct {
			NodeCnt  json.Number `json:"node_cnt"`
			SpecCode string      `json:"spec_code"`
		}](r)
		if err != nil {
			return err
		}
		t, err := svc.EnableConnector(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			return err
		}
		var p struct {
			ConnectorID string `json:"connector_id"`
		}
		_ = json.Unmarshal([]byte(t.Params), &p) // written by the engine
		encode(w, http.StatusOK, map[string]string{"job_id": t.ID, "connector_id": p.ConnectorID})
		return nil
	})
}

// handleConnectorDelete disables Smart Connect (DeleteConnector).
func handleConnectorDelete(svc dmsd.ConnectorService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		t, err := svc.DisableConnector(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]string{"job_id": t.ID})
		return nil
	})
}

// handleConnectorResources answers ShowConnectorResourceInfo: Smart Connect
// is never sold out here.
func handleConnectorResources(store dmsd.InstanceStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := findInstance(r, store); err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]bool{"soldOut": false})
		return nil
	})
}

// handleConnectTaskCreate creates a replication task (CreateConnectorTask).
// Source and sink types other than the Kafka replicator are refused with
// ECONNECTTYPE.
func handleConnectTaskCreate(svc dmsd.ConnectTaskService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[createConnectTaskRequest](r)
		if err != nil {
			return err
		}
		if req.SourceType != dmsd.KafkaReplicatorSource {
			return dmsd.ConnectTypeRefused("source_type", req.SourceType)
		}
		if req.SinkType != "" && req.SinkType != "NONE" {
			return dmsd.ConnectTypeRefused("sink_type", req.SinkType)
		}
		peer, err := peerOf(req.SourceTask)
		if err != nil {
			return err
		}
		t := &dmsd.ConnectTask{InstanceID: instanceID, Name: req.TaskName, Topics: splitList(req.Topics), TopicsRegex: req.TopicsRegex, Peer: peer}
		if err := svc.CreateConnectTask(r.Context(), actorFrom(r), t, req.StartLater); err != nil {
			return err
		}
		encode(w, http.StatusOK, connectTaskOf(t))
		return nil
	})
}

// handleSinkTaskCreate refuses the earlier API's dump task (POST
// /v2/{project_id}/connectors/{connector_id}/sink-tasks, the Terraform
// provider's dms_kafka_smart_connect_task), which dumps to OBS only, with
// ECONNECTTYPE.
func handleSinkTaskCreate() http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[struct {
			DestinationType string `json:"destination_type"`
		}](r)
		if err != nil {
			return err
		}
		return dmsd.ConnectTypeRefused("destination_type", cmp.Or(req.DestinationType, "OBS_SINK"))
	})
}

// handleConnectTaskList answers ListConnectorTasks.
func handleConnectTaskList(svc dmsd.ConnectTaskService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		tasks, err := svc.ListConnectTasks(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			return err
		}
		out := struct {
			Tasks       []connectTaskJSON `json:"tasks"`
			TotalNumber int32             `json:"total_number"`
			MaxTasks    int32             `json:"max_tasks"`
			QuotaTasks  int32             `json:"quota_tasks"`
		}{Tasks: []connectTaskJSON{}, TotalNumber: int32(len(tasks)), MaxTasks: 18, QuotaTasks: 18}
		for _, t := range tasks {
			out.Tasks = append(out.Tasks, connectTaskOf(t))
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// connectTaskIDs returns the instance and task ids of a task route.
func connectTaskIDs(r *http.Request) (string, string, error) {
	instanceID, err := instanceIDOf(r)
	if err != nil {
		return "", "", err
	}
	taskID := r.PathValue("task_id")
	if !dmsd.ValidTaskID(taskID) {
		return "", "", dmsd.Errorf(dmsd.EINVALIDTASKID, "Invalid task ID format.")
	}
	return instanceID, taskID, nil
}

// handleConnectTaskShow answers ShowConnectorTask.
func handleConnectTaskShow(svc dmsd.ConnectTaskService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, taskID, err := connectTaskIDs(r)
		if err != nil {
			return err
		}
		t, err := svc.ShowConnectTask(r.Context(), actorFrom(r), instanceID, taskID)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, connectTaskOf(t))
		return nil
	})
}

// handleConnectTaskRun pauses (run false) or resumes/restarts a task,
// answering 204 as the reference does.
func handleConnectTaskRun(svc dmsd.ConnectTaskService, run bool) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, taskID, err := connectTaskIDs(r)
		if err != nil {
			return err
		}
		if err := svc.SetConnectRunning(r.Context(), actorFrom(r), instanceID, taskID, run); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleConnectTaskDelete answers DeleteConnectorTask with 204.
func handleConnectTaskDelete(svc dmsd.ConnectTaskService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, taskID, err := connectTaskIDs(r)
		if err != nil {
			return err
		}
		if err := svc.DeleteConnectTask(r.Context(), actorFrom(r), instanceID, taskID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleConnectValidate answers ValidateConnectorConnectivity: 204 if the
// peer's brokers answer.
func handleConnectValidate(svc dmsd.ConnectTaskService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[struct {
			Type string           `json:"type"`
			Task *connectPeerJSON `json:"task"`
		}](r)
		if err != nil {
			return err
		}
		if req.Type != dmsd.KafkaReplicatorSource {
			return dmsd.ConnectTypeRefused("type", req.Type)
		}
		peer, err := peerOf(req.Task)
		if err != nil {
			return err
		}
		if err := svc.ValidatePeer(r.Context(), actorFrom(r), instanceID, &peer); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleObsBuckets refuses ListObsBuckets: dumps to OBS need a service dmsd
// does not run.
func handleObsBuckets() http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return dmsd.ConnectTypeRefused("OBS", "buckets")
	})
}
