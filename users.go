package dmsd

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// SASL mechanisms an instance may enable, as the API names them.
const (
	MechanismPlain       = "PLAIN"
	MechanismScramSHA512 = "SCRAM-SHA-512"
)

// The security protocols of a SASL instance (ssl_enable): SASL_SSL when its
// listeners use TLS (Instance.SSLEnabled), SASL_PLAINTEXT otherwise.
const (
	SASLPlaintext = "SASL_PLAINTEXT"
	SASLSSL       = "SASL_SSL"
)

// User is a SASL user of an instance's cluster.
type User struct {
	Name        string
	Description string
	// Default is set for the instance's access user, the superuser the
	// instance was created with.
	Default   bool
	CreatedAt time.Time
}

// Access policies a user may hold on a topic.
const (
	PolicyPub = "pub" // produce: WRITE and DESCRIBE on the topic
	PolicySub = "sub" // consume: READ and DESCRIBE on the topic, READ on every group
	PolicyAll = "all" // both
)

// UserPolicy is one user's access policy on a topic.
type UserPolicy struct {
	UserName string `json:"user_name"`
	Policy   string `json:"access_policy"`
}

// TopicPolicies are the access policies to set on one topic. A user that is
// not listed keeps the policy it has; an empty list revokes every user's
// policy on the topic (how the Terraform provider removes permissions).
type TopicPolicies struct {
	Topic    string       `json:"name"`
	Policies []UserPolicy `json:"policies"`
}

// OffsetReset says where to move a consumer group's committed offsets. Exactly
// one of MessageOffset and Timestamp is set.
type OffsetReset struct {
	Group string `json:"group"`
	// Topic is the topic whose offsets move; "" moves those of every topic
	// the group has committed offsets for.
	Topic string `json:"topic"`
	// Partition is the partition whose offset moves; -1 moves all.
	Partition int32 `json:"partition"`
	// MessageOffset is the offset to move to, clamped to the partition's
	// earliest and latest offsets.
	MessageOffset *int64 `json:"message_offset,omitempty"`
	// Timestamp, in Unix milliseconds, moves to the first record at or after
	// it, or to the latest offset if there is none.
	Timestamp *int64 `json:"timestamp,omitempty"`
}

// UserAdmin manages a running cluster's SASL users, ACLs and consumer group
// offsets. Admin includes it. Every method connects as the
// instance's access user and returns ESASLDISABLED for an instance without
// SASL; every method is idempotent.
type UserAdmin interface {
	// ListUsers returns the cluster's users, the access user first, the
	// others by name.
	ListUsers(ctx context.Context, inst *Instance) ([]User, error)
	// CreateUser adds a SCRAM-SHA-512 user. Returns EUSEREXISTS if the user
	// exists.
	CreateUser(ctx context.Context, inst *Instance, user User, password string) error
	// ResetUserPassword sets a user's SCRAM-SHA-512 password. Returns
	// EUSERNOTFOUND if the user does not exist.
	ResetUserPassword(ctx context.Context, inst *Instance, name, password string) error
	// DeleteUsers removes users and their ACLs; users that do not exist are
	// skipped.
	DeleteUsers(ctx context.Context, inst *Instance, names []string) error
	// SetTopicPolicies replaces the ACLs that the listed users hold on the
	// topic with those of their policies; a user listed with an empty
	// policy keeps none.
	SetTopicPolicies(ctx context.Context, inst *Instance, p TopicPolicies) error
	// TopicPolicies returns every user's policy on a topic, derived from its
	// ACLs.
	TopicPolicies(ctx context.Context, inst *Instance, topic string) ([]UserPolicy, error)
	// TopicExists reports whether the cluster has the topic.
	TopicExists(ctx context.Context, inst *Instance, topic string) (bool, error)
	// GroupState returns the consumer group's state as Kafka reports it
	// (Empty, Stable, PreparingRebalance...), or "" if the cluster knows no
	// such group: it has neither members nor committed offsets.
	GroupState(ctx context.Context, inst *Instance, group string) (string, error)
	// ResetOffsets commits the group's offsets as r says. Returns
	// EGROUPNOTFOUND if the group has no committed offsets for the topic
	// and partitions.
	ResetOffsets(ctx context.Context, inst *Instance, r OffsetReset) error
}

