// Package console serves dmsd's web console: one HTML page, one script and
// one style sheet, embedded in the binary. The page signs every API call in
// the browser with SDK-HMAC-SHA256, as the official SDK signs it, so it needs
// nothing from the server beyond the API itself; the secret key never leaves
// the page's memory.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

//go:embed static/index.html static/app.js static/app.css
var static embed.FS

// ContentSecurityPolicy is the policy of every console response: only the
// console's own files, no inline script or style, API calls to the same
// origin only, and never inside a frame.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"

// asset is one embedded file as it is served.
type asset struct {
	body         []byte
	contentType  string
	cacheControl string
	etag         string
}

// Handler returns the handler of the console under /console/: the page at
// /console/ and its files at /console/app.js and /console/app.css. It also
// answers the same paths without the /console prefix, for use behind
// http.StripPrefix. Anything else is 404. The page is never cached; the
// script and style sheet are revalidated by ETag.
func Handler() http.Handler {
	load := func(name, contentType, cacheControl string) asset {
		body, err := static.ReadFile("static/" + name)
		if err != nil {
			panic("console: " + err.Error()) // embedded at build time; cannot happen
		}
		sum := sha256.Sum256(body)
		return asset{body: body, contentType: contentType, cacheControl: cacheControl, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
	}
	assets := map[string]asset{
		"/":        load("index.html", "text/html; charset=utf-8", "no-store"),
		"/app.js":  load("app.js", "text/javascript; charset=utf-8", "no-cache"),
		"/app.css": load("app.css", "text/css; charset=utf-8", "no-cache"),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")

		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := r.URL.Path
		if rest, ok := strings.CutPrefix(name, "/console"); ok && strings.HasPrefix(rest, "/") {
			name = rest
		}
		a, ok := assets[name]
		if !ok {
			h.Set("Cache-Control", "no-store")
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", a.cacheControl)
		if a.cacheControl != "no-store" {
			h.Set("ETag", a.etag)
		}
		// ServeContent answers HEAD, ranges and If-None-Match; the zero
		// modification time leaves Last-Modified out.
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
	})
}
