package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/dmsd/dmsd"
)

// routes registers the whole API. Every /v1 and /v2 route is authenticated;
// one with a project in its path is scoped to that project.
func (s *Server) routes() {
	s.mux.Handle("GET /livez", handleLivez())
	s.mux.Handle("GET /healthz", handleLivez()) // the name of earlier versions
	s.mux.Handle("GET /readyz", handleReadyz(s.ready))
	s.mux.Handle("GET "+openAPIPath, handleOpenAPI(s))
	if s.console != nil {
		s.mux.Handle("GET /console/", s.console)
		s.mux.Handle("GET /{$}", http.RedirectHandler("/console/", http.StatusFound))
	}

	// v2 registers an authenticated route and the query parameters it takes,
	// in the mux of its family (see Server.mux). An {engine} other than
	// kafka is refused before the handler runs.
	v2 := func(pattern string, h http.Handler, query ...string) {
		s.apiRoutes = append(s.apiRoutes, apiRoute{Pattern: pattern, Query: query})
		h = checkQuery(query, h)
		if strings.Contains(pattern, "/{engine}/") {
			h = requireKafka(h)
		}
		h = s.authenticate(h)
		if s.probe != nil {
			h = s.probe
		}
		s.familyMux(pattern).Handle(pattern, h)
	}

	// Not scoped to a project: any valid access key may read them.
	v2("GET /v2/available-zones", handleAvailableZones())
	v2("GET /v2/{engine}/products", handleProducts(), "product_id")
	v2("GET /v2/kafka/products/cores", handleProductCores(), "instance_id", "product_id", "broker_num")
	v2("GET /v2/instances/maintain-windows", handleMaintainWindows())

	v2("POST /v2/{engine}/{project_id}/instances", handleInstanceCreate(s.instances))
	v2("POST /v2/{project_id}/kafka/instances", handleInstanceCreate(s.instances))
	v2("GET /v2/{project_id}/instances", handleInstanceList(s.store),
		"engine", "name", "instance_id", "status", "include_failure", "exact_match_name", "enterprise_project_id", "offset", "limit")
	v2("GET /v2/{project_id}/instances/{instance_id}", handleInstanceShow(s.store))
	v2("GET /v2/{project_id}/instances/{instance_id}/manage/cluster", handleKafkaCluster(s.brokers))
	v2("GET /v2/{project_id}/kafka/{instance_id}/tags", handleInstanceTags(s.store))
	v2("DELETE /v2/{project_id}/instances/{instance_id}", handleInstanceDelete(s.instances))
	v2("POST /v2/{project_id}/instances/action", handleInstanceAction(s.instances))
	v2("POST /v2/{project_id}/instances/{instance_id}/autotopic", handleAutoTopic(s.instances))
	v2("POST /v2/{engine}/{project_id}/instances/{instance_id}/extend", handleExtend(s.instances))
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/extend", handleExtend(s.instances))
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/extend-check", handleScalePreCheck(s.instances))
	v2("POST /v2/{project_id}/{engine}/instances/{instance_id}/plain-ssl-switch", handleSSLSwitch(s.instances))
	v2("GET /v2/{project_id}/instances/{instance_id}/ssl-certificate", handleSSLCertificate(s.store))
	v2("POST /v1/{project_id}/instances/{instance_id}/public-boundwidth", handlePublicAccess(s.store))

	v2("GET /v2/{project_id}/instances/{instance_id}/tasks", handleTaskList(s.store),
		"offset", "start", "limit", "begin_time", "end_time")
	v2("GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}", handleTaskShow(s.store))
	v2("DELETE /v2/{project_id}/instances/{instance_id}/tasks/{task_id}", handleTaskDelete(s.store))
	v2("GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress", handleTaskProgress(s.store))

	// Topics, Kafka parameters and instance information.
	v2("POST /v2/{project_id}/instances/{instance_id}/topics", handleTopicCreate(s.topics))
	v2("GET /v2/{project_id}/instances/{instance_id}/topics", handleTopicList(s.topics), "offset", "limit")
	v2("PUT /v2/{project_id}/instances/{instance_id}/topics", handleTopicUpdate(s.topics))
	v2("POST /v2/{project_id}/instances/{instance_id}/topics/delete", handleTopicDelete(s.topics))
	v2("GET /v2/{project_id}/instances/{instance_id}/configs", handleConfigsShow(s.topics))
	v2("PUT /v2/{project_id}/instances/{instance_id}/configs", handleConfigsModify(s.instances))
	v2("PUT /v2/{project_id}/instances/{instance_id}", handleInstanceUpdate(s.instances))

	// Users, topic permissions and consumer groups.
	v2("POST /v2/{project_id}/instances/{instance_id}/users", handleUserCreate(s.users))
	v2("GET /v2/{project_id}/instances/{instance_id}/users", handleUserList(s.users))
	v2("PUT /v2/{project_id}/instances/{instance_id}/users", handleUsersDelete(s.users))
	v2("PUT /v2/{project_id}/instances/{instance_id}/users/{user_name}", handleUserPassword(s.users))
	v2("PUT /v2/{engine}/{project_id}/instances/{instance_id}/users/{user_name}", handleUserUpdate(s.users))
	v2("POST /v1/{project_id}/instances/{instance_id}/topics/accesspolicy", handleTopicPoliciesUpdate(s.instances))
	v2("GET /v1/{project_id}/instances/{instance_id}/topics/{topic_name}/accesspolicy", handleTopicPoliciesShow(s.users))
	v2("POST /v2/{project_id}/instances/{instance_id}/management/groups/{group}/reset-message-offset", handleResetOffset(s.instances))
	v2("PUT /v2/kafka/{project_id}/instances/{instance_id}/groups/{group}/reset-message-offset", handleResetOffset(s.instances))

	// Consumer groups, read from and deleted on the cluster at request time.
	v2("GET /v2/{project_id}/instances/{instance_id}/groups", handleGroupList(s.groups), "offset", "limit", "group")
	v2("GET /v2/{project_id}/instances/{instance_id}/groups/{group}", handleGroupShow(s.groups))
	v2("GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}", handleGroupShow(s.groups))
	v2("GET /v2/{project_id}/instances/{instance_id}/management/groups/{group}", handleGroupDetail(s.groups))
	v2("GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}/members", handleGroupMembers(s.groups),
		"offset", "limit", "host", "member_id")
	v2("GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}/message-offset", handleGroupMessageOffsets(s.groups, s.topics),
		"topic", "partition", "offset", "limit")
	v2("GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}/topics", handleGroupTopics(s.groups),
		"offset", "limit", "sort_key", "sort_dir", "topic")
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/group", handleGroupCreate(s.groups))
	v2("PUT /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}", handleGroupUpdate(s.groups))
	v2("PUT /v2/{engine}/{project_id}/instances/{instance_id}/groups", handleGroupsUpdate(s.groups))
	v2("DELETE /v2/{project_id}/instances/{instance_id}/groups/{group}", handleGroupDelete(s.groups))
	v2("DELETE /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}", handleGroupDelete(s.groups))
	v2("POST /v2/{project_id}/instances/{instance_id}/groups/batch-delete", handleGroupBatchDelete(s.groups))
	v2("POST /v2/kafka/{project_id}/instances/{instance_id}/groups/{group}/delete-offset", handleGroupOffsetsDelete(s.groups))

	// Partition reassignment (the SDK's path and the reference's) and scheduled tasks.
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/reassign", handleReassign(s.reassign, s.instances))
	v2("POST /v2/{engine}/{project_id}/instances/{instance_id}/reassign", handleReassign(s.reassign, s.instances))
	v2("GET /v2/{project_id}/instances/{instance_id}/scheduled-tasks", handleScheduledList(s.store),
		"offset", "start", "limit", "begin_time", "end_time")
	v2("PUT /v2/{project_id}/instances/{instance_id}/scheduled-tasks/{task_id}", handleScheduledUpdate(s.store), "execute_at", "status")
	v2("DELETE /v2/{project_id}/instances/{instance_id}/scheduled-tasks/{task_id}", handleScheduledDelete(s.store))

	// Topic details and the cluster, as Kafka reports them (topicdetail.go).
	v2("GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}", handleTopicDetail(s.inspect))
	v2("GET /v2/kafka/{project_id}/instances/{instance_id}/topics-detail/{topic}", handleKafkaTopicDetail(s.inspect))
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/topics/{topic}/partitions", handleTopicPartitions(s.inspect), "offset", "start", "limit")
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/topics/{topic}/producers", handleTopicProducers(s.inspect), "offset", "limit")
	v2("GET /v2/{project_id}/instances/{instance_id}/topics/diskusage", handleDiskUsage(s.inspect), "minSize", "top", "percentage")
	v2("POST /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/partitions-reassignment", handleCreatePartition(s.inspect))
	v2("GET /v2/{project_id}/instances/{instance_id}/management/cluster", handleCluster(s.inspect))
	v2("GET /v2/{project_id}/instances/{instance_id}/management/coordinators", handleCoordinators(s.inspect))
	// Instance lifecycle: the recycle bin, the access password, the engine
	// version label, advertised addresses, and what dmsd does not have.
	v2("GET /v2/{project_id}/recycle", handleRecycleShow(s.lifecycle))
	v2("PUT /v2/{project_id}/recycle", handleRecyclePolicy(s.lifecycle))
	v2("POST /v2/{project_id}/recycle", handleRecycleRestore(s.lifecycle))
	v2("POST /v2/{project_id}/instances/{instance_id}/password", handleResetPassword(s.lifecycle))
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/upgrade", handleUpgrade(s.lifecycle))
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/upgrade", handleUpgradeVersion(s.store))
	v2("POST /v2/{project_id}/instances/{instance_id}/crossvpc/modify", handleCrossVpc(s.lifecycle))
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/dns", handleRefuse(s.store, errNoDNS()))
	v2("DELETE /v2/{project_id}/kafka/instances/{instance_id}/management", handleRefuse(s.store, errNoKafkaManager()))
	v2("PUT /v2/{project_id}/instances/{instance_id}/kafka-manager-password", handleRefuse(s.store, errNoKafkaManager()))
	v2("PUT /v2/{project_id}/instances/{instance_id}/restart-kafka-manager", handleRefuse(s.store, errNoKafkaManager()))
	// Messages, read from and written to the cluster at request time.
	v2("GET /v2/{project_id}/instances/{instance_id}/messages", handleInstanceMessages(s.messages),
		"topic", "asc", "start_time", "end_time", "limit", "offset", "download", "message_offset", "partition", "keyword", "key", "include", "exclude")
	v2("GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/messages", handleTopicMessages(s.messages),
		"start_time", "end_time", "limit", "offset", "partition")
	v2("GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/partitions/{partition}/message", handlePartitionMessage(s.messages), "message_offset")
	v2("GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/partitions/{partition}/beginning-message", handlePartitionEdge(s.messages, false))
	v2("GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/partitions/{partition}/end-message", handlePartitionEdge(s.messages, true))
	v2("POST /v2/{project_id}/instances/{instance_id}/messages/action", handleSendMessage(s.messages), "action_id")
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/topics/{topic}/messages/delete", handleDeleteMessages(s.messages))
	// The Terraform provider's path (dms_kafka_topic_message_batch_delete): the same body.
	v2("DELETE /v2/{project_id}/kafka/instances/{instance_id}/topics/{topic}/messages", handleDeleteMessages(s.messages))
	// Message backlog diagnosis and logs.
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/diagnosis-check", handleDiagnosisPreCheck(s.diagnosis), "group", "topic")
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/message-diagnosis-tasks", handleDiagnosisCreate(s.diagnosis))
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/message-diagnosis-tasks", handleDiagnosisList(s.reports), "offset", "limit")
	v2("DELETE /v2/{project_id}/kafka/instances/{instance_id}/message-diagnosis-tasks", handleDiagnosisDelete(s.reports))
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/message-diagnosis/{report_id}", handleDiagnosisShow(s.reports))
	v2("POST /v2/kafka/{project_id}/instances/{instance_id}/log/rebalance-log", handleRebalanceLogStart(s.logs))
	v2("GET /v2/kafka/{project_id}/instances/{instance_id}/log/rebalance-log", handleRebalanceLogShow(s.logs))
	v2("DELETE /v2/kafka/{project_id}/instances/{instance_id}/log/rebalance-log", handleRebalanceLogStop(s.logs))
	// Kafka client quotas (tasks), the project's quotas, monitoring dimensions.
	v2("POST /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota", handleTopicQuotaChange(s.quotas, dmsd.QuotaCreate))
	v2("PUT /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota", handleTopicQuotaChange(s.quotas, dmsd.QuotaModify))
	v2("DELETE /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota", handleTopicQuotaChange(s.quotas, dmsd.QuotaDelete))
	v2("GET /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota", handleTopicQuotaShow(s.quotas), "type", "limit", "offset", "keyword")
	v2("POST /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota", handleUserClientQuotaChange(s.quotas, dmsd.QuotaCreate))
	v2("PUT /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota", handleUserClientQuotaChange(s.quotas, dmsd.QuotaModify))
	v2("DELETE /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota", handleUserClientQuotaChange(s.quotas, dmsd.QuotaDelete))
	v2("GET /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota", handleUserClientQuotaShow(s.quotas), "offset", "limit")
	v2("GET /v2/{project_id}/quotas", handleProjectQuotas(s.quotas), "includeTagsQuota")

	// Tags.
	v2("POST /v2/{project_id}/kafka/{instance_id}/tags/action", handleTagsChange(s.tags))
	v2("GET /v2/{project_id}/kafka/tags", handleProjectTags(s.tags))
	// Smart Connect: enabling and disabling it (tasks), and its Kafka
	// replication tasks.
	v2("POST /v2/{project_id}/instances/{instance_id}/connector", handleConnectorCreate(s.connectors))
	v2("GET /v2/{project_id}/instances/{instance_id}/connector", handleConnectorResources(s.store))
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/delete-connector", handleConnectorDelete(s.connectors))
	v2("POST /v2/{project_id}/instances/{instance_id}/connector/tasks", handleConnectTaskCreate(s.connectTasks))
	v2("GET /v2/{project_id}/instances/{instance_id}/connector/tasks", handleConnectTaskList(s.connectTasks))
	v2("GET /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}", handleConnectTaskShow(s.connectTasks))
	v2("PUT /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}", handleConnectTaskModify(s.connectTasks))
	v2("DELETE /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}", handleConnectTaskDelete(s.connectTasks))
	v2("PUT /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}/pause", handleConnectTaskRun(s.connectTasks, false))
	v2("PUT /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}/resume", handleConnectTaskRun(s.connectTasks, true))
	v2("PUT /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}/restart", handleConnectTaskRun(s.connectTasks, true))
	v2("PUT /v2/{project_id}/kafka/instances/{instance_id}/connector/tasks/{task_id}/restart", handleConnectTaskRun(s.connectTasks, true))
	v2("POST /v2/{project_id}/instances/{instance_id}/connector/validate", handleConnectValidate(s.connectTasks))
	v2("POST /v2/{project_id}/connectors/{connector_id}/sink-tasks", handleSinkTaskCreate())
	// Automatic storage growth (engine/volume.go does the growing).
	v2("GET /v2/{project_id}/instances/{instance_id}/auto-volume-expand", handleVolumeExpandShow(s.store))
	v2("PUT /v2/{project_id}/instances/{instance_id}/auto-volume-expand", handleVolumeExpandUpdate(s.store, s.lifecycle))
	// Outside /v2, in the mux of project routes (Server.muxFor sends
	// every non-/v2 path there).
	obs := s.authenticate(handleObsBuckets())
	if s.probe != nil {
		obs = s.probe
	}
	s.mux.Handle("GET /v1.0/dms/obs/buckets", obs)

	// SDK operations dmsd does not offer: each refused with ENOTOFFERED
	// rather than an unknown route (unserved.go). Serving one for real
	// means moving its line out of this block.

	// Features, the extension catalog, monitoring dimensions, log tasks (refused: LTS).
	v2("GET /v2/config/features", handleConfigFeatures())
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/extend", handleExtendProductInfo(s.store), "type")
	v2("GET /v2/{project_id}/instances/{instance_id}/ces-hierarchy", handleCesHierarchy(s.brokers, s.topics, s.groups))
	v2("POST /v2/{project_id}/kafka/instances/{instance_id}/logs/{log_type}", handleLogTaskStart(s.logs))
	v2("GET /v2/{project_id}/kafka/instances/{instance_id}/logs/{log_type}", handleLogTaskShow(s.logs))
	v2("DELETE /v2/{project_id}/kafka/instances/{instance_id}/logs/{log_type}", handleLogTaskStop(s.logs))
}

