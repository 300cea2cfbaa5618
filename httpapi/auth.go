package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/dmsd/dmsd"
)

// authenticate verifies the request's signature and that its access key
// belongs to the project in the path, then serves next as that project's
// user. The body is read here, as the signature covers it, and handed on.
// A route without a project in its pattern (GET /v2/available-zones) needs
// only a valid signature.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeError(w, r, dmsd.Errorf(dmsd.EBODYTOOLARGE, "The request body is larger than %d bytes.", maxBodyBytes))
				return
			}
			writeError(w, r, dmsd.Errorf(dmsd.EINVALIDJSON, "The request body could not be read."))
			return
		}
		cred, err := verifySignature(r, body, s.lookupCredential, s.now())
		if err != nil {
			writeError(w, r, err)
			return
		}
		projectID := r.PathValue("project_id")
		switch {
		case !strings.Contains(r.Pattern, "{project_id}"):
		case !dmsd.ValidProjectID(projectID):
			writeError(w, r, dmsd.Errorf(dmsd.EINVALIDPROJECTID, "The project ID format is invalid."))
			return
		case r.Header.Get("X-Project-Id") != "" && r.Header.Get("X-Project-Id") != projectID:
			writeError(w, r, dmsd.Errorf(dmsd.EPROJECTMISMATCH, "The project ID and token do not match."))
			return
		case cred.ProjectID != projectID:
			// Not a 403: whether another project exists is not the caller's
			// business.
			writeError(w, r, dmsd.Errorf(dmsd.EPROJECTNOTFOUND, "The project does not exist."))
			return
		}
		if !s.limiterOf(cred.AccessKey).Allow() {
			w.Header().Set("Retry-After", "1")
			writeError(w, r, dmsd.Errorf(dmsd.ETOOMANYREQUESTS, "The request is too frequent. Flow control is being performed. Please try again later."))
			return
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodDelete {
			// The signature is checked, so the Authorization header parses.
			_, _, signature, _ := parseAuthorization(r.Header.Get("Authorization"))
			ctx, err := s.spendSignature(r.Context(), signature)
			if err != nil {
				writeError(w, r, err)
				return
			}
			r = r.WithContext(ctx)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ctx := context.WithValue(r.Context(), actorKey, dmsd.Actor{ProjectID: cred.ProjectID, UserID: cred.UserID, UserName: cred.UserName})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limiterOf returns the request rate limiter of an access key.
func (s *Server) limiterOf(accessKey string) *rate.Limiter {
	s.limitersMu.Lock()
	defer s.limitersMu.Unlock()
	l, ok := s.limiters[accessKey]
	if !ok {
		l = rate.NewLimiter(s.rateLimit, s.rateBurst)
		s.limiters[accessKey] = l
	}
	return l
}

// checkQuery refuses query parameters the route does not take, repeated
// ones and values that are not UTF-8, before next sees the request.
func checkQuery(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			writeError(w, r, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the query string is malformed."))
			return
		}
		for name, values := range q {
			switch {
			case !slices.Contains(allowed, name):
				writeError(w, r, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: unknown query parameter %q.", truncate(name)))
				return
			case len(values) > 1:
				writeError(w, r, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: %s is given more than once.", name))
				return
			case !utf8.ValidString(values[0]):
				writeError(w, r, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: %s is not valid UTF-8.", name))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// truncate shortens a caller's string for an error message, and makes it
// valid UTF-8.
func truncate(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func (s *Server) lookupCredential(accessKey string) (dmsd.Credential, bool) {
	c, ok := s.credentials[accessKey]
	return c, ok
}
