package httpapi

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	kafka "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// sdkOperation is one operation of the official SDK's services/kafka/v2, as
// its kafka_meta.go declares it.
type sdkOperation struct {
	Name   string // CreatePostPaidKafkaInstance
	Method string // POST
	Path   string // /v2/{project_id}/kafka/instances
}

// sdkOperations parses kafka_meta.go of the SDK in the module cache: every
// GenReqDefForX function with its WithMethod and WithPath, so that the table
// of the routing test cannot drift from the SDK.
func sdkOperations(t *testing.T) []sdkOperation {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2").Output()
	require.NoError(t, err, "locate the SDK's kafka/v2 package")
	file := filepath.Join(strings.TrimSpace(string(out)), "kafka_meta.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	require.NoError(t, err)
	var ops []sdkOperation
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fn.Name.Name, "GenReqDefFor") {
			continue
		}
		op := sdkOperation{Name: strings.TrimPrefix(fn.Name.Name, "GenReqDefFor")}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch sel.Sel.Name {
			case "WithMethod":
				if m, ok := call.Args[0].(*ast.SelectorExpr); ok {
					op.Method = strings.ToUpper(strings.TrimPrefix(m.Sel.Name, "Method"))
				}
			case "WithPath":
				if lit, ok := call.Args[0].(*ast.BasicLit); ok {
					op.Path, _ = strconv.Unquote(lit.Value)
				}
			}
			return true
		})
		require.NotEmpty(t, op.Method, op.Name)
		require.NotEmpty(t, op.Path, op.Name)
		ops = append(ops, op)
	}
	return ops
}

// servedOperations are the SDK operations dmsd serves, each on a route whose
// pattern is the SDK's own method and path. Every other operation must be
// refused as an unknown route or a wrong method.
var servedOperations = []string{
	"CreateInstanceByEngine", "CreatePostPaidKafkaInstance", "ListInstances", "ShowInstance", "DeleteInstance",
	"UpdateInstance", "BatchRestartOrDeleteInstances", "UpdateInstanceAutoCreateTopic",
	"ResizeEngineInstance", "ResizeKafkaInstance", "UpdateKafkaPortProtocol", "ModifyKafkaPublicIpAccessSwitch",
	"ListAvailableZones", "ListEngineProducts", "ShowKafkaCluster", "ShowKafkaTags",
	"ListBackgroundTasks", "ShowBackgroundTask", "DeleteBackgroundTask", "ShowBackgroundTaskProgress",
	"CreateInstanceTopic", "ListInstanceTopics", "UpdateInstanceTopic", "BatchDeleteInstanceTopic",
	"ShowInstanceConfigs", "ModifyInstanceConfigs",
	"CreateInstanceUser", "ShowInstanceUsers", "BatchDeleteInstanceUsers", "ResetUserPasswrod", "UpdateInstanceUser",
	"UpdateTopicAccessPolicy", "ShowTopicAccessPolicy", "ResetMessageOffset", "ResetMessageOffsetWithEngine",
	"CreateKafkaReassignmentTask", "ListScheduledTasks", "UpdateScheduledTask", "DeleteScheduledTask",
	"ShowInstanceTopicDetail", "ShowKafkaTopicDetail", "ListTopicPartitions", "ListTopicProducers",
	"ShowKafkaTopicPartitionDiskusage", "CreatePartition", "ShowCluster", "ShowCoordinators",
	// Consumer groups.
	"ListInstanceConsumerGroups", "ShowGroup", "ListInstanceConsumerGroup", "ShowGroups",
	"ListInstanceConsumerGroupMembers", "ListInstanceConsumerGroupMessageOffset", "ListInstanceConsumerGroupTopics",
	"CreateKafkaConsumerGroup", "UpdateInstanceConsumerGroup", "UpdateInstanceGroup", "DeleteGroup",
	"DeleteInstanceConsumerGroup", "BatchDeleteGroup", "DeleteConsumerGroupOffsets",
	// Instance lifecycle.
	"ShowRecycleInstances", "ModifyRecyclePolicy", "RestoreRecycleInstance", "ResetPassword",
	"UpgradeInstance", "ShowUpgradeInstanceVersion", "UpdateInstanceCrossVpcIp", "EnableDns",
	"CloseKafkaManager", "ResetManagerPassword", "RestartManager",
	// Messages.
	"ShowInstanceMessages", "ShowMessages", "ShowPartitionMessage", "ShowPartitionBeginningMessage",
	"ShowPartitionEndMessage", "SendKafkaMessage", "DeleteKafkaTopicMessages",
	"ShowDiagnosisPreCheck", "CreateMessageDiagnosisTask", "ListMessageDiagnosisReports", "ShowMessageDiagnosisReport",
	"BatchDeleteMessageDiagnosisReports", "CreateKafkaRebalanceLogTask", "ShowKafkaRebalanceLog", "StopKafkaRebalanceLogTask",
	"CreateKafkaTopicQuota", "ShowKafkaTopicQuota", "ModifyKafkaTopicQuota", "DeleteKafkaTopicQuota",
	"CreateKafkaUserClientQuotaTask", "ShowKafkaUserClientQuota", "UpdateKafkaUserClientQuotaTask", "DeleteKafkaUserClientQuotaTask",
	"BatchCreateOrDeleteKafkaTag", "ShowKafkaProjectTags", "ShowQuotas",
	"ShowKafkaProductCores", "ShowMaintainWindows", "ShowKafkaScalePreCheckInfo",
	// Smart Connect: the Kafka replicator's tasks, ModifyConnectorTask included;
	// ListObsBuckets (dumps to OBS) is refused with DMS.00400992.
	"CreateConnector", "ShowConnectorResourceInfo", "DeleteConnector", "CreateConnectorTask", "ListConnectorTasks",
	"ShowConnectorTask", "ModifyConnectorTask", "PauseConnectorTask", "ResumeConnectorTask", "RestartConnectorTask",
	"RestartSmartConnectorTask", "DeleteConnectorTask", "ValidateConnectorConnectivity", "ListObsBuckets",
	// Features, extension catalog, monitoring dimensions; log tasks (REBALANCE is the rebalance log, topic_log the embedded brokers' lines).
	"ListConfigFeatures", "ShowKafkaInstanceExtendProductInfo", "ShowCesHierarchy",
	"StartKafkaLogTask", "ShowKafkaLogTask", "StopKafkaLogTask",
	"ShowVolumeExpandConfig", "UpdateVolumeExpansionConfig",
}

