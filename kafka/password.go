package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/dmsd/dmsd"
)

var _ dmsd.AccessPasswordResetter = (*Embedded)(nil)

// ResetAccessPassword gives the access user of inst's running cluster the
// password password and leaves the cluster stopped, for the caller to start
// with the instance's new password. kfake takes its superusers only at
// start, and a restart replaces them with the credentials it persisted, so
// the new password goes where kfake keeps it: the SCRAM-SHA-512 credential
// through AlterUserScramCredentials while the cluster runs (inst holds the
// current password), the PLAIN one in the data directory's sasl.json once
// it is stopped. It returns the errors of the connection, the alteration and
// the file.
func (e *Embedded) ResetAccessPassword(ctx context.Context, inst *dmsd.Instance, password string) error {
	if slices.Contains(inst.SASLMechanisms, dmsd.MechanismScramSHA512) {
		adm, done, err := e.admin(inst)
		if err != nil {
			return err
		}
		err = upsertSCRAM(ctx, adm, inst.AccessUser, password)
		done()
		if err != nil {
			return err
		}
	}
	if err := e.StopCluster(ctx, inst.ID); err != nil {
		return err
	}
	if !slices.Contains(inst.SASLMechanisms, dmsd.MechanismPlain) {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return setPersistedPlain(filepath.Join(e.instanceDir(inst.ID), "sasl.json"), inst.AccessUser, password)
}

// setPersistedPlain sets user's PLAIN password in kfake's persisted SASL
// state at path, keeping every other field as kfake wrote it. A missing file
// is not an error: the next start then seeds the superuser from its options.
func setPersistedPlain(path, user, password string) error {
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
	plain := map[string]string{}
	if raw, ok := state["plain"]; ok {
		if err := json.Unmarshal(raw, &plain); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
	plain[user] = password
	if state["plain"], err = json.Marshal(plain); err != nil {
		return err
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
