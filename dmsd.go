// Package dmsd holds the domain of dmsd, a self-hosted control plane for Kafka
// that speaks the v2 management API of DMS for Kafka: instances, the background
// tasks that change them, the errors the API reports, and the interfaces that
// the storage, engine, Kafka and HTTP packages implement or consume.
//
// The packages below this one each wrap one technology (sqlite, engine, kafka,
// httpapi) and depend only on this package; cmd/dmsd wires them together.
package dmsd

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"time"
)

// NewID returns a new random identifier of 32 lowercase hexadecimal characters,
// the form DMS uses for task ids and project ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error since Go 1.24.
	return hex.EncodeToString(b[:])
}

// NewUUID returns a new random (version 4) UUID, the form DMS uses for instance ids.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

var accessPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)

// ValidProjectID reports whether s has the form of a project id: 32 lowercase
// hexadecimal characters.
func ValidProjectID(s string) bool { return isHexID(s) }

// ValidTaskID reports whether s has the form of a task id: 32 lowercase
// hexadecimal characters.
func ValidTaskID(s string) bool { return isHexID(s) }

// ValidInstanceID reports whether s has the form of an instance id: a
// lowercase UUID (8-4-4-4-12 lowercase hexadecimal characters).
func ValidInstanceID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isLowerHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// isHexID reports whether s is 32 lowercase hexadecimal characters. The
// checks of ids are loops rather than regular expressions because every
// request runs several of them (a regexp match costs as much as verifying
// a header).
func isHexID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return false
		}
	}
	return true
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// Now returns the current time truncated to milliseconds, the precision with
// which the API reports times, so that stored and reported times agree.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// FormatTime returns t as the API writes times: UTC with milliseconds, for
// example 2020-05-15T03:19:51.046Z. The zero time formats as "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Credential is an access key pair and the project and user it acts for. Tasks
// started with a credential record its user.
type Credential struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
	ProjectID string `json:"project_id"`
	UserID    string `json:"user_id"`
	UserName  string `json:"user_name"`
}

// Validate returns an error if the credential cannot be used: an empty or
// malformed access key, an empty secret key or a malformed project id.
func (c *Credential) Validate() error {
	switch {
	case !accessPattern.MatchString(c.AccessKey):
		return Errorf(EINVALID, "access_key must be 1 to 128 letters or digits")
	case c.SecretKey == "":
		return Errorf(EINVALID, "secret_key of %s is empty", c.AccessKey)
	case !ValidProjectID(c.ProjectID):
		return Errorf(EINVALID, "project_id of %s must be 32 lowercase hexadecimal characters", c.AccessKey)
	}
	return nil
}

// Actor is who starts an operation: the project it acts in and the user that
// tasks record.
type Actor struct {
	ProjectID string
	UserID    string
	UserName  string
}
