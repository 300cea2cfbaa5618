package kafka

import (
	"context"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dmsd/dmsd"
)

// kadmin runs the dmsd.Admin and dmsd.PartitionAdmin operations through a
// kadm client. Embedded and External each embed one that connects its own
// way, so that the same Kafka code serves both and neither calls back into
// the other.
type kadmin struct {
	// dataDir holds, per instance, what Kafka does not keep about users.
	dataDir string
	// connect returns a client of inst's cluster and a function that
	// closes it.
	connect func(inst *dmsd.Instance) (*kadm.Client, func(), error)
	// dial returns a Kafka client of inst's cluster with extra options,
	// for what kadm does not do (consuming, producing).
	dial func(inst *dmsd.Instance, extra ...kgo.Opt) (*kgo.Client, error)
	// hasSASL reports whether inst's cluster has SASL users.
	hasSASL func(inst *dmsd.Instance) bool
	// scram reports whether SCRAM-SHA-512 users can log in to inst's
	// cluster.
	scram func(inst *dmsd.Instance) bool
	// accessUser is the user dmsd connects as, which the user operations
	// protect.
	accessUser func(inst *dmsd.Instance) string
	// place, when set, carries out on the cluster what Kafka's
	// reassignment does not (see Embedded.placeMoves).
	place func(ctx context.Context, inst *dmsd.Instance, adm *kadm.Client, plan dmsd.PartitionPlan) error
}

// admin returns a client of inst's cluster and a function that closes it.
func (e *kadmin) admin(inst *dmsd.Instance) (*kadm.Client, func(), error) {
	if err := checkID(inst.ID); err != nil {
		return nil, nil, err
	}
	return e.connect(inst)
}

func (e *kadmin) instanceDir(id string) string { return filepath.Join(e.dataDir, id) }

// SASLUsers returns nil if inst's cluster has SASL users, and ESASLDISABLED
// if not.
func (e *kadmin) SASLUsers(inst *dmsd.Instance) error {
	if !e.hasSASL(inst) {
		return errSASLDisabled()
	}
	return nil
}

// ScramLogin returns nil if SCRAM-SHA-512 users can log in to inst's
// cluster, and EINVALID if its mechanisms do not include SCRAM-SHA-512.
func (e *kadmin) ScramLogin(inst *dmsd.Instance) error {
	if !e.scram(inst) {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: users log in with SCRAM-SHA-512, which this instance's sasl_enabled_mechanisms do not include.")
	}
	return nil
}
