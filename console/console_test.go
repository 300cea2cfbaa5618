package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd/console"
)

func get(t *testing.T, h http.Handler, method, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	resp := w.Result()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestHandlerServesAssets(t *testing.T) {
	t.Parallel()
	h := console.Handler()
	for _, tc := range []struct {
		path, contentType, cacheControl, contains string
	}{
		{"/console/", "text/html; charset=utf-8", "no-store", `<script src="app.js" defer></script>`},
		{"/console/app.js", "text/javascript; charset=utf-8", "no-cache", "SDK-HMAC-SHA256"},
		{"/console/app.css", "text/css; charset=utf-8", "no-cache", ".status-ok"},
		{"/", "text/html; charset=utf-8", "no-store", `<form id="signin-form"`}, // behind http.StripPrefix
		{"/app.js", "text/javascript; charset=utf-8", "no-cache", "crypto.subtle"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, h, http.MethodGet, tc.path, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, tc.contentType, resp.Header.Get("Content-Type"))
			require.Equal(t, tc.cacheControl, resp.Header.Get("Cache-Control"))
			require.Equal(t, console.ContentSecurityPolicy, resp.Header.Get("Content-Security-Policy"))
			require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			require.Contains(t, body, tc.contains)
		})
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	require.Equal(t, "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'", console.ContentSecurityPolicy)

	// The policy forbids inline script and style, so the page must have none:
	// no <script> with a body, no on* handler, no style attribute or element.
	_, page := get(t, console.Handler(), http.MethodGet, "/console/", nil)
	require.NotRegexp(t, regexp.MustCompile(`<script[^>]*>[^<]`), page)
	require.NotRegexp(t, regexp.MustCompile(`(?i)\son[a-z]+\s*=`), page)
	require.NotRegexp(t, regexp.MustCompile(`(?i)\sstyle\s*=|<style`), page)
	// Nothing is fetched from another origin.
	require.NotRegexp(t, regexp.MustCompile(`(?i)(src|href)="(https?:)?//`), page)
	_, script := get(t, console.Handler(), http.MethodGet, "/console/app.js", nil)
	require.NotContains(t, script, "localStorage")
	require.NotContains(t, script, "sessionStorage")
	require.NotContains(t, script, "document.cookie")
	require.NotContains(t, script, "innerHTML")
}

func TestHandlerRevalidatesAssets(t *testing.T) {
	t.Parallel()
	h := console.Handler()
	resp, _ := get(t, h, http.MethodGet, "/console/app.js", nil)
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	resp, body := get(t, h, http.MethodGet, "/console/app.js", http.Header{"If-None-Match": {etag}})
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Empty(t, body)

	resp, body = get(t, h, http.MethodHead, "/console/", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, body)
	require.Empty(t, resp.Header.Get("ETag"), "the page is not cached at all")
}

func TestHandlerRefusesOtherPaths(t *testing.T) {
	t.Parallel()
	h := console.Handler()
	for _, path := range []string{"/console/index.html", "/console/static/app.js", "/console/../go.mod", "/console/nope", "/consolex/app.js"} {
		resp, body := get(t, h, http.MethodGet, path, nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		require.Equal(t, console.ContentSecurityPolicy, resp.Header.Get("Content-Security-Policy"), path)
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		require.False(t, strings.Contains(body, "<html"), path)
	}
	resp, _ := get(t, h, http.MethodPost, "/console/", nil)
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
