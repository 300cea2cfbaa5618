package dmsd

import (
	"encoding/json"
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

// secretsOf returns pointers to the secrets of inst, which must be a copy
// the caller may change.
func secretsOf(inst *Instance) []*string {
	out := []*string{&inst.AccessPassword}
	if inst.External != nil {
		out = append(out, &inst.External.Password)
	}
	return out
}

// EncodeInstance returns inst as the stores keep it: JSON with its secrets
// sealed by box (in the clear when box is nil, for tests of a store alone);
// secrets already sealed stay as they are. inst is not changed. It returns an
// error if sealing fails.
func EncodeInstance(inst *Instance, box SecretBox) ([]byte, error) {
	if box == nil {
		return json.Marshal(inst)
	}
	c := *inst
	if inst.External != nil {
		x := *inst.External
		c.External = &x
	}
	for _, s := range secretsOf(&c) {
		if *s == "" || IsSealed(*s) {
			continue
		}
		sealed, err := box.Seal(*s)
		if err != nil {
			return nil, err
		}
		*s = sealed
	}
	return json.Marshal(&c)
}

// OpenSecrets opens, in place, the sealed secrets of inst as a store read
// it; secrets stored in the clear by an older dmsd stay as they are. It
// returns an error for a sealed secret that box cannot open (another key,
// altered) or that there is no box for.
func OpenSecrets(inst *Instance, box SecretBox) error {
	for _, s := range secretsOf(inst) {
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

// ResealInstance returns data, as stored, re-encoded with its secrets sealed
// by box, and whether that changes anything: false when no secret is stored
// in the clear (or box is nil). It returns an error for malformed data or a
// failed seal.
func ResealInstance(data []byte, box SecretBox) ([]byte, bool, error) {
	var raw Instance
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, false, err
	}
	clear := false
	for _, s := range secretsOf(&raw) {
		clear = clear || (*s != "" && !IsSealed(*s))
	}
	if !clear || box == nil {
		return data, false, nil
	}
	// Secrets already sealed stay as they are; EncodeInstance seals the rest.
	out, err := EncodeInstance(&raw, box)
	return out, err == nil, err
}
