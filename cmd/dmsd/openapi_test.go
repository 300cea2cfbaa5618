package main

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenAPI_ServedUnsignedAndRefusals fetches /openapi.json from a running
// dmsd without a signature (an OpenAPI 3.1.0 JSON document naming the SDK's
// operations, holding no secret key), and calls, through the official SDK,
// every operation dmsd does not offer: each is refused with ENOTOFFERED
// naming the operation, not as an unknown route.
func TestOpenAPI_ServedUnsignedAndRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	resp, err := http.Get(s.url + "/openapi.json")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	require.Equal(t, "CreateInstanceTopic", doc.Paths["/v2/{project_id}/instances/{instance_id}/topics"]["post"]["operationId"])
	for _, c := range s.creds {
		require.NotContains(t, string(body), c.SecretKey)
	}
}