// pathParamValues are distinct valid values for every path parameter the
// SDK uses, so that a value read from the wrong wildcard shows.
var pathParamValues = map[string]string{
	"project_id":   testProjectID,
	"engine":       "kafka",
	"instance_id":  "6c5a7b2e-1f3d-4e8a-9b0c-2d4e6f8a0b1c",
	"task_id":      "fedcba9876543210fedcba9876543210",
	"group":        "group-one",
	"user_name":    "user-one",
	"topic":        "topic-one",
	"topic_name":   "topic-two",
	"partition":    "7",
	"log_type":     "log-one",
	"report_id":    "report-one",
	"connector_id": "connector-one",
}

var wildcardPattern = regexp.MustCompile(`\{([a-z_]+)\}`)

// landing is where the probe saw a request land.
type landing struct {
	Pattern string
	Values  map[string]string
}

// probeServer returns a Server whose every API route answers 200 with the
// landing as JSON, in place of authentication and handler.
func probeServer(t *testing.T) *Server {
	t.Helper()
	probe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := landing{Pattern: r.Pattern, Values: map[string]string{}}
		for _, m := range wildcardPattern.FindAllStringSubmatch(r.Pattern, -1) {
			l.Values[m[1]] = r.PathValue(m[1])
		}
		w.Header().Set("X-Probe", "1")
		encode(w, http.StatusOK, l)
	})
	return newServer(Config{Logger: slog.New(slog.DiscardHandler)}, probe)
}

