package dmsd

// ConfigFeature is one feature of the service as GET /v2/config/features
// (ListConfigFeatures) lists it: On when dmsd serves it.
type ConfigFeature struct {
	ID          string
	On          bool
	Description string
}

// ConfigFeatures are the features dmsd reports, those it serves and those it
// refuses, so that a client can tell before it calls.
var ConfigFeatures = []ConfigFeature{
	{ID: "client_quota", On: true, Description: "Kafka client quotas of users, clients and topics, applied through AlterClientQuotas."},
	{ID: "instance_tags", On: true, Description: "Instance tags, kept and shown; the instance list filters by them."},
	{ID: "recycle_bin", On: true, Description: "Deleted instances kept for the recycle policy's retention days and restorable."},
	{ID: "message_diagnosis", On: true, Description: "Message backlog diagnosis of a consumer group, computed from the cluster."},
	{ID: "rebalance_log", On: true, Description: "Consumer group rebalance logs collected while the task is on."},
	{ID: "plain_ssl_switch", On: true, Description: "Turning SASL_SSL on and off for an instance's clients."},
	{ID: "log_task", On: true, Description: "Log tasks: REBALANCE is the rebalance log; topic_log collects the embedded brokers' own lines into dmsd's store (not LTS) while it is on."},
	{ID: "smart_connect", On: true, Description: "Smart Connect's Kafka replicator tasks between clusters; OBS and Redis tasks are refused."},
}
