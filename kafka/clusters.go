package kafka

import (
	"context"
	"errors"

	"github.com/dmsd/dmsd"
)

// Ensure Clusters implements dmsd.Clusters.
var _ dmsd.Clusters = (*Clusters)(nil)

// Clusters is the dmsd.Clusters that dmsd runs: Embedded for the instances
// whose brokers it runs, External for those that stand for an existing
// cluster. It is the one place that tells them apart.
type Clusters struct {
	Embedded *Embedded
	External *External
}

// For returns the External for an instance that stands for an external
// cluster and the Embedded for any other. It never fails.
func (c *Clusters) For(inst *dmsd.Instance) (dmsd.Cluster, error) {
	if inst.External != nil {
		return c.External, nil
	}
	return c.Embedded, nil
}

// Close stops every embedded cluster, keeping their data; external clusters
// hold nothing open between calls.
func (c *Clusters) Close() error {
	return errors.Join(c.External.Close(), c.Embedded.Close())
}

// ImportUserNotes moves the users.json files of earlier versions, of both
// embedded and external instances, into the instance records (see
// Embedded.ImportUserNotes). It returns the errors of both, having tried
// both.
func (c *Clusters) ImportUserNotes(ctx context.Context, store dmsd.InstanceStore) error {
	return errors.Join(c.Embedded.ImportUserNotes(ctx, store), c.External.ImportUserNotes(ctx, store))
}