// TestRoutes_EverySDKOperation sends every operation of the SDK's kafka/v2,
// its path parameters filled with distinct values, and checks that each
// served operation lands on its own route with the right path values, and
// that every other one is refused with a DMS 404 or 405 rather than landing
// on another operation's route. A route that captures another operation's
// requests (as POST /v2/{engine}/{project_id}/instances once captured
// POST /v2/{project_id}/kafka/instances) fails here; a conflicting pattern
// makes newServer panic.
func TestRoutes_EverySDKOperation(t *testing.T) {
	t.Parallel()
	ops := sdkOperations(t)
	require.GreaterOrEqual(t, len(ops), 123, "kafka_meta.go declares 123 operations in v0.1.207")

	// The parse agrees with the SDK's own request definitions.
	def := kafka.GenReqDefForCreatePostPaidKafkaInstance()
	i := slices.IndexFunc(ops, func(o sdkOperation) bool { return o.Name == "CreatePostPaidKafkaInstance" })
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, def.Method, ops[i].Method)
	require.Equal(t, def.Path, ops[i].Path)

	for _, name := range servedOperations {
		require.True(t, slices.ContainsFunc(ops, func(o sdkOperation) bool { return o.Name == name }), "%s is not an SDK operation", name)
	}

	s := probeServer(t)
	var unserved []string
	for _, op := range ops {
		path := wildcardPattern.ReplaceAllStringFunc(op.Path, func(w string) string {
			v, ok := pathParamValues[strings.Trim(w, "{}")]
			require.True(t, ok, "%s: no value for path parameter %s", op.Name, w)
			return v
		})
		r := httptest.NewRequest(op.Method, path, nil)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)

		// A refused operation (unserved.go) lands on its own route too.
		served := slices.Contains(servedOperations, op.Name) || notOffered[op.Name] != ""
		if !served {
			unserved = append(unserved, op.Name)
		}
		if w.Header().Get("X-Probe") == "" {
			require.False(t, served, "%s %s (%s) is not served: %d %s", op.Method, path, op.Name, w.Code, w.Body)
			var e struct {
				ErrorCode string `json:"error_code"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), "%s: %s", op.Name, w.Body)
			switch w.Code {
			case http.StatusNotFound:
				require.Equal(t, dmsd.ENOTFOUNDURL, e.ErrorCode, op.Name)
			case http.StatusMethodNotAllowed:
				require.Equal(t, dmsd.EMETHOD, e.ErrorCode, op.Name)
			default:
				t.Fatalf("%s %s (%s, not served) answered %d %s", op.Method, path, op.Name, w.Code, w.Body)
			}
			continue
		}
		var got landing
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
		want := op.Method + " " + op.Path
		if !served {
			require.NotEqual(t, want, got.Pattern, "%s is now served: add it to servedOperations", op.Name)
			t.Fatalf("%s %s (%s, not served) is misrouted to %q", op.Method, path, op.Name, got.Pattern)
		}
		require.Equal(t, want, got.Pattern, "%s %s (%s) lands on another route", op.Method, path, op.Name)
		for _, m := range wildcardPattern.FindAllStringSubmatch(op.Path, -1) {
			require.Equal(t, pathParamValues[m[1]], got.Values[m[1]], "%s: path value %s", op.Name, m[1])
		}
	}
	t.Logf("%d SDK operations, %d on a route of their own (served or refused as not offered), %d unknown routes: %s",
		len(ops), len(ops)-len(unserved), len(unserved), strings.Join(unserved, ", "))
}

// TestRoutes_EngineAndProjectFamilies checks, with signed requests, how the
// two route families are told apart: an engine other than kafka is refused
// as an unsupported engine, a malformed project id still as a malformed
// project id, and the routes without a project answer any valid key.
func TestRoutes_EngineAndProjectFamilies(t *testing.T) {
	t.Parallel()
	s := NewServer(Config{
		Logger:      slog.New(slog.DiscardHandler),
		Credentials: []dmsd.Credential{testCredential},
		Now:         func() time.Time { return testSignTime },
	})
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v2/rabbitmq/products", http.StatusBadRequest, dmsd.EUNSUPPORTEDENGINE},
		{"/v2/not-a-project/instances", http.StatusBadRequest, dmsd.EINVALIDPROJECTID},
		{"/v2/kafka/products", http.StatusOK, ""},
		{"/v2/available-zones", http.StatusOK, ""},
		{"/v2/" + testProjectID + "/products", http.StatusNotFound, dmsd.ENOTFOUNDURL},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r, _ := signedBySDK(t, sdkRequest{Method: http.MethodGet, Path: tc.path}, testAccessKey, testSecretKey, testSignTime)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.code != "" {
				require.Contains(t, w.Body.String(), tc.code)
			}
		})
	}
}

// TestRoutes_FamiliesHoldOverlappingSDKPaths registers SDK paths that one
// ServeMux cannot hold together (the same requests match both, neither is
// more specific) and checks that the route families hold them and send each
// request to its own.
func TestRoutes_FamiliesHoldOverlappingSDKPaths(t *testing.T) {
	t.Parallel()
	engineGroup := "GET /v2/{engine}/{project_id}/instances/{instance_id}/groups/{group}" // ListInstanceConsumerGroup
	kafkaGroup := "GET /v2/kafka/{project_id}/instances/{instance_id}/groups/{group}"
	progress := "GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress" // ShowBackgroundTaskProgress
	for _, other := range []string{engineGroup, kafkaGroup} {
		require.Panics(t, func() {
			mux := http.NewServeMux()
			mux.Handle(progress, http.NotFoundHandler())
			mux.Handle(other, http.NotFoundHandler())
		}, "one ServeMux holds %s and %s", progress, other)
	}

	s := probeServer(t) // routes registers engineGroup (ListInstanceConsumerGroup)
	for path, want := range map[string]string{
		"/v2/kafka/" + testProjectID + "/instances/" + pathParamValues["instance_id"] + "/groups/group-one":               engineGroup,
		"/v2/" + testProjectID + "/instances/" + pathParamValues["instance_id"] + "/tasks/" + testProjectID + "/progress": progress,
	} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		var got landing
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got), w.Body.String())
		require.Equal(t, want, got.Pattern, path)
	}
}
