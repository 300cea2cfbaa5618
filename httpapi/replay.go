package httpapi

import (
	"context"

	"github.com/dmsd/dmsd"
)

// spendSignature records the signature of a mutating request as spent, in
// the request log every replica shares, and returns ctx unchanged if it was
// fresh, or marked with dmsd.WithReplay if it was already spent: the request
// is then answered as the service would answer it, but applies no effect.
// The record is one atomic insert on a unique key, so of identical requests
// sent at once exactly one is fresh. It returns the store's error if the
// signature cannot be recorded.
func (s *Server) spendSignature(ctx context.Context, signature string) (context.Context, error) {
	// A signature verifies only within the skew on either side of its date.
	err := s.store.RememberRequest(ctx, signature, s.now().Add(2*maxSkew))
	switch {
	case dmsd.ErrorCode(err) == dmsd.EREPLAYED:
		return dmsd.WithReplay(ctx), nil
	case err != nil:
		return ctx, err
	}
	return ctx, nil
}
