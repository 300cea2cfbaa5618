package httpapi

import (
	"net/http"

	"github.com/dmsd/dmsd"
)

// notOffered says, for each SDK operation dmsd does not offer, why: the
// message of its ENOTOFFERED refusal.
var notOffered = map[string]string{
	"ListConfigFeatures":                 "dmsd has no feature switches of the console to list.",
	"ShowCesHierarchy":                   "dmsd has no Cloud Eye monitoring; its metrics are Prometheus metrics on the metrics listener.",
	"ShowKafkaInstanceExtendProductInfo": "dmsd does not list extension flavors; ShowKafkaScalePreCheckInfo answers whether an extension is possible.",
	"ShowKafkaLogTask":                   "dmsd collects no broker log dumps; rebalance logs are served by ShowKafkaRebalanceLog.",
	"StartKafkaLogTask":                  "dmsd collects no broker log dumps; rebalance logs are collected by CreateKafkaRebalanceLogTask.",
	"StopKafkaLogTask":                   "dmsd collects no broker log dumps; rebalance logs are stopped by StopKafkaRebalanceLogTask.",
	"ShowVolumeExpandConfig":             "dmsd does not grow storage by itself; extend an instance with ResizeKafkaInstance.",
	"UpdateVolumeExpansionConfig":        "dmsd does not grow storage by itself; extend an instance with ResizeKafkaInstance.",
}

// handleNotOffered refuses the SDK operation op with ENOTOFFERED and the
// reason notOffered gives. With a store, an instance that the caller cannot
// see is answered as such first, like every instance route.
func handleNotOffered(store dmsd.InstanceStore, op string) http.Handler {
	err := dmsd.Errorf(dmsd.ENOTOFFERED, "%s is not offered: %s", op, notOffered[op])
	if store != nil {
		return handleRefuse(store, err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeError(w, r, err) })
}
