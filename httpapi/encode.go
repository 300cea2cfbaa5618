package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/dmsd/dmsd"
)

// statusOf maps each DMS error code to its HTTP status. A code missing here is
// a bug, reported as 500.
var statusOf = map[string]int{
	dmsd.EINVALID:           http.StatusBadRequest,
	dmsd.EINVALIDPROJECTID:  http.StatusBadRequest,
	dmsd.EEMPTYBODY:         http.StatusBadRequest,
	dmsd.EINVALIDJSON:       http.StatusBadRequest,
	dmsd.EINVALIDNAME:       http.StatusBadRequest,
	dmsd.EINVALIDDESC:       http.StatusBadRequest,
	dmsd.EEMPTYVPC:          http.StatusBadRequest,
	dmsd.EEMPTYSECGROUP:     http.StatusBadRequest,
	dmsd.EEMPTYSUBNET:       http.StatusBadRequest,
	dmsd.ETASKRUNNING:       http.StatusBadRequest,
	dmsd.EINSTANCESTATUS:    http.StatusBadRequest,
	dmsd.EINVALIDINSTANCEID: http.StatusBadRequest,
	dmsd.EINVALIDACTION:     http.StatusBadRequest,
	dmsd.EEMPTYINSTANCES:    http.StatusBadRequest,
	dmsd.EINVALIDAZ:         http.StatusBadRequest,
	dmsd.EINVALIDPRODUCT:    http.StatusBadRequest,
	dmsd.EAZNOTFOUND:        http.StatusBadRequest,
	dmsd.ESPECCODE:          http.StatusBadRequest,
	dmsd.EINVALIDTASKID:     http.StatusBadRequest,
	dmsd.ETOOMANYINSTANCES:  http.StatusBadRequest,
	dmsd.EINVALIDWINDOW:     http.StatusBadRequest,
	dmsd.EINVALIDTIME:       http.StatusBadRequest,
	dmsd.EINVALIDDISK:       http.StatusBadRequest,
	dmsd.EUNSUPPORTEDENGINE: http.StatusBadRequest,
	dmsd.ELIMIT:             http.StatusBadRequest,
	dmsd.EOFFSET:            http.StatusBadRequest,
	dmsd.ETOKENINVALID:      http.StatusUnauthorized,
	dmsd.ETOKENEXPIRED:      http.StatusUnauthorized,
	dmsd.ETOKENMISSING:      http.StatusUnauthorized,
	dmsd.EPROJECTMISMATCH:   http.StatusUnauthorized,
	dmsd.ENOTFOUNDURL:       http.StatusNotFound,
	dmsd.EPROJECTNOTFOUND:   http.StatusNotFound,
	dmsd.EINSTANCENOTFOUND:  http.StatusNotFound,
	dmsd.ETASKNOTFOUND:      http.StatusNotFound,
	dmsd.EMETHOD:            http.StatusMethodNotAllowed,
	dmsd.EBODYTOOLARGE:      http.StatusRequestEntityTooLarge,
	dmsd.ECONTENTTYPE:       http.StatusUnsupportedMediaType,
	dmsd.ETOOMANYREQUESTS:   http.StatusTooManyRequests,
	dmsd.EHEADERSTOOLARGE:   http.StatusRequestHeaderFieldsTooLarge,
	dmsd.EREPLAYED:          http.StatusUnauthorized,
	dmsd.EINTERNAL:          http.StatusInternalServerError,
	dmsd.EUNAVAILABLE:       http.StatusServiceUnavailable,
	// Topics and Kafka parameters.
	dmsd.EINVALIDCONFIG:   http.StatusBadRequest,
	dmsd.ETOPICNAME:       http.StatusBadRequest,
	dmsd.ETOPICPARTITIONS: http.StatusBadRequest,
	dmsd.ETOPICREPLICAS:   http.StatusBadRequest,
	dmsd.ETOPICRETENTION:  http.StatusBadRequest,
	dmsd.EREPLICATION:     http.StatusBadRequest,
	dmsd.ETOPICNOTFOUND:   http.StatusBadRequest,
	dmsd.ETOPICEXISTS:     http.StatusBadRequest,

	// Users, topic permissions and consumer groups.
	dmsd.EINVALIDPASSWORD: http.StatusBadRequest,
	dmsd.EINVALIDUSERNAME: http.StatusBadRequest,
	dmsd.ESASLDISABLED:    http.StatusBadRequest,
	dmsd.EUSEREXISTS:      http.StatusBadRequest,
	dmsd.EGROUPACTIVE:     http.StatusBadRequest,
	dmsd.EUSERNOTFOUND:    http.StatusNotFound,
	dmsd.ENOTOPIC:         http.StatusNotFound,
	dmsd.EGROUPNOTFOUND:   http.StatusNotFound,

	// Partition reassignment and scheduled tasks.
	dmsd.EBROKERNOTFOUND:    http.StatusBadRequest,
	dmsd.ESCHEDULESTARTED:   http.StatusBadRequest,
	dmsd.EPARTITIONNOTFOUND: http.StatusBadRequest,

	// Extension and external clusters.
	dmsd.EEXTERNAL: http.StatusBadRequest,

	// Tenancy.
	dmsd.EADDRREFUSED:   http.StatusBadRequest,
	dmsd.EUNREACHABLE:   http.StatusBadRequest,
	dmsd.EINSTANCEQUOTA: http.StatusBadRequest,
	dmsd.EBROKERQUOTA:   http.StatusBadRequest,

	// SSL and public access.
	dmsd.EPUBLICACCESS: http.StatusBadRequest,
	dmsd.ESSLDISABLED:  http.StatusBadRequest,

	// Log tasks.
	dmsd.ENOBROKERLOG: http.StatusBadRequest,

	// Consumer groups.
	dmsd.EGROUPNAME:   http.StatusBadRequest,
	dmsd.EGROUPEXISTS: http.StatusBadRequest,
	// Instance lifecycle.
	dmsd.ENOKAFKAMANAGER: http.StatusBadRequest,
	dmsd.ENODNS:          http.StatusBadRequest,
	dmsd.EUPGRADESTATUS:  http.StatusBadRequest,
	dmsd.EUPGRADESAME:    http.StatusBadRequest,
	// Messages.
	dmsd.EMSGTOOLARGE:    http.StatusBadRequest,
	dmsd.EQUERYTIMEOUT:   http.StatusRequestTimeout,
	dmsd.EQUERYTOOLARGE:  http.StatusBadRequest,
	dmsd.EMSGPARTITION:   http.StatusNotFound,
	dmsd.EMSGOFFSET:      http.StatusBadRequest,
	dmsd.EMSGDELETEAHEAD: http.StatusBadRequest,
	dmsd.EREPORTNOTFOUND: http.StatusNotFound,
	dmsd.ELOGRUNNING:     http.StatusConflict,
	dmsd.ELOGNOTRUNNING:  http.StatusBadRequest,
	dmsd.EQUOTANOTFOUND:  http.StatusBadRequest,
	dmsd.EQUOTAEXISTS:    http.StatusBadRequest,
	dmsd.ETAGACTION:      http.StatusBadRequest,
	// Smart Connect.
	dmsd.ECONNECTOROFF:        http.StatusBadRequest,
	dmsd.ECONNECTORON:         http.StatusBadRequest,
	dmsd.ECONNECTTYPE:         http.StatusBadRequest,
	dmsd.ECONNECTPEER:         http.StatusBadRequest,
	dmsd.ECONNECTTASKNOTFOUND: http.StatusNotFound,
	// Operations of the SDK that dmsd does not offer.
	dmsd.ENOTOFFERED: http.StatusBadRequest,
}

