package kafka

import (
	"context"
	"fmt"

	"github.com/dmsd/dmsd"
)

// SetUserDescription replaces the description dmsd keeps for a SCRAM user of
// the cluster. It returns EUSERNOTFOUND if the cluster has no such user or it
// is the access user.
func (e *kadmin) SetUserDescription(ctx context.Context, inst *dmsd.Instance, name, description string) error {
	adm, done, err := e.saslAdmin(inst)
	if err != nil {
		return err
	}
	defer done()
	users, err := scramUsers(ctx, adm)
	if err != nil {
		return fmt.Errorf("update user on %s: %w", inst.ID, err)
	}
	if !users[name] || name == e.accessUser(inst) {
		return dmsd.Errorf(dmsd.EUSERNOTFOUND, "The user %s does not exist.", name)
	}
	userFiles.Lock()
	defer userFiles.Unlock()
	infos, err := e.readUserInfos(inst.ID)
	if err != nil {
		return err
	}
	info := infos[name]
	info.Description = description
	infos[name] = info
	return e.writeUserInfos(inst.ID, infos)
}
