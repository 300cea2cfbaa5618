package httpapi

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/dmsd/dmsd"
)

// openAPIPath is where the server answers its OpenAPI document, unauthenticated.
const openAPIPath = "/openapi.json"

// apiRoute is one route registered by routes: its pattern and the query
// parameters it accepts, as routes.go declares them.
type apiRoute struct {
	Pattern string
	Query   []string
}

// apiOperation describes a route for the OpenAPI document. Schemas are named
// after the models of the official SDK (huaweicloud-sdk-go-v3
// services/kafka/v2/model), which this package does not import.
type apiOperation struct {
	// ID is the SDK operation's name, or dmsd's own for a route the SDK
	// lacks.
	ID string
	// Summary is one line for the reader; "" means one made from ID.
	Summary string
	// Body is the SDK model of the request body, "" for none.
	Body string
	// Response is the SDK model of the answer; "" means ID + "Response".
	Response string
	// Media is the answer's media type; "" means application/json.
	Media string
	// Errors are the error codes the operation answers beyond those every
	// route of its shape does (see operationErrors).
	Errors []string
	// NotOffered marks an SDK operation dmsd refuses with ENOTOFFERED: the
	// document gives it no success answer.
	NotOffered bool
}

// apiOperations describes every route of routes.go, keyed by its pattern;
// TestOpenAPI_MatchesRoutes fails for a route missing here and names the
// entry to add.
var apiOperations = map[string]apiOperation{
	"GET /v2/available-zones":                                                                                         {ID: "ListAvailableZones"},
	"GET /v2/{engine}/products":                                                                                       {ID: "ListEngineProducts"},
	"GET /v2/kafka/products/cores":                                                                                    {ID: "ShowKafkaProductCores"},
	"GET /v2/instances/maintain-windows":                                                                              {ID: "ShowMaintainWindows"},
	"POST /v2/{engine}/{project_id}/instances":                                                                        {ID: "CreateInstanceByEngine", Body: "CreateInstanceByEngineReq"},
	"POST /v2/{project_id}/kafka/instances":                                                                           {ID: "CreatePostPaidKafkaInstance", Body: "CreateInstanceByEngineReq"},
	"GET /v2/{project_id}/instances":                                                                                  {ID: "ListInstances"},
	"GET /v2/{project_id}/instances/{instance_id}":                                                                    {ID: "ShowInstance"},
	"GET /v2/{project_id}/instances/{instance_id}/manage/cluster":                                                     {ID: "ShowKafkaCluster"},
	"GET /v2/{project_id}/kafka/{instance_id}/tags":                                                                   {ID: "ShowKafkaTags"},
	"DELETE /v2/{project_id}/instances/{instance_id}":                                                                 {ID: "DeleteInstance"},
	"POST /v2/{project_id}/instances/action":                                                                          {ID: "BatchRestartOrDeleteInstances", Body: "BatchRestartOrDeleteInstanceReq"},
	"POST /v2/{project_id}/instances/{instance_id}/autotopic":                                                         {ID: "UpdateInstanceAutoCreateTopic", Body: "UpdateInstanceAutoCreateTopicReq"},
	"POST /v2/{engine}/{project_id}/instances/{instance_id}/extend":                                                   {ID: "ResizeEngineInstance", Body: "ResizeEngineInstanceReq"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/extend":                                                      {ID: "ResizeKafkaInstance", Body: "ResizeEngineInstanceReq"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/extend-check":                                                 {ID: "ShowKafkaScalePreCheckInfo"},
	"POST /v2/{project_id}/{engine}/instances/{instance_id}/plain-ssl-switch":                                         {ID: "UpdateKafkaPortProtocol", Body: "PlainSslEnableRequest"},
	"GET /v2/{project_id}/instances/{instance_id}/ssl-certificate":                                                    {ID: "ShowSslCertificate", Summary: "Download the CA certificate of an instance with SSL on (dmsd's own; not an SDK operation).", Media: "application/x-pem-file", Errors: []string{dmsd.ESSLDISABLED}},
	"POST /v1/{project_id}/instances/{instance_id}/public-boundwidth":                                                 {ID: "ModifyKafkaPublicIpAccessSwitch", Body: "ModifyKafkaPublicIpAccessSwitchReq"},
	"GET /v2/{project_id}/instances/{instance_id}/tasks":                                                              {ID: "ListBackgroundTasks"},
	"GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}":                                                    {ID: "ShowBackgroundTask"},
	"DELETE /v2/{project_id}/instances/{instance_id}/tasks/{task_id}":                                                 {ID: "DeleteBackgroundTask"},
	"GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress":                                           {ID: "ShowBackgroundTaskProgress"},
	"POST /v2/{project_id}/instances/{instance_id}/topics":                                                            {ID: "CreateInstanceTopic", Body: "CreateInstanceTopicReq"},
	"GET /v2/{project_id}/instances/{instance_id}/topics":                                                             {ID: "ListInstanceTopics"},
	"PUT /v2/{project_id}/instances/{instance_id}/topics":                                                             {ID: "UpdateInstanceTopic", Body: "UpdateInstanceTopicReq"},
	"POST /v2/{project_id}/instances/{instance_id}/topics/delete":                                                     {ID: "BatchDeleteInstanceTopic", Body: "BatchDeleteInstanceTopicReq"},
	"GET /v2/{project_id}/instances/{instance_id}/configs":                                                            {ID: "ShowInstanceConfigs"},
	"PUT /v2/{project_id}/instances/{instance_id}/configs":                                                            {ID: "ModifyInstanceConfigs", Body: "ModifyInstanceConfigsReq"},
	"PUT /v2/{project_id}/instances/{instance_id}":                                                                    {ID: "UpdateInstance", Body: "UpdateInstanceReq"},
	"POST /v2/{project_id}/instances/{instance_id}/users":                                                             {ID: "CreateInstanceUser", Body: "CreateInstanceUserReq"},
	"GET /v2/{project_id}/instances/{instance_id}/users":                                                              {ID: "ShowInstanceUsers"},
	"PUT /v2/{project_id}/instances/{instance_id}/users":                                                              {ID: "BatchDeleteInstanceUsers", Body: "BatchDeleteInstanceUsersReq"},
	"PUT /v2/{project_id}/instances/{instance_id}/users/{user_name}":                                                  {ID: "ResetUserPasswrod", Body: "ResetUserPasswordReq"},
	"PUT /v2/{engine}/{project_id}/instances/{instance_id}/users/{user_name}":                                         {ID: "UpdateInstanceUser", Body: "UpdateUserReq"},
	"POST /v1/{project_id}/instances/{instance_id}/topics/accesspolicy":                                               {ID: "UpdateTopicAccessPolicy", Body: "UpdateTopicAccessPolicyReq"},
	"GET /v1/{project_id}/instances/{instance_id}/topics/{topic_name}/accesspolicy":                                   {ID: "ShowTopicAccessPolicy"},
	"POST /v2/{project_id}/instances/{instance_id}/management/groups/{group}/reset-message-offset":                    {ID: "ResetMessageOffset", Body: "ResetMessageOffsetReq"},
	"PUT /v2/kafka/{project_id}/instances/{instance_id}/groups/{group}/reset-message-offset":                          {ID: "ResetMessageOffsetWithEngine", Body: "ResetMessageOffsetReq"},
	"GET /v2/{project_id}/instances/{instance_id}/groups":                                                             {ID: "ListInstanceConsumerGroups"},
	"GET /v2/{project_id}/instances/{instance_id}/groups/{group}":                                                     {ID: "ShowGroup"},
	"GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}":                                            {ID: "ListInstanceConsumerGroup"},
	"GET /v2/{project_id}/instances/{instance_id}/management/groups/{group}":                                          {ID: "ShowGroups"},
	"GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}/members":                                    {ID: "ListInstanceConsumerGroupMembers"},
	"GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}/message-offset":                             {ID: "ListInstanceConsumerGroupMessageOffset"},
	"GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}/topics":                                     {ID: "ListInstanceConsumerGroupTopics"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/group":                                                       {ID: "CreateKafkaConsumerGroup", Body: "CreateGroupReq"},
	"PUT /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}":                                            {ID: "UpdateInstanceConsumerGroup", Body: "GroupCreateReq"},
	"PUT /v2/{engine}/{project_id}/instances/{instance_id}/groups":                                                    {ID: "UpdateInstanceGroup", Body: "BatchModiftGroupDescriptionReq"},
	"DELETE /v2/{project_id}/instances/{instance_id}/groups/{group}":                                                  {ID: "DeleteGroup"},
	"DELETE /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}":                                         {ID: "DeleteInstanceConsumerGroup"},
	"POST /v2/{project_id}/instances/{instance_id}/groups/batch-delete":                                               {ID: "BatchDeleteGroup", Body: "BatchDeleteGroupReq"},
	"POST /v2/kafka/{project_id}/instances/{instance_id}/groups/{group}/delete-offset":                                {ID: "DeleteConsumerGroupOffsets", Body: "DeleteConsumerGroupOffsetsRequestBody"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/reassign":                                                    {ID: "CreateKafkaReassignmentTask", Body: "PartitionReassignRequest"},
	"POST /v2/{engine}/{project_id}/instances/{instance_id}/reassign":                                                 {ID: "CreateReassignmentTaskWithEngine", Summary: "Reassign partitions (the reference's path of CreateKafkaReassignmentTask).", Body: "PartitionReassignRequest", Response: "CreateKafkaReassignmentTaskResponse"},
	"GET /v2/{project_id}/instances/{instance_id}/scheduled-tasks":                                                    {ID: "ListScheduledTasks"},
	"PUT /v2/{project_id}/instances/{instance_id}/scheduled-tasks/{task_id}":                                          {ID: "UpdateScheduledTask"},
	"DELETE /v2/{project_id}/instances/{instance_id}/scheduled-tasks/{task_id}":                                       {ID: "DeleteScheduledTask"},
	"GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}":                                          {ID: "ShowInstanceTopicDetail"},
	"GET /v2/kafka/{project_id}/instances/{instance_id}/topics-detail/{topic}":                                        {ID: "ShowKafkaTopicDetail"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/topics/{topic}/partitions":                                    {ID: "ListTopicPartitions"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/topics/{topic}/producers":                                     {ID: "ListTopicProducers"},
	"GET /v2/{project_id}/instances/{instance_id}/topics/diskusage":                                                   {ID: "ShowKafkaTopicPartitionDiskusage"},
	"POST /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/partitions-reassignment":                 {ID: "CreatePartition", Body: "CreatePartitionReq"},
	"GET /v2/{project_id}/instances/{instance_id}/management/cluster":                                                 {ID: "ShowCluster"},
	"GET /v2/{project_id}/instances/{instance_id}/management/coordinators":                                            {ID: "ShowCoordinators"},
	"GET /v2/{project_id}/recycle":                                                                                    {ID: "ShowRecycleInstances"},
	"PUT /v2/{project_id}/recycle":                                                                                    {ID: "ModifyRecyclePolicy", Body: "ModifyRecyclePolicyReq"},
	"POST /v2/{project_id}/recycle":                                                                                   {ID: "RestoreRecycleInstance", Body: "BatchResumeInstanceReq"},
	"POST /v2/{project_id}/instances/{instance_id}/password":                                                          {ID: "ResetPassword", Body: "ResetPasswordReq"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/upgrade":                                                     {ID: "UpgradeInstance", Body: "UpgradeInstanceReq"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/upgrade":                                                      {ID: "ShowUpgradeInstanceVersion"},
	"POST /v2/{project_id}/instances/{instance_id}/crossvpc/modify":                                                   {ID: "UpdateInstanceCrossVpcIp", Body: "UpdateInstanceCrossVpcIpReq"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/dns":                                                         {ID: "EnableDns"},
	"DELETE /v2/{project_id}/kafka/instances/{instance_id}/management":                                                {ID: "CloseKafkaManager"},
	"PUT /v2/{project_id}/instances/{instance_id}/kafka-manager-password":                                             {ID: "ResetManagerPassword", Body: "ResetManagerPasswordReq"},
	"PUT /v2/{project_id}/instances/{instance_id}/restart-kafka-manager":                                              {ID: "RestartManager"},
	"GET /v2/{project_id}/instances/{instance_id}/messages":                                                           {ID: "ShowInstanceMessages"},
	"GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/messages":                                 {ID: "ShowMessages"},
	"GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/partitions/{partition}/message":           {ID: "ShowPartitionMessage"},
	"GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/partitions/{partition}/beginning-message": {ID: "ShowPartitionBeginningMessage"},
	"GET /v2/{project_id}/instances/{instance_id}/management/topics/{topic}/partitions/{partition}/end-message":       {ID: "ShowPartitionEndMessage"},
	"POST /v2/{project_id}/instances/{instance_id}/messages/action":                                                   {ID: "SendKafkaMessage", Body: "SendKafkaMessageRequestBody"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/topics/{topic}/messages/delete":                              {ID: "DeleteKafkaTopicMessages", Body: "DeleteKafkaMessageRequestBody"},
	"DELETE /v2/{project_id}/kafka/instances/{instance_id}/topics/{topic}/messages":                                   {ID: "DeleteKafkaTopicMessagesByDelete", Summary: "Delete messages (the Terraform provider's path of DeleteKafkaTopicMessages).", Body: "DeleteKafkaMessageRequestBody", Response: "DeleteKafkaTopicMessagesResponse"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/diagnosis-check":                                              {ID: "ShowDiagnosisPreCheck"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/message-diagnosis-tasks":                                     {ID: "CreateMessageDiagnosisTask", Body: "CreateMessageDiagnosisTaskReq"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/message-diagnosis-tasks":                                      {ID: "ListMessageDiagnosisReports"},
	"DELETE /v2/{project_id}/kafka/instances/{instance_id}/message-diagnosis-tasks":                                   {ID: "BatchDeleteMessageDiagnosisReports", Body: "BatchDeleteMessageDiagnosisReportsReq"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/message-diagnosis/{report_id}":                                {ID: "ShowMessageDiagnosisReport"},
	"POST /v2/kafka/{project_id}/instances/{instance_id}/log/rebalance-log":                                           {ID: "CreateKafkaRebalanceLogTask"},
	"GET /v2/kafka/{project_id}/instances/{instance_id}/log/rebalance-log":                                            {ID: "ShowKafkaRebalanceLog"},
	"DELETE /v2/kafka/{project_id}/instances/{instance_id}/log/rebalance-log":                                         {ID: "StopKafkaRebalanceLogTask"},
	"POST /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota":                                           {ID: "CreateKafkaTopicQuota", Body: "KafkaTopicQuota"},
	"PUT /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota":                                            {ID: "ModifyKafkaTopicQuota", Body: "KafkaTopicQuota"},
	"DELETE /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota":                                         {ID: "DeleteKafkaTopicQuota", Body: "KafkaTopicQuota"},
	"GET /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota":                                            {ID: "ShowKafkaTopicQuota"},
	"POST /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota":                                     {ID: "CreateKafkaUserClientQuotaTask", Body: "CreateKafkaUserClientQuotaTaskReq"},
	"PUT /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota":                                      {ID: "UpdateKafkaUserClientQuotaTask", Body: "UpdateKafkaUserClientQuotaTaskReq"},
	"DELETE /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota":                                   {ID: "DeleteKafkaUserClientQuotaTask", Body: "DeleteKafkaUserClientQuotaTaskReq"},
	"GET /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota":                                      {ID: "ShowKafkaUserClientQuota"},
	"GET /v2/{project_id}/quotas":                                                                                     {ID: "ShowQuotas"},
	"POST /v2/{project_id}/kafka/{instance_id}/tags/action":                                                           {ID: "BatchCreateOrDeleteKafkaTag", Body: "BatchCreateOrDeleteTagReq"},
	"GET /v2/{project_id}/kafka/tags":                                                                                 {ID: "ShowKafkaProjectTags"},
	// SDK operations dmsd does not offer (unserved.go).
	"GET /v2/config/features":                                               {ID: "ListConfigFeatures"},
	"GET /v2/{project_id}/instances/{instance_id}/ces-hierarchy":            {ID: "ShowCesHierarchy"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/extend":             {ID: "ShowKafkaInstanceExtendProductInfo"},
	"GET /v2/{project_id}/kafka/instances/{instance_id}/logs/{log_type}":    {ID: "ShowKafkaLogTask"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/logs/{log_type}":   {ID: "StartKafkaLogTask", Body: "StartKafkaLogTaskReq", Errors: []string{dmsd.ELOGRUNNING, dmsd.ENOBROKERLOG, dmsd.EEXTERNAL}},
	"DELETE /v2/{project_id}/kafka/instances/{instance_id}/logs/{log_type}": {ID: "StopKafkaLogTask", Errors: []string{dmsd.ELOGNOTRUNNING}},
	"GET /v2/{project_id}/instances/{instance_id}/auto-volume-expand":       {ID: "ShowVolumeExpandConfig"},
	"PUT /v2/{project_id}/instances/{instance_id}/auto-volume-expand":       {ID: "UpdateVolumeExpansionConfig", Body: "AlterAutoVolumeExpandConfig"},
	// Smart Connect.
	"POST /v2/{project_id}/instances/{instance_id}/connector":                              {ID: "CreateConnector", Body: "CreateConnectorReq"},
	"GET /v2/{project_id}/instances/{instance_id}/connector":                               {ID: "ShowConnectorResourceInfo"},
	"POST /v2/{project_id}/kafka/instances/{instance_id}/delete-connector":                 {ID: "DeleteConnector"},
	"POST /v2/{project_id}/instances/{instance_id}/connector/tasks":                        {ID: "CreateConnectorTask", Body: "CreateSmartConnectTaskReq"},
	"GET /v2/{project_id}/instances/{instance_id}/connector/tasks":                         {ID: "ListConnectorTasks"},
	"GET /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}":               {ID: "ShowConnectorTask", Summary: "Show connector task, with dmsd's own topics_lag (per direction and source topic, the records not copied yet) and duplicates (records possibly written twice)."},
	"PUT /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}":               {ID: "ModifyConnectorTask", Body: "SmartConnectTaskEntity", Errors: []string{dmsd.ECONNECTOROFF, dmsd.ECONNECTTASKNOTFOUND, dmsd.ECONNECTTYPE}},
	"DELETE /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}":            {ID: "DeleteConnectorTask"},
	"PUT /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}/pause":         {ID: "PauseConnectorTask"},
	"PUT /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}/resume":        {ID: "ResumeConnectorTask"},
	"PUT /v2/{project_id}/instances/{instance_id}/connector/tasks/{task_id}/restart":       {ID: "RestartSmartConnectorTask"},
	"PUT /v2/{project_id}/kafka/instances/{instance_id}/connector/tasks/{task_id}/restart": {ID: "RestartConnectorTask"},
	"POST /v2/{project_id}/instances/{instance_id}/connector/validate":                     {ID: "ValidateConnectorConnectivity", Body: "SmartConnectValidateEntity"},
	"POST /v2/{project_id}/connectors/{connector_id}/sink-tasks": {ID: "CreateSinkTask", Summary: "The earlier API's dump to OBS (the Terraform provider's dms_kafka_smart_connect_task): refused, as dmsd runs no OBS.",
		Response: "CreateConnectorTaskResponse", Errors: []string{dmsd.ECONNECTTYPE}},
}

// operationErrors returns the error codes of the operation at pattern with
// status: those of authentication, of its path parameters and body, and its
// own extra codes.
func operationErrors(pattern string, op apiOperation) []string {
	codes := []string{dmsd.EINVALID, dmsd.ETOKENINVALID, dmsd.ETOKENEXPIRED, dmsd.ETOKENMISSING,
		dmsd.ETOOMANYREQUESTS, dmsd.EHEADERSTOOLARGE, dmsd.EINTERNAL, dmsd.EUNAVAILABLE}
	method, path, _ := strings.Cut(pattern, " ")
	if strings.Contains(path, "{project_id}") {
		codes = append(codes, dmsd.EINVALIDPROJECTID, dmsd.EPROJECTMISMATCH, dmsd.EPROJECTNOTFOUND)
	}
	if strings.Contains(path, "{engine}") {
		codes = append(codes, dmsd.EUNSUPPORTEDENGINE)
	}
	if strings.Contains(path, "{instance_id}") {
		codes = append(codes, dmsd.EINVALIDINSTANCEID, dmsd.EINSTANCENOTFOUND)
	}
	if method != http.MethodGet {
		codes = append(codes, dmsd.EREPLAYED)
	}
	if op.Body != "" {
		codes = append(codes, dmsd.EEMPTYBODY, dmsd.EINVALIDJSON, dmsd.EBODYTOOLARGE, dmsd.ECONTENTTYPE)
	}
	codes = append(codes, op.Errors...)
	if op.NotOffered {
		codes = append(codes, dmsd.ENOTOFFERED)
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

// summaryOf returns op's summary, or a sentence made from its ID
// (ShowKafkaTopicQuota gives "Show kafka topic quota.").
func summaryOf(op apiOperation) string {
	if op.Summary != "" {
		return op.Summary
	}
	var b strings.Builder
	for i, r := range op.ID {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String() + "."
}

// openAPIDocument returns the OpenAPI 3.1 document of routes: one operation
// per route, its path and query parameters from routes.go, the rest from
// apiOperations. It holds no secret: no key, address or instance.
func openAPIDocument(routes []apiRoute) map[string]any {
	paths := map[string]map[string]any{}
	schemas := map[string]any{
		"Error": map[string]any{
			"type":     "object",
			"required": []string{"error_code", "error_msg"},
			"properties": map[string]any{
				"error_code": map[string]any{"type": "string", "examples": []string{dmsd.EINSTANCENOTFOUND}},
				"error_msg":  map[string]any{"type": "string"},
			},
		},
	}
	sdkModel := func(name string) map[string]any {
		if _, ok := schemas[name]; !ok {
			schemas[name] = map[string]any{
				"type":        "object",
				"description": "The official SDK's model." + name + " (huaweicloud-sdk-go-v3 services/kafka/v2/model), as JSON.",
			}
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	addOp := func(pattern string, o map[string]any) {
		method, path, _ := strings.Cut(pattern, " ")
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = o
	}
	for _, rt := range routes {
		op, ok := apiOperations[rt.Pattern]
		if !ok {
			op = apiOperation{ID: "Undocumented", Summary: "Not yet described in apiOperations."}
		}
		_, path, _ := strings.Cut(rt.Pattern, " ")
		var params []any
		for _, m := range wildcards(path) {
			params = append(params, map[string]any{"name": m, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
		}
		media := op.Media
		if media == "" {
			media = "application/json"
		}
		responses := map[string]any{}
		if !op.NotOffered {
			ok2xx := map[string]any{"description": "Success: 200 with the answer, or 204 where the SDK's answer is empty."}
			if media == "application/json" {
				ok2xx["content"] = map[string]any{media: map[string]any{"schema": sdkModel(cmp.Or(op.Response, op.ID+"Response"))}}
			} else {
				ok2xx["content"] = map[string]any{media: map[string]any{"schema": map[string]any{"type": "string"}}}
			}
			responses["2XX"] = ok2xx
		}
		byStatus := map[int][]string{}
		for _, c := range operationErrors(rt.Pattern, op) {
			byStatus[statusOf[c]] = append(byStatus[statusOf[c]], c)
		}
		for st, codes := range byStatus {
			responses[strconv.Itoa(st)] = map[string]any{
				"description": http.StatusText(st) + ": a DMS error, error_code one of " + strings.Join(codes, ", ") + ".",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
					"allOf": []any{
						map[string]any{"$ref": "#/components/schemas/Error"},
						map[string]any{"properties": map[string]any{"error_code": map[string]any{"enum": codes}}},
					},
				}}},
			}
		}
		summary := summaryOf(op)
		if op.NotOffered {
			summary = "Not offered by dmsd, refused with " + dmsd.ENOTOFFERED + ": " + notOffered[op.ID]
		}
		o := map[string]any{
			"operationId": op.ID,
			"summary":     summary,
			"security":    []any{map[string]any{"sdkHmacSha256": []string{}}},
			"responses":   responses,
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Body != "" {
			o["requestBody"] = map[string]any{
				"required": true,
				"content":  map[string]any{"application/json": map[string]any{"schema": sdkModel(op.Body)}},
			}
		}
		addOp(rt.Pattern, o)
	}
	for _, p := range []struct{ pattern, id, summary string }{
		{"GET /livez", "Livez", "Whether the process serves (200 while it does)."},
		{"GET /healthz", "Healthz", "The former name of /livez."},
		{"GET /readyz", "Readyz", "Whether the server can serve the API: 200, or 503 DMS.00503001."},
		{"GET " + openAPIPath, "OpenAPI", "This document."},
	} {
		addOp(p.pattern, map[string]any{
			"operationId": p.id,
			"summary":     p.summary,
			"security":    []any{},
			"responses": map[string]any{
				"200": map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}},
			},
		})
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "dmsd: the DMS for Kafka v2 management API",
			"version":     "v2",
			"description": "Every route dmsd serves. Requests are signed with SDK-HMAC-SHA256 as the official Huawei Cloud SDK signs them; schemas name the SDK's models.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"sdkHmacSha256": map[string]any{
					"type": "apiKey", "in": "header", "name": "Authorization",
					"description": "SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=... with X-Sdk-Date, as the official SDK signs.",
				},
			},
		},
	}
}

// wildcards returns the names of path's {wildcards} in order.
func wildcards(path string) []string {
	var out []string
	for rest := path; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, strings.TrimSuffix(rest[i+1:i+j], "..."))
		rest = rest[i+j+1:]
	}
}

// handleOpenAPI answers the OpenAPI document of the routes s registered,
// built at the first request, once routes has registered them all.
func handleOpenAPI(s *Server) http.Handler {
	body := sync.OnceValue(func() []byte {
		b, err := json.MarshalIndent(openAPIDocument(s.apiRoutes), "", "  ")
		if err != nil {
			panic(err) // Maps of strings and slices always marshal.
		}
		return b
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body())
	})
}