// UserService runs the synchronous user and permission operations of the
// API, as the reference answers them with 204 (permission changes and
// offset resets start tasks: InstanceService).
type UserService interface {
	// ListUsers returns the SASL users of a running SASL instance's
	// cluster, the access user included (User.Default).
	ListUsers(ctx context.Context, actor Actor, instanceID string) ([]User, error)
	// CreateUser validates the user's name and password (EINVALIDUSERNAME,
	// EINVALIDPASSWORD) and adds the user to the cluster at once. Returns
	// EUSEREXISTS if the user exists.
	CreateUser(ctx context.Context, actor Actor, instanceID string, user User, password string) error
	// ResetUserPassword sets a user's password at once. Returns
	// EINVALIDPASSWORD, EUSERNOTFOUND, and EINVALID for the access user.
	ResetUserPassword(ctx context.Context, actor Actor, instanceID, name, password string) error
	// UpdateUser sets a user's description and/or password (nil leaves it
	// as it is). Returns EINVALID if both are nil, EUSERNOTFOUND.
	UpdateUser(ctx context.Context, actor Actor, instanceID, name string, description, password *string) error
	// DeleteUsers deletes users and their permissions at once. Returns
	// EINVALID for the access user.
	DeleteUsers(ctx context.Context, actor Actor, instanceID string, names []string) error
	// TopicPolicies returns the users' access policies on a topic. Returns
	// ENOTOPIC if the topic does not exist.
	TopicPolicies(ctx context.Context, actor Actor, instanceID, topic string) ([]UserPolicy, error)
}

var userNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)

// ValidateUserName returns EINVALIDUSERNAME unless name is 4 to 64 letters,
// digits, underscores and hyphens starting with a letter.
func ValidateUserName(name string) error {
	if !userNamePattern.MatchString(name) {
		return Errorf(EINVALIDUSERNAME, "Invalid username. A username must start with a letter, be 4 to 64 characters long and contain only letters, digits, underscores (_), and hyphens (-).")
	}
	return nil
}

const passwordSpecials = "`~!@#$ %^&*()-_=+\\|[{}]:'\";,<.>/?"

// ValidatePassword returns EINVALIDPASSWORD unless password has 8 to 32
// characters of at least three of the four types (lowercase, uppercase,
// digits, the reference's special characters and space), only such
// characters, does not start with a hyphen and is neither the user name nor
// the user name backwards.
func ValidatePassword(user, password string) error {
	bad := Errorf(EINVALIDPASSWORD, "The password does not meet the complexity requirements. A password must be 8 to 32 characters long, contain at least three of lowercase letters, uppercase letters, digits and special characters, not start with a hyphen (-), and differ from the username and the username spelled backwards.")
	if len(password) < 8 || len(password) > 32 || strings.HasPrefix(password, "-") {
		return bad
	}
	var lower, upper, digit, special int
	for _, r := range password {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		case r < unicode.MaxASCII && strings.ContainsRune(passwordSpecials, r):
			special = 1
		default:
			return bad
		}
	}
	if lower+upper+digit+special < 3 {
		return bad
	}
	if user != "" {
		rev := []rune(user)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		if password == user || password == string(rev) {
			return bad
		}
	}
	return nil
}

// SASLEnabled reports whether the instance was created with an access user,
// so that its cluster requires SASL and enforces ACLs.
func (inst *Instance) SASLEnabled() bool { return inst.AccessUser != "" }

// ValidateSASL checks the SASL settings of a new instance and fills in their
// defaults: without an access user there must be no password or mechanism;
// with one, the user name and password must be valid (EINVALIDUSERNAME,
// EINVALIDPASSWORD) and the mechanisms PLAIN and/or SCRAM-SHA-512, PLAIN
// when none is given, as the reference says.
func (inst *Instance) ValidateSASL() error {
	if inst.AccessUser == "" {
		if inst.AccessPassword != "" || len(inst.SASLMechanisms) > 0 {
			return Errorf(EINVALID, "Invalid request parameter: password and sasl_enabled_mechanisms require access_user.")
		}
		return nil
	}
	if err := ValidateUserName(inst.AccessUser); err != nil {
		return err
	}
	if err := ValidatePassword(inst.AccessUser, inst.AccessPassword); err != nil {
		return err
	}
	if len(inst.SASLMechanisms) == 0 {
		inst.SASLMechanisms = []string{MechanismPlain}
	}
	seen := map[string]bool{}
	for _, m := range inst.SASLMechanisms {
		if (m != MechanismPlain && m != MechanismScramSHA512) || seen[m] {
			return Errorf(EINVALID, "Invalid request parameter: sasl_enabled_mechanisms must hold PLAIN and/or SCRAM-SHA-512.")
		}
		seen[m] = true
	}
	return nil
}
