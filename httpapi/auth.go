package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/dmsd/dmsd"
)

// authenticate verifies the request's signature and that its access key
// belongs to the project in the path, then serves next as that project's
// user. The body is read here, as the signature covers it, and handed on.
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
		r.Body = io.NopCloser(bytes.NewReader(body))
		ctx := context.WithValue(r.Context(), actorKey, dmsd.Actor{ProjectID: cred.ProjectID, UserID: cred.UserID, UserName: cred.UserName})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) lookupCredential(accessKey string) (dmsd.Credential, bool) {
	c, ok := s.credentials[accessKey]
	return c, ok
}
