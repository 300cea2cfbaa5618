package dmsd

import (
	"errors"
	"strings"
)

// SealedPrefix starts every secret a SecretBox sealed. A stored secret
// without it was written before secrets were sealed, and is read as it is.
const SealedPrefix = "dmsd-sealed:"

// IsSealed reports whether a stored secret was sealed by a SecretBox.
func IsSealed(s string) bool { return strings.HasPrefix(s, SealedPrefix) }

// SecretBox seals the secrets the stores keep (the passwords of instances'
// access users and of external clusters) with a key kept apart from the
// database, so that a copy of the database, or a backup, does not carry them
// in the clear.
type SecretBox interface {
	// Seal returns plaintext sealed, as a string that starts with
	// SealedPrefix. It returns an error only if no randomness is available.
	Seal(plaintext string) (string, error)
	// Open returns the plaintext of a sealed string, and a string that is
	// not sealed as it is. It returns an error if the string was sealed
	// with another key or altered.
	Open(stored string) (string, error)
	// KeyID names the key without revealing it, so that replicas sharing a
	// database can check that they use the same one.
	KeyID() string
}

// SecretsOf returns pointers to the secrets of inst (the ones a SecretBox
// seals), which must be a copy the caller may change.
func SecretsOf(inst *Instance) []*string {
	out := []*string{&inst.AccessPassword}
	if inst.External != nil {
		out = append(out, &inst.External.Password)
	}
	return out
}

// OpenSecrets opens, in place, the sealed secrets of inst as a store read
// it; secrets stored in the clear by an older dmsd stay as they are. It
// returns an error for a sealed secret that box cannot open (another key,
// altered) or that there is no box for.
func OpenSecrets(inst *Instance, box SecretBox) error {
	for _, s := range SecretsOf(inst) {
		if !IsSealed(*s) {
			continue
		}
		if box == nil {
			return errors.New("instance " + inst.ID + ": its secrets are sealed and no secret key is configured")
		}
		plain, err := box.Open(*s)
		if err != nil {
			return errors.New("instance " + inst.ID + ": " + err.Error())
		}
		*s = plain
	}
	return nil
}
