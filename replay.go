package dmsd

import "context"

// A signed mutating request (POST, PUT, DELETE) takes effect at most once.
// Its signature is spent when the request is first received, whatever the
// answer; the HTTP layer records it atomically in the shared request log
// (RequestLog), so that of two identical requests, on any replica, exactly
// one finds it fresh. The official SDK signs to the second and sends no
// nonce, so a legitimate repeat within a second carries the same signature
// as a replay: a request whose signature is spent is therefore answered as
// the service would answer it at that moment when that answer changes
// nothing (the topic exists, a task is running, the record is gone), and
// refused with EREPLAYED where it would change something.

type replayKey struct{}

// WithReplay returns a copy of ctx that marks the request it serves as one
// whose signature was already spent. Operations run with it refuse to apply
// any effect (CheckNotReplayed).
func WithReplay(ctx context.Context) context.Context {
	return context.WithValue(ctx, replayKey{}, true)
}

// Replayed reports whether ctx serves a request whose signature was already
// spent (WithReplay).
func Replayed(ctx context.Context) bool {
	replayed, _ := ctx.Value(replayKey{}).(bool)
	return replayed
}

// CheckNotReplayed returns EREPLAYED if ctx serves a request whose signature
// was already spent, and nil otherwise. An operation calls it where it
// applies its effect, after all of its own validation and refusals, and
// inside the transaction that applies it, so that the service's own answer
// wins whenever it changes nothing.
func CheckNotReplayed(ctx context.Context) error {
	if Replayed(ctx) {
		return Errorf(EREPLAYED, "This signed request was already received once; sent again, it would change something. Sign every request anew.")
	}
	return nil
}
