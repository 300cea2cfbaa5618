package httpapi

import (
	"net/http"

	"github.com/dmsd/dmsd"
)

// notOffered says, for each SDK operation dmsd does not offer, why: the
// message of its ENOTOFFERED refusal.
var notOffered = map[string]string{}

// handleNotOffered refuses the SDK operation op with ENOTOFFERED and the
// reason notOffered gives. With a store, an instance that the caller cannot
// see is answered as such first, like every instance route.
func handleNotOffered(store dmsd.InstanceStore, op string) http.Handler {
	err := dmsd.Errorf(dmsd.ENOTOFFERED, "%s is not offered: %s", op, notOffered[op])
	if store != nil {
		return handleRefuse(store, err)
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error { return err })
}
