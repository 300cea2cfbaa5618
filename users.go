package dmsd

// UserAdmin manages a running cluster's SASL users, ACLs and consumer group
// offsets. ClusterService includes it.
type UserAdmin interface{}

// UserService runs the user, permission and consumer group operations of the
// API.
type UserService interface{}