type errorResponse struct {
	Code    string `json:"error_code"`
	Message string `json:"error_msg"`
}

// writeError answers err in the service's error format. Errors that are not a
// *dmsd.Error are logged and answered as an internal error without their text.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := dmsd.ErrorCode(err)
	status, ok := statusOf[code]
	if status == http.StatusServiceUnavailable {
		loggerFrom(r).Warn("service unavailable", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	if !ok || status == http.StatusInternalServerError {
		loggerFrom(r).Error("internal error", "method", r.Method, "path", r.URL.Path, "error", err)
		encode(w, http.StatusInternalServerError, errorResponse{Code: dmsd.EINTERNAL, Message: "Internal service error."})
		return
	}
	encode(w, status, errorResponse{Code: code, Message: dmsd.ErrorMessage(err)})
}

// handlerFunc is a handler that returns its failure instead of answering it:
// ServeHTTP answers a returned error with writeError, so that the handlers'
// every early exit is one return. A handler returns an error only before it
// has written anything.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (h handlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		writeError(w, r, err)
	}
}

// encode answers v as JSON with the given status.
func encode[T any](w http.ResponseWriter, status int, v T) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error_code":"DMS.00500000","error_msg":"Internal service error."}`)
	}
	writeJSON(w, status, body)
}

// writeJSON answers body, which is JSON already, with the given status.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// decode reads the request body as JSON into a T. It returns EEMPTYBODY when
// there is no body and EINVALIDJSON when it is not a JSON object of T's shape.
func decode[T any](r *http.Request) (T, error) {
	var v T
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return v, dmsd.Errorf(dmsd.EINVALIDJSON, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return v, dmsd.Errorf(dmsd.EEMPTYBODY, "The request body is empty.")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return v, dmsd.Errorf(dmsd.ECONTENTTYPE, "The request body must be sent as Content-Type: application/json.")
	}
	if !utf8.Valid(body) {
		return v, dmsd.Errorf(dmsd.EINVALIDJSON, "The message body is not in JSON format or contains invalid characters.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return v, dmsd.Errorf(dmsd.EINVALIDJSON, "The message body contains invalid characters or is not in JSON format. The error key is %s.", typeErr.Field)
		}
		return v, dmsd.Errorf(dmsd.EINVALIDJSON, "The message body is not in JSON format or contains invalid characters.")
	}
	if dec.More() {
		return v, dmsd.Errorf(dmsd.EINVALIDJSON, "The message body is not in JSON format or contains invalid characters.")
	}
	return v, nil
}

// decodeForInstance returns the instance id of r's path and r's body decoded
// as a T, or the error of either.
func decodeForInstance[T any](r *http.Request) (string, T, error) {
	id, err := instanceIDOf(r)
	if err != nil {
		var zero T
		return "", zero, err
	}
	v, err := decode[T](r)
	return id, v, err
}

// decodeForUser returns the instance id and the SASL user name of r's path
// and r's body decoded as a T, or the error of the first that fails: the
// instance id's, EINVALIDUSERNAME, or the body's.
func decodeForUser[T any](r *http.Request) (string, string, T, error) {
	var zero T
	id, err := instanceIDOf(r)
	if err != nil {
		return "", "", zero, err
	}
	name := r.PathValue("user_name")
	if err := dmsd.ValidateUserName(name); err != nil {
		return "", "", zero, err
	}
	v, err := decode[T](r)
	return id, name, v, err
}
