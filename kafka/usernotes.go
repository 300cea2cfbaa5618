package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dmsd/dmsd"
)

// legacyUserInfo is an entry of the users.json file in which earlier
// versions kept, per instance and on the replica that served the request,
// what Kafka does not keep about a user.
type legacyUserInfo struct {
	Description string `json:"description,omitempty"`
	CreatedMs   int64  `json:"created_ms"`
}

// ImportUserNotes moves the users.json files of earlier versions below the
// data directory into the instance records (dmsd.Instance.UserNotes), once:
// a note the record already has wins, and each file imported is renamed
// users.json.imported, so that a user deleted since is not brought back. It
// returns the store's errors and those of unreadable files, having tried
// every instance.
func (e *kadmin) ImportUserNotes(ctx context.Context, store dmsd.InstanceStore) error {
	instances, err := store.ListAllInstances(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, inst := range instances {
		if err := e.importUserNotes(ctx, store, inst); err != nil {
			errs = append(errs, fmt.Errorf("import user notes of %s: %w", inst.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (e *kadmin) importUserNotes(ctx context.Context, store dmsd.InstanceStore, inst *dmsd.Instance) error {
	if checkID(inst.ID) != nil {
		return nil
	}
	path := filepath.Join(e.instanceDir(inst.ID), "users.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	var infos map[string]legacyUserInfo
	if err := json.Unmarshal(b, &infos); err != nil {
		return err
	}
	changed := false
	for name, info := range infos {
		if _, ok := inst.UserNotes[name]; ok {
			continue
		}
		if inst.UserNotes == nil {
			inst.UserNotes = map[string]dmsd.UserNote{}
		}
		inst.UserNotes[name] = dmsd.UserNote{Description: info.Description, CreatedAt: time.UnixMilli(info.CreatedMs).UTC()}
		changed = true
	}
	if changed {
		if err := store.UpdateInstance(ctx, inst); err != nil {
			return err
		}
	}
	return os.Rename(path, path+".imported")
}
