package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// registeredPatterns returns the patterns of the authenticated routes, as
// routes.go registers them with v2(...).
func registeredPatterns(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	require.NoError(t, err)
	var out []string
	for _, m := range regexp.MustCompile(`v2\("([A-Z]+ /[^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1])
	}
	require.NotEmpty(t, out)
	return out
}

// TestHandlers_EveryRouteHasACase checks that the handler tests' valid
// requests (routeCases) land on every route routes.go registers, so that a
// new route without a handler test fails here.
func TestHandlers_EveryRouteHasACase(t *testing.T) {
	t.Parallel()
	s := probeServer(t)
	landed := map[string]bool{}
	for _, tc := range routeCases() {
		q := url.Values{}
		for k, v := range tc.query {
			q.Set(k, v.(string))
		}
		target := tc.path
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(tc.method, target, nil))
		require.Equal(t, "1", w.Header().Get("X-Probe"), "%s lands on a route", tc.name)
		landed[jsonKeys(t, w)["Pattern"].(string)] = true
	}
	for _, p := range registeredPatterns(t) {
		require.True(t, landed[p], "no handler test sends %s", p)
	}
}

// errorCodes returns the name and value of every error code constant that
// error.go of the root package declares.
func errorCodes(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../error.go", nil, 0)
	require.NoError(t, err)
	codes := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				v, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				codes[name.Name] = v
			}
		}
	}
	require.NotEmpty(t, codes)
	return codes
}

// TestErrorTable_EveryCode checks the one table of statuses against the
// codes error.go declares: every code has a status, every status is a 4xx
// but those of EINTERNAL and EUNAVAILABLE, the table holds no code that
// error.go lacks, and no two constants share a code.
func TestErrorTable_EveryCode(t *testing.T) {
	t.Parallel()
	codes := errorCodes(t)
	seen := map[string]string{}
	for name, code := range codes {
		require.Empty(t, seen[code], "%s and %s share %s", name, seen[code], code)
		seen[code] = name
		status, ok := statusOf[code]
		require.True(t, ok, "%s (%s) has no status in statusOf", name, code)
		switch code {
		case dmsd.EINTERNAL:
			require.Equal(t, http.StatusInternalServerError, status)
		case dmsd.EUNAVAILABLE:
			require.Equal(t, http.StatusServiceUnavailable, status)
		default:
			require.True(t, status >= 400 && status < 500, "%s answers %d", name, status)
		}
	}
	for code := range statusOf {
		require.NotEmpty(t, seen[code], "statusOf holds %s, which error.go does not declare", code)
	}
}

// TestHandlers_UnknownCodeIsInternal answers an *Error whose code the table
// lacks as an internal error, without its message: a missing entry is a
// bug, never a leak.
func TestHandlers_UnknownCodeIsInternal(t *testing.T) {
	t.Parallel()
	f := newFakes()
	f.fail["DeleteInstance"] = dmsd.Errorf("DMS.99999999", "the code table forgot me")
	w := do(t, fakeServer(f), http.MethodDelete, instancePath, nil, nil)
	requireDMSError(t, w, dmsd.EINTERNAL)
	require.NotContains(t, w.Body.String(), "forgot")
}
