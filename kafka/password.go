package kafka

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/dmsd/dmsd"
)

var _ dmsd.AccessPasswordResetter = (*Embedded)(nil)

// scramIterations is kfake's count of SCRAM iterations, which a credential
// dmsd writes for it uses too.
const scramIterations = 4096

// ResetAccessPassword stops inst's cluster and gives its access user the
// password password, for the caller to start the cluster with the
// instance's new password. kfake takes its superusers only at start, and a
// restart replaces them with the credentials it persisted, so the password
// goes where kfake keeps them: the data directory's sasl.json, the PLAIN
// password and the SCRAM-SHA-512 credential alike, computed here. Nothing
// of it needs the current password or a running cluster, so running it
// again, after an interruption anywhere, ends the same. It returns the
// errors of the file.
func (e *Embedded) ResetAccessPassword(_ context.Context, inst *dmsd.Instance, password string) error {
	if err := checkID(inst.ID); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopLocked(inst.ID) // kfake writes its credentials as it stops.
	return setPersistedAccess(filepath.Join(e.instanceDir(inst.ID), "sasl.json"), inst, password)
}

// syncAccessPassword makes the access user's credentials that kfake
// persisted for inst agree with inst.AccessPassword before its cluster
// starts: the record is the truth, so a password reset interrupted after the
// record changed and before the files did is completed here.
func (e *Embedded) syncAccessPassword(inst *dmsd.Instance) error {
	if !inst.SASLEnabled() || inst.AccessUser == "" || inst.AccessPassword == "" {
		return nil
	}
	return setPersistedAccess(filepath.Join(e.instanceDir(inst.ID), "sasl.json"), inst, inst.AccessPassword)
}

// setPersistedAccess sets the access user's password in kfake's persisted
// SASL state at path, for the mechanisms inst has, keeping every other field
// as kfake wrote it; a SCRAM credential that already holds password is kept
// as it is, and a file that needs no change is not written. A missing file
// is not an error: the next start then seeds the superuser from its options.
func setPersistedAccess(path string, inst *dmsd.Instance, password string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(data, &state); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	changed := false
	if slices.Contains(inst.SASLMechanisms, dmsd.MechanismPlain) {
		plain := map[string]string{}
		if err := unmarshalField(state, "plain", &plain); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if plain[inst.AccessUser] != password {
			plain[inst.AccessUser], changed = password, true
			if state["plain"], err = json.Marshal(plain); err != nil {
				return err
			}
		}
	}
	if slices.Contains(inst.SASLMechanisms, dmsd.MechanismScramSHA512) {
		creds := map[string]scramCredential{}
		if err := unmarshalField(state, "scram512", &creds); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if c, ok := creds[inst.AccessUser]; !ok || !c.holds(password) {
			if creds[inst.AccessUser], err = newScramCredential(password); err != nil {
				return err
			}
			changed = true
			if state["scram512"], err = json.Marshal(creds); err != nil {
				return err
			}
		}
	}
	if !changed {
		return nil
	}
	out, err := json.Marshal(state)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func unmarshalField(state map[string]json.RawMessage, name string, v any) error {
	raw, ok := state[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// scramCredential is a SCRAM-SHA-512 credential as kfake persists it.
type scramCredential struct {
	Mechanism  string `json:"mechanism"`
	Salt       []byte `json:"salt"`
	SaltedPass []byte `json:"salted_pass"`
	Iterations int    `json:"iterations"`
}

func newScramCredential(password string) (scramCredential, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	salted, err := pbkdf2.Key(sha512.New, password, salt, scramIterations, sha512.Size)
	return scramCredential{Mechanism: dmsd.MechanismScramSHA512, Salt: salt, SaltedPass: salted, Iterations: scramIterations}, err
}

// holds reports whether the credential is password's.
func (c scramCredential) holds(password string) bool {
	if c.Mechanism != dmsd.MechanismScramSHA512 || c.Iterations <= 0 || len(c.Salt) == 0 {
		return false
	}
	salted, err := pbkdf2.Key(sha512.New, password, c.Salt, c.Iterations, sha512.Size)
	return err == nil && bytes.Equal(salted, c.SaltedPass)
}
