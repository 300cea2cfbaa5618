package engine

import (
	"context"
	"time"

	"github.com/dmsd/dmsd"
)

// Quota sets the quota of every project: creates and broker extensions
// past it are refused (default: none).
func Quota(q dmsd.Quota) Option { return func(e *Engine) { e.quota = &q } }

// Addresses sets where external instances may point. Without it every
// external instance is refused.
func Addresses(p *dmsd.AddressPolicy) Option { return func(e *Engine) { e.addresses = p } }

// checkTimeout bounds the check of an external instance's bootstrap
// servers at create time.
const checkTimeout = 5 * time.Second

// checkExternalAddresses returns EADDRREFUSED unless every bootstrap server
// of x is an address that external instances may have.
func (e *Engine) checkExternalAddresses(ctx context.Context, x *dmsd.ExternalCluster) error {
	// One budget for all the look-ups, so that a create request never
	// waits long on slow names.
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	for _, s := range x.BootstrapServers {
		if _, err := e.addresses.Check(ctx, s); err != nil {
			e.logger.Debug("external bootstrap server refused", "server", s, "error", err)
			return err
		}
	}
	return nil
}
