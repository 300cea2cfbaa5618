package dmsd

import (
	"context"
	"slices"
)

// ClientQuota is a Kafka client quota: byte rates that the brokers allow an
// entity, as AlterClientQuotas sets them. The entity is a topic (Topic set,
// the service's topic quota) or a user and/or client id, either named or
// the default of all users (UserDefault) or all clients (ClientDefault).
type ClientQuota struct {
	Topic         string `json:"topic,omitempty"`
	User          string `json:"user,omitempty"`
	Client        string `json:"client,omitempty"`
	UserDefault   bool   `json:"user_default,omitempty"`
	ClientDefault bool   `json:"client_default,omitempty"`
	// ProducerByteRate and ConsumerByteRate are in bytes per second; 0
	// leaves the rate unset.
	ProducerByteRate int64 `json:"producer_byte_rate,omitempty"`
	ConsumerByteRate int64 `json:"consumer_byte_rate,omitempty"`
}

// SameEntity reports whether q and o name the same entity.
func (q ClientQuota) SameEntity(o ClientQuota) bool {
	return q.Topic == o.Topic && q.User == o.User && q.Client == o.Client &&
		q.UserDefault == o.UserDefault && q.ClientDefault == o.ClientDefault
}

// ValidateEntity returns EINVALID unless q names one entity as the reference
// allows: a topic alone, or a user (named or default) and/or a client
// (named or default), a default never together with a name of its kind.
func (q ClientQuota) ValidateEntity() error {
	switch {
	case q.Topic != "" && (q.User != "" || q.Client != "" || q.UserDefault || q.ClientDefault):
		return Errorf(EINVALID, "Invalid request parameter: a topic quota names only its topic.")
	case q.Topic != "" && !ValidTopicName(q.Topic):
		return Errorf(ETOPICNAME, "Invalid topic name: %s.", truncateString(q.Topic))
	case q.Topic != "":
		return nil
	case q.UserDefault && q.User != "":
		return Errorf(EINVALID, "Invalid request parameter: user_default cannot be set together with user.")
	case q.ClientDefault && q.Client != "":
		return Errorf(EINVALID, "Invalid request parameter: client_default cannot be set together with client.")
	case q.User == "" && q.Client == "" && !q.UserDefault && !q.ClientDefault:
		return Errorf(EINVALID, "Invalid request parameter: user and client cannot both be empty.")
	}
	return nil
}

// ValidateRates returns EINVALID if a rate is negative or both are unset.
func (q ClientQuota) ValidateRates() error {
	switch {
	case q.ProducerByteRate < 0 || q.ConsumerByteRate < 0:
		return Errorf(EINVALID, "Invalid request parameter: producer_byte_rate and consumer_byte_rate cannot be negative.")
	case q.ProducerByteRate == 0 && q.ConsumerByteRate == 0:
		return Errorf(EINVALID, "Invalid request parameter: producer_byte_rate and consumer_byte_rate cannot both be empty.")
	}
	return nil
}

// QuotaChange is what a quota task does with a ClientQuota.
type QuotaChange string

// The quota changes, as the create, modify and delete operations ask.
const (
	QuotaCreate QuotaChange = "create"
	QuotaModify QuotaChange = "modify"
	QuotaDelete QuotaChange = "delete"
)

// CheckQuotaChange returns nil if change may be applied to q given the quotas
// the cluster holds now: EQUOTAEXISTS for creating a quota whose entity has
// one, EQUOTANOTFOUND for modifying or deleting one that has none.
func CheckQuotaChange(change QuotaChange, q ClientQuota, held []ClientQuota) error {
	exists := slices.ContainsFunc(held, q.SameEntity)
	switch {
	case change == QuotaCreate && exists:
		return Errorf(EQUOTAEXISTS, "The quota already exists: modify or delete it instead.")
	case change != QuotaCreate && !exists:
		return Errorf(EQUOTANOTFOUND, "The quota does not exist.")
	}
	return nil
}

// QuotaAdmin is the client quotas of a running cluster.
type QuotaAdmin interface {
	// DescribeClientQuotas returns every client quota the cluster holds.
	// Returns EINSTANCESTATUS if the cluster does not run.
	DescribeClientQuotas(ctx context.Context, inst *Instance) ([]ClientQuota, error)
	// AlterClientQuota sets q's rates on its entity (a 0 rate removed), or
	// removes both with remove. It is idempotent.
	AlterClientQuota(ctx context.Context, inst *Instance, q ClientQuota, remove bool) error
}

// QuotaService runs the client quota operations of the API: the changes as
// tasks, the reads at once.
type QuotaService interface {
	// ChangeClientQuota validates q and starts the task of its kind (a
	// topic quota or a user/client quota) that applies change. Returns
	// EINVALID, EQUOTAEXISTS, EQUOTANOTFOUND, EINSTANCESTATUS,
	// EINSTANCENOTFOUND and the store's errors.
	ChangeClientQuota(ctx context.Context, actor Actor, instanceID string, change QuotaChange, q ClientQuota) (*Task, error)
	// ClientQuotas returns the quotas of a RUNNING instance's cluster.
	// Returns EINSTANCESTATUS and EINSTANCENOTFOUND.
	ClientQuotas(ctx context.Context, actor Actor, instanceID string) ([]ClientQuota, error)
	// ProjectQuota returns the project's quota (a zero limit: none) and
	// what it uses of it. Returns the store's errors.
	ProjectQuota(ctx context.Context, actor Actor) (Quota, Usage, error)
}
