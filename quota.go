package dmsd

// Default quota of a project, as dmsd's settings document them.
const (
	DefaultMaxInstances = 10
	DefaultMaxBrokers   = 30
)

// Quota is what one project may hold at most: instances, and brokers of
// embedded instances in all. A zero limit is no limit.
type Quota struct {
	MaxInstances int
	MaxBrokers   int
}

// Usage is what a project holds. Brokers counts the brokers of the embedded
// instances (external clusters run no broker of dmsd's), an instance being
// extended counting with the brokers it is being extended to.
type Usage struct {
	Instances int
	Brokers   int
}

// Check returns EINSTANCEQUOTA if used holds more instances than q allows and
// EBROKERQUOTA if it holds more brokers, and nil otherwise. The stores call
// it inside the transaction that adds an instance or brokers, on the usage
// that includes the addition, so that two concurrent requests cannot both
// take the last slot.
func (q Quota) Check(used Usage) error {
	switch {
	case q.MaxInstances > 0 && used.Instances > q.MaxInstances:
		return Errorf(EINSTANCEQUOTA, "DMS instance quota of the tenant is insufficient: a project may have at most %d instances.", q.MaxInstances)
	case q.MaxBrokers > 0 && used.Brokers > q.MaxBrokers:
		return Errorf(EBROKERQUOTA, "The quota limit has been reached: the instances of a project may have at most %d brokers in all.", q.MaxBrokers)
	}
	return nil
}
