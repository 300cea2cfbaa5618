package dmsd

import "context"

// UserDescriber keeps the descriptions of a cluster's users. Admin
// includes it.
type UserDescriber interface {
	// SetUserDescription replaces a user's description. Returns
	// EUSERNOTFOUND if the user does not exist or is the access user.
	SetUserDescription(ctx context.Context, inst *Instance, name, description string) error
}

// MaxUserDescription is the longest user description, in characters, the
// API accepts.
const MaxUserDescription = 200
