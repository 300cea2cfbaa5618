package httpapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// awaitingOperations are the SDK operations another change serves or
// refuses (Smart Connect); TestOpenAPI_EverySDKOperationAnswered accepts
// them as unknown routes until then. Empty this list when they land.
var awaitingOperations = []string{}

// fetchOpenAPI answers GET /openapi.json from s without any signature and
// returns the document, checking its status and media type.
func fetchOpenAPI(t *testing.T, s *Server) map[string]any {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, openAPIPath, nil))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "application/json", w.Header().Get("Content-Type"))
	require.NotContains(t, w.Body.String(), testSecretKey)
	require.NotContains(t, w.Body.String(), testAccessKey)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc), "the document is JSON")
	return doc
}

// sdkBodies returns, for each SDK operation, the model of its request body,
// read from the SDK's model/*_request.go.
func sdkBodies(t *testing.T) (bodies map[string]string, models map[string]bool) {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model").Output()
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "*.go"))
	require.NoError(t, err)
	bodyRe := regexp.MustCompile(`type (\w+)Request struct \{[^}]*?\n\tBody \*(\w+) `)
	typeRe := regexp.MustCompile(`(?m)^type (\w+) struct`)
	bodies, models = map[string]string{}, map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range bodyRe.FindAllStringSubmatch(string(b), -1) {
			bodies[m[1]] = m[2]
		}
		for _, m := range typeRe.FindAllStringSubmatch(string(b), -1) {
			models[m[1]] = true
		}
	}
	return bodies, models
}

// TestOpenAPI_MatchesRoutes checks that /openapi.json, served without a
// signature, is an OpenAPI 3.1.0 document of exactly the routes routes.go
// registers (both families): each with its method, path parameters and
// query parameters, described in apiOperations with the SDK operation of the
// same method and path and its request body model; and that every operation
// of the document lands on its own route.
func TestOpenAPI_MatchesRoutes(t *testing.T) {
	t.Parallel()
	probe := probeServer(t)
	require.NotEmpty(t, probe.apiRoutes)
	sdkByPattern := map[string]string{}
	sdkNames := map[string]bool{}
	for _, op := range sdkOperations(t) {
		sdkByPattern[op.Method+" "+op.Path] = op.Name
		sdkNames[op.Name] = true
	}
	bodies, models := sdkBodies(t)

	registered := map[string]apiRoute{}
	for _, rt := range probe.apiRoutes {
		registered[rt.Pattern] = rt
		op, ok := apiOperations[rt.Pattern]
		if !ok {
			hint := fmt.Sprintf(`%q: {ID: "<operation>"},`, rt.Pattern)
			if name := sdkByPattern[rt.Pattern]; name != "" {
				hint = fmt.Sprintf(`%q: {ID: %q}`, rt.Pattern, name)
				if b := bodies[name]; b != "" {
					hint = fmt.Sprintf(`%q: {ID: %q, Body: %q}`, rt.Pattern, name, b)
				}
				hint += ","
			}
			t.Errorf("route %s (routes.go) is missing from the OpenAPI document: add to apiOperations in httpapi/openapi.go\n\t%s", rt.Pattern, hint)
			continue
		}
		if name := sdkByPattern[rt.Pattern]; name != "" {
			require.Equal(t, name, op.ID, "%s is the SDK's %s: apiOperations' ID must say so", rt.Pattern, name)
		}
		if name := sdkByPattern[rt.Pattern]; name != "" && !op.NotOffered {
			require.Equal(t, bodies[name], op.Body, "%s (%s): Body must be the SDK's request body model", rt.Pattern, name)
		} else if name == "" {
			require.False(t, sdkNames[op.ID], "%s is not the SDK's path of %s: give it dmsd's own ID", rt.Pattern, op.ID)
			if op.Body != "" {
				require.True(t, models[op.Body], "%s: Body %s is no SDK model", rt.Pattern, op.Body)
			}
		}
		if !op.NotOffered && op.Media == "" {
			resp := cmp.Or(op.Response, op.ID+"Response")
			require.True(t, models[resp], "%s: Response %s is no SDK model", rt.Pattern, resp)
		}
		if op.NotOffered {
			require.NotEmpty(t, notOffered[op.ID], "%s: notOffered (unserved.go) must say why %s is not offered", rt.Pattern, op.ID)
		}
	}
	for pattern := range apiOperations {
		_, ok := registered[pattern]
		require.True(t, ok, "apiOperations (httpapi/openapi.go) describes %s, which routes.go does not register: remove or fix it", pattern)
	}

	doc := fetchOpenAPI(t, NewServer(Config{Credentials: []dmsd.Credential{testCredential}}))
	require.Equal(t, "3.1.0", doc["openapi"])
	paths := doc["paths"].(map[string]any)
	for _, rt := range probe.apiRoutes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		item, ok := paths[path].(map[string]any)
		require.True(t, ok, "the document has path %s", path)
		o, ok := item[strings.ToLower(method)].(map[string]any)
		require.True(t, ok, "the document has %s", rt.Pattern)
		var inPath, inQuery []string
		params, _ := o["parameters"].([]any)
		for _, p := range params {
			p := p.(map[string]any)
			switch p["in"] {
			case "path":
				inPath = append(inPath, p["name"].(string))
			case "query":
				inQuery = append(inQuery, p["name"].(string))
			}
		}
		var want []string
		for _, m := range wildcardPattern.FindAllStringSubmatch(path, -1) {
			want = append(want, m[1])
		}
		require.Equal(t, want, inPath, "%s: path parameters", rt.Pattern)
		require.Equal(t, rt.Query, inQuery, "%s: query parameters", rt.Pattern)
	}

	// Every operation of the document is served: an API one lands on its
	// own route, the others answer 200 unsigned.
	plain := NewServer(Config{})
	operations := 0
	for path, item := range paths {
		for method := range item.(map[string]any) {
			operations++
			pattern := strings.ToUpper(method) + " " + path
			url := wildcardPattern.ReplaceAllStringFunc(path, func(w string) string {
				v, ok := pathParamValues[strings.Trim(w, "{}")]
				require.True(t, ok, "%s: add a value for %s to pathParamValues", pattern, w)
				return v
			})
			if _, ok := registered[pattern]; !ok {
				w := httptest.NewRecorder()
				plain.ServeHTTP(w, httptest.NewRequest(strings.ToUpper(method), url, nil))
				require.Equal(t, http.StatusOK, w.Code, "%s is served: %s", pattern, w.Body)
				continue
			}
			w := httptest.NewRecorder()
			probe.ServeHTTP(w, httptest.NewRequest(strings.ToUpper(method), url, nil))
			require.NotEmpty(t, w.Header().Get("X-Probe"), "%s is served: %d %s", pattern, w.Code, w.Body)
			var got landing
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			require.Equal(t, pattern, got.Pattern, "%s lands on its own route", pattern)
		}
	}
	require.Equal(t, len(probe.apiRoutes)+4, operations, "the API routes and /livez, /healthz, /readyz, /openapi.json")
}

