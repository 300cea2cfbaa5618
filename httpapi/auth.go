package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
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
// user. An unauthenticated request costs little: whatever its headers alone
// refuse (no or a malformed signature, an unknown access key or one of
// another project, a date outside the skew, a declared body over the limit,
// a forged signature over a declared body hash) is refused before a byte of
// its body is read, and a source that keeps failing is refused before
// anything is checked. Only then is the body read, hashed as it arrives,
// checked against the signature and handed on.
//
// A route without a project in its pattern (GET /v2/available-zones) needs
// only a valid signature.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		source := sourceOf(r)
		if s.failures.exhausted(source, s.now()) {
			w.Header().Set("Retry-After", s.failures.retryAfter())
			refuse(w, r, dmsd.Errorf(dmsd.ETOOMANYREQUESTS, "Too many requests from this address failed authentication. Please try again later."))
			return
		}
		var stack [1024]byte
		sr, cr, err := parseSignedRequest(r, s.lookupCredential, s.now(), stack[:0])
		if err == nil {
			err = sr.verifyHeaders(cr)
		}
		if err != nil {
			s.failures.record(source, s.now())
			refuse(w, r, err)
			return
		}
		cred := sr.cred
		projectID := r.PathValue("project_id")
		switch {
		case !strings.Contains(r.Pattern, "{project_id}"):
		case !dmsd.ValidProjectID(projectID):
			refuse(w, r, dmsd.Errorf(dmsd.EINVALIDPROJECTID, "The project ID format is invalid."))
			return
		case r.Header.Get("X-Project-Id") != "" && r.Header.Get("X-Project-Id") != projectID:
			refuse(w, r, dmsd.Errorf(dmsd.EPROJECTMISMATCH, "The project ID and token do not match."))
			return
		case cred.ProjectID != projectID:
			// Not a 403: whether another project exists is not the caller's
			// business.
			refuse(w, r, dmsd.Errorf(dmsd.EPROJECTNOTFOUND, "The project does not exist."))
			return
		}
		body, sum, err := s.readBody(w, r)
		if err != nil {
			refuse(w, r, err)
			return
		}
		if err := sr.verifyBody(cr, sum, int64(len(body))); err != nil {
			s.failures.record(source, s.now())
			writeError(w, r, err)
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
		if len(body) == 0 {
			r.Body = http.NoBody
		} else {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		actor := dmsd.Actor{ProjectID: cred.ProjectID, UserID: cred.UserID, UserName: cred.UserName}
		if info, ok := r.Context().Value(requestKey).(*requestInfo); ok {
			// The request's own record, which withRequestID made for it
			// alone: no copy of the request for a new context.
			info.actor = actor
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey, actor)))
	})
}

// refuse answers err to a request whose body authenticate has not read, and
// closes the connection after the answer if it has one: the server would
// otherwise read and discard what remains of it, at the sender's pace.
func refuse(w http.ResponseWriter, r *http.Request, err error) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	writeError(w, r, err)
}

// emptySum is the SHA-256 of an empty body.
var emptySum = sha256.Sum256(nil)

// readBody reads r's body, at most maxBodyBytes, hashing it as it arrives,
// and returns it with its SHA-256. It waits, at most bodyBudgetWait, until
// the bodies being read before their signature is checked leave room for
// this one (its Content-Length, or maxBodyBytes when it has none). It
// returns EBODYTOOLARGE for a body over maxBodyBytes (declared or sent),
// ETOOMANYREQUESTS when no room was made in time, and EINVALIDJSON when the
// body could not be read, as when the sender is too slow.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, [sha256.Size]byte, error) {
	switch {
	case r.ContentLength == 0:
		return nil, emptySum, nil
	case r.ContentLength > maxBodyBytes:
		return nil, emptySum, dmsd.Errorf(dmsd.EBODYTOOLARGE, "The request body is larger than %d bytes.", maxBodyBytes)
	}
	reserve := r.ContentLength
	if reserve < 0 {
		reserve = maxBodyBytes
	}
	ctx, cancel := context.WithTimeout(r.Context(), bodyBudgetWait)
	ok := s.pendingBodies.acquire(ctx, reserve)
	cancel()
	if !ok {
		w.Header().Set("Retry-After", "1")
		return nil, emptySum, dmsd.Errorf(dmsd.ETOOMANYREQUESTS, "The server is receiving too many request bodies at once. Please try again later.")
	}
	defer s.pendingBodies.release(reserve)

	h := sha256.New()
	in := io.TeeReader(http.MaxBytesReader(w, r.Body, maxBodyBytes), h)
	var body []byte
	var err error
	if r.ContentLength > 0 {
		// The server's body reader stops at the declared length and fails a
		// shorter body.
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(in, body)
	} else {
		body, err = io.ReadAll(in)
	}
	if err != nil {
		if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
			return nil, emptySum, dmsd.Errorf(dmsd.EBODYTOOLARGE, "The request body is larger than %d bytes.", maxBodyBytes)
		}
		return nil, emptySum, dmsd.Errorf(dmsd.EINVALIDJSON, "The request body could not be read.")
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return body, sum, nil
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
		if r.URL.RawQuery == "" {
			next.ServeHTTP(w, r)
			return
		}
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