// familyMux returns the mux that holds pattern: mux for a path whose second
// segment is the project, globalMux for the others (see Server.mux).
func (s *Server) familyMux(pattern string) *http.ServeMux {
	_, path, _ := strings.Cut(pattern, " ")
	if strings.HasPrefix(path, "/v1/{project_id}/") || strings.HasPrefix(path, "/v2/{project_id}/") {
		return s.mux
	}
	return s.globalMux
}

// requireKafka refuses a route's {engine} unless it is kafka, the only
// engine dmsd serves.
func requireKafka(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("engine") != "kafka" {
			writeError(w, r, dmsd.Errorf(dmsd.EUNSUPPORTEDENGINE, "Unsupported type: the engine must be kafka."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleLivez answers 200 while the process serves, whatever its database
// does: a liveness probe restarts a process that cannot answer, not one whose
// database is away.
func handleLivez() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
}

// readyTimeout bounds how long /readyz waits for the readiness check.
const readyTimeout = 2 * time.Second

// handleReadyz answers 200 when ready (nil means always) returns nil within
// readyTimeout, and 503 EUNAVAILABLE otherwise, so that a load balancer
// sends the API's traffic only to replicas that can serve it.
func handleReadyz(ready func(ctx context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			err := ready(ctx)
			cancel()
			if err != nil {
				writeError(w, r, &dmsd.Error{Code: dmsd.EUNAVAILABLE, Message: "The service is not ready: its database does not answer or its task queue is not running.", Err: err})
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
}