// TestOpenAPI_ErrorCodes checks that every error code the document lists
// is declared in error.go and answered with the status the document files
// it under, by the one status table.
func TestOpenAPI_ErrorCodes(t *testing.T) {
	t.Parallel()
	declared := map[string]bool{}
	for _, v := range errorCodes(t) {
		declared[v] = true
	}
	doc := fetchOpenAPI(t, NewServer(Config{}))
	listed := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			for status, resp := range o.(map[string]any)["responses"].(map[string]any) {
				content, _ := resp.(map[string]any)["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				schema, _ := media["schema"].(map[string]any)
				allOf, _ := schema["allOf"].([]any)
				if len(allOf) != 2 {
					continue
				}
				enum := allOf[1].(map[string]any)["properties"].(map[string]any)["error_code"].(map[string]any)["enum"].([]any)
				require.NotEmpty(t, enum)
				for _, c := range enum {
					code := c.(string)
					listed++
					require.True(t, declared[code], "%s %s lists %s, which error.go does not declare", method, path, code)
					st, ok := statusOf[code]
					require.True(t, ok, "%s is in the status table (encode.go)", code)
					require.Equal(t, status, strconv.Itoa(st), "%s %s files %s under its status", method, path, code)
				}
			}
		}
	}
	require.Positive(t, listed)
}

// TestOpenAPI_EverySDKOperationAnswered checks that every SDK operation
// dmsd does not serve is refused with ENOTOFFERED by a route of its own (the
// unknown-route 404 is left only to awaitingOperations), and prints how
// many of the SDK's operations dmsd serves.
func TestOpenAPI_EverySDKOperationAnswered(t *testing.T) {
	t.Parallel()
	ops := sdkOperations(t)
	s := fakeServer(newFakes())
	served, refused := 0, 0
	for _, op := range ops {
		switch {
		case slices.Contains(servedOperations, op.Name):
			require.Empty(t, notOffered[op.Name], "%s is served: remove it from notOffered (unserved.go)", op.Name)
			served++
			continue
		case slices.Contains(awaitingOperations, op.Name):
			continue
		}
		require.NotEmpty(t, notOffered[op.Name], "%s is neither served (servedOperations) nor refused (notOffered in unserved.go, a route in routes.go's last block)", op.Name)
		refused++
		path := wildcardPattern.ReplaceAllStringFunc(op.Path, func(w string) string {
			if w == "{instance_id}" {
				return fakeInstanceID
			}
			return pathParamValues[strings.Trim(w, "{}")]
		})
		var body any
		if op.Method != http.MethodGet {
			body = map[string]any{}
		}
		w := do(t, s, op.Method, path, nil, body)
		requireDMSError(t, w, dmsd.ENOTOFFERED)
		require.Contains(t, w.Body.String(), op.Name)
	}
	t.Logf("%d of %d SDK operations served; %d refused with %s; %d awaiting another change", served, len(ops), refused, dmsd.ENOTOFFERED, len(ops)-served-refused)
}

// notOfferedRouteCases are requests to the routes of unserved.go, each
// refused with ENOTOFFERED once the instance is found, whatever the body
// (they read none).
func notOfferedRouteCases() []routeCase {
	instance := projectPath + "/instances/" + fakeInstanceID
	refused := func(name, method, path string, calls ...string) routeCase {
		return routeCase{name: name + " is not offered", method: method, path: path,
			status: http.StatusBadRequest, calls: calls, check: refusedWith(dmsd.ENOTOFFERED)}
	}
	_, _ = instance, refused
	return nil
}
