package engine

import "github.com/dmsd/dmsd"

// Quota sets the quota of every project: creates and broker extensions
// past it are refused (default: none).
func Quota(q dmsd.Quota) Option { return func(e *Engine) { e.quota = &q } }
