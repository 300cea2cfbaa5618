package engine

import (
	"context"

	"github.com/dmsd/dmsd"
)

// Quota sets the quota of every project: creates and broker extensions
// past it are refused (default: none).
func Quota(q dmsd.Quota) Option { return func(e *Engine) { e.quota = &q } }

// Addresses sets where external instances may point. Without it every
// external instance is refused.
func Addresses(p *dmsd.AddressPolicy) Option { return func(e *Engine) { e.addresses = p } }

// checkExternalAddresses returns EADDRREFUSED unless every bootstrap server
// of x is an address that external instances may have.
func (e *Engine) checkExternalAddresses(ctx context.Context, x *dmsd.ExternalCluster) error {
	for _, s := range x.BootstrapServers {
		if _, err := e.addresses.Check(ctx, s); err != nil {
			e.logger.Debug("external bootstrap server refused", "server", s, "error", err)
			return err
		}
	}
	return nil
}
