package dmsd

import (
	"errors"
	"fmt"
)

// Error codes are the DMS error codes the API answers with. The HTTP layer maps
// each to its status in one table; any error that is not an *Error is reported
// as EINTERNAL without its text.
const (
	EINVALID           = "DMS.00400800" // Invalid request parameter.
	EINVALIDPROJECTID  = "DMS.00400002" // The project ID format is invalid.
	EEMPTYBODY         = "DMS.00400004" // The request body is empty.
	EINVALIDJSON       = "DMS.00400005" // The message body is not in JSON format.
	EUNSUPPORTEDENGINE = "DMS.00400007" // Unsupported type (engine).
	EINVALIDNAME       = "DMS.00400010" // Invalid instance name.
	EINVALIDDESC       = "DMS.00400011" // The instance description is too long.
	EEMPTYVPC          = "DMS.00400013" // vpc_id in the request is empty.
	EEMPTYSECGROUP     = "DMS.00400014" // security_group_id in the request is empty.
	EEMPTYSUBNET       = "DMS.00400016" // subnet_id in the request is empty.
	ETASKRUNNING       = "DMS.00400017" // A background task of this instance is running.
	EINSTANCESTATUS    = "DMS.00400026" // Not allowed in the instance's status.
	EINVALIDINSTANCEID = "DMS.00400061" // Invalid instance ID format.
	EINVALIDACTION     = "DMS.00400064" // The action must be delete or restart.
	EEMPTYINSTANCES    = "DMS.00400065" // The instances parameter is empty.
	EINVALIDAZ         = "DMS.00400067" // available_zones must hold 1 AZ ID, or 3 or more.
	EINVALIDPRODUCT    = "DMS.00400009" // Invalid product_id.
	EAZNOTFOUND        = "DMS.00400042" // The AZ does not exist.
	ESPECCODE          = "DMS.00400125" // Invalid SPEC_CODE (storage_spec_code).
	EINVALIDTASKID     = "DMS.00400070" // Invalid task ID format.
	ETOOMANYINSTANCES  = "DMS.00400100" // At most 50 instance IDs.
	EINVALIDWINDOW     = "DMS.00400106" // Invalid maintenance time window.
	EINVALIDTIME       = "DMS.00400142" // Timestamp is invalid.
	EINVALIDDISK       = "DMS.00400500" // Invalid disk space.
	ELIMIT             = "DMS.10240042" // Page size exceeds the upper limit.
	EOFFSET            = "DMS.10240043" // Skipped records exceed the upper limit.
	ETOKENINVALID      = "DMS.10240101" // Invalid token (signature).
	ETOKENEXPIRED      = "DMS.10240102" // Expired token (request date outside the allowed skew).
	ETOKENMISSING      = "DMS.10240103" // Missing token (no Authorization header).
	EPROJECTMISMATCH   = "DMS.10240104" // The project ID and token do not match.
	EREPLAYED          = "DMS.00401001" // dmsd's own: this signed request was already used.
	ENOTFOUNDURL       = "DMS.00404001" // The requested URL does not exist.
	EPROJECTNOTFOUND   = "DMS.00404002" // dmsd's own: the project does not exist for this access key.
	EINSTANCENOTFOUND  = "DMS.00404022" // This instance does not exist.
	ETASKNOTFOUND      = "DMS.00404070" // dmsd's own: this task does not exist.
	EMETHOD            = "DMS.00405001" // This request method is not allowed.
	EBODYTOOLARGE      = "DMS.00413001" // dmsd's own: the request body is too large.
	ECONTENTTYPE       = "DMS.00415001" // dmsd's own: the request body is not application/json.
	ETOOMANYREQUESTS   = "DMS.10240407" // The request is too frequent; flow control (answered as 429).
	EHEADERSTOOLARGE   = "DMS.00431001" // dmsd's own: the request's headers are too large.
	EINTERNAL          = "DMS.00500000" // Internal service error.
	EUNAVAILABLE       = "DMS.00503001" // dmsd's own: the service is shutting down or its database is unreachable.
	// Topics and Kafka parameters.
	EINVALIDCONFIG   = "DMS.00400063" // Invalid configuration parameter.
	ETOPICNAME       = "DMS.00400101" // Invalid topic name.
	ETOPICPARTITIONS = "DMS.00400102" // Partitions must be 1-200.
	ETOPICREPLICAS   = "DMS.00400103" // Replicas must be 1-20.
	ETOPICRETENTION  = "DMS.00400105" // Retention must be 1-168 hours.
	EREPLICATION     = "DMS.00400861" // Replication factor larger than available brokers.
	ETOPICNOTFOUND   = "DMS.00400975" // Failed to query topics (the topic does not exist).
	ETOPICEXISTS     = "DMS.10240017" // The queue already exists: the reference's code for an existing topic, a 400 like its siblings.

	// Users, topic permissions and consumer groups.
	EINVALIDPASSWORD = "DMS.00400012" // The password does not meet the complexity requirements.
	EINVALIDUSERNAME = "DMS.00400015" // Invalid username.
	ESASLDISABLED    = "DMS.00400931" // dmsd's own: SASL is not enabled for this instance.
	EUSEREXISTS      = "DMS.00400932" // dmsd's own: the user already exists.
	EGROUPACTIVE     = "DMS.00400933" // dmsd's own: the consumer group has members; stop them first.
	EUSERNOTFOUND    = "DMS.00404931" // dmsd's own: the user does not exist.
	ENOTOPIC         = "DMS.00404932" // dmsd's own: the topic named does not exist.
	EGROUPNOTFOUND   = "DMS.10240405" // The consumer group is incorrect or not found.

	// Partition reassignment and scheduled tasks.
	EBROKERNOTFOUND    = "DMS.00400934" // dmsd's own: a broker id of the reassignment plan does not exist.
	ESCHEDULESTARTED   = "DMS.00400935" // dmsd's own: the scheduled task has started or finished; it can no longer be changed.
	EPARTITIONNOTFOUND = "DMS.00400936" // dmsd's own: a partition of the reassignment plan does not exist.

	// Extension and external clusters.
	EEXTERNAL = "DMS.00400940" // dmsd's own: not possible on an external cluster, which dmsd does not run.

	// Tenancy: where external clusters may be, and each project's quota.
	EADDRREFUSED   = "DMS.00400950" // dmsd's own: the address is not one an external cluster may have (allow-list, dmsd's own listeners).
	EUNREACHABLE   = "DMS.00400951" // dmsd's own: the external Kafka cluster could not be reached.
	EINSTANCEQUOTA = "DMS.00400035" // DMS instance quota of the tenant is insufficient.
	EBROKERQUOTA   = "DMS.00400039" // The quota limit has been reached (brokers of a project).

	// SSL and public access.
	EPUBLICACCESS = "DMS.00400941" // dmsd's own: public access is not supported by the embedded Kafka engine.
	ESSLDISABLED  = "DMS.00400942" // dmsd's own: SSL is not enabled for this instance.

	// Log tasks.
	ENOBROKERLOG = "DMS.00400944" // dmsd's own: only the brokers dmsd runs (embedded instances) have their lines collected; an external cluster's brokers log where they run.

	// Consumer groups.
	EGROUPNAME   = "DMS.10240016" // The group ID format is invalid.
	EGROUPEXISTS = "DMS.10240018" // The consumer group already exists.
	// Instance lifecycle.
	ENOKAFKAMANAGER = "DMS.00400980" // dmsd's own: dmsd runs no Kafka Manager.
	ENODNS          = "DMS.00400981" // dmsd's own: the embedded brokers' listeners are on 127.0.0.1; there is no private DNS name to enable.
	EUPGRADESTATUS  = "DMS.00400052" // Only running instances can be upgraded.
	EUPGRADESAME    = "DMS.00400053" // The target version is the same as the current version.
	// Messages.
	EMSGTOOLARGE    = "DMS.10540011"  // The message size is larger than the size limit.
	EQUERYTIMEOUT   = "DMS.111501024" // Query timed out.
	EQUERYTOOLARGE  = "DMS.111501026" // Query reach maximum byte (the window holds more than one query may read).
	EMSGPARTITION   = "DMS.00400965"  // dmsd's own: the topic has no such partition.
	EMSGOFFSET      = "DMS.00400966"  // dmsd's own: the partition holds no message at that offset.
	EMSGDELETEAHEAD = "DMS.00400967"  // dmsd's own: a delete offset is beyond the partition's end.
	// Diagnosis and logs.
	EREPORTNOTFOUND = "DMS.00400985" // dmsd's own: the diagnosis report does not exist.
	ELOGRUNNING     = "DMS.00400987" // dmsd's own: the instance's log task is already on.
	ELOGNOTRUNNING  = "DMS.00501007" // The log is not on (closed): the cloud's code, not in the reference's table, which the Terraform provider expects on stopping one twice.
	// Client quotas and tags.
	EQUOTANOTFOUND = "DMS.00400976" // dmsd's own: the client quota does not exist.
	EQUOTAEXISTS   = "DMS.00400977" // dmsd's own: the client quota already exists.
	ETAGACTION     = "DMS.10240040" // You can only create or delete tags.
	// Smart Connect (replication tasks).
	ECONNECTOROFF        = "DMS.00400990" // dmsd's own: Smart Connect is not enabled for this instance.
	ECONNECTORON         = "DMS.00400991" // dmsd's own: Smart Connect is enabled already, or still has tasks.
	ECONNECTTYPE         = "DMS.00400992" // dmsd's own: the source or sink type needs a cloud service dmsd does not run (OBS, DCS Redis).
	ECONNECTPEER         = "DMS.00400993" // dmsd's own: the replication peer is refused or cannot be reached.
	ECONNECTTASKNOTFOUND = "DMS.00400994" // dmsd's own: the Smart Connect task does not exist (answered as 404).
	// Operations of the SDK that dmsd does not offer.
	ENOTOFFERED = "DMS.00400999" // dmsd's own: dmsd does not offer this operation of the SDK.
)

// Error is an error the API reports to its caller: a DMS error code and a
// message meant for the user.
type Error struct {
	Code    string
	Message string
	// Err is the internal cause, for logs; it never reaches the caller.
	Err error
}

// Error returns the message prefixed with its code, and the cause if any.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("dmsd error: code=%s message=%s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("dmsd error: code=%s message=%s", e.Code, e.Message)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrUnchanged is what a change given to InstanceStore.ModifyInstance returns
// when it has nothing to save.
var ErrUnchanged = errors.New("unchanged")

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, "" for nil, and
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the *Error in err's chain, "" for nil,
// and "Internal service error." for any other error, so that internal details
// never reach a caller.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal service error."
}
