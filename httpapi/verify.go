package httpapi

import (
	"net/http"
	"time"

	"github.com/dmsd/dmsd"
)

// VerifySignature checks the SDK-HMAC-SHA256 signature of a request without a
// body exactly as the server does, for a program that must verify as dmsd
// does (the benchmarks' bare baseline server). lookup returns the credential
// of an access key and false when the key is unknown. It returns the
// credential that signed r, or ETOKENMISSING, ETOKENEXPIRED or ETOKENINVALID.
func VerifySignature(r *http.Request, lookup func(accessKey string) (dmsd.Credential, bool), now time.Time) (dmsd.Credential, error) {
	return verifySignature(r, nil, lookup, now)
}
