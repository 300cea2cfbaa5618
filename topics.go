package dmsd

// TopicAdmin changes what lives inside a running cluster: topics and Kafka
// parameters. ClusterService includes it.
type TopicAdmin interface{}

// TopicService runs the topic and configuration operations of the API.
type TopicService interface{}
