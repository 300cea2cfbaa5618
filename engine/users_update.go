package engine

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/dmsd/dmsd"
)

// UpdateUser changes a user's description and/or password at once, as the
// reference answers it with 204 and no task. The password is checked, and
// the user's existence, before anything changes.
func (e *Engine) UpdateUser(ctx context.Context, actor dmsd.Actor, instanceID, name string, description, password *string) error {
	switch {
	case description == nil && password == nil:
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: give user_desc or new_password.")
	case description != nil && utf8.RuneCountInString(*description) > dmsd.MaxUserDescription:
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: user_desc can contain a maximum of %d characters.", dmsd.MaxUserDescription)
	}
	if password != nil {
		if err := dmsd.ValidatePassword(name, *password); err != nil {
			return err
		}
	}
	inst, err := e.runningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return err
	}
	if name == inst.AccessUser {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the access user cannot be changed here.")
	}
	users, err := e.clusters.ListUsers(ctx, inst)
	if err != nil {
		return err
	}
	found := false
	for _, u := range users {
		found = found || (u.Name == name && !u.Default)
	}
	if !found {
		return dmsd.Errorf(dmsd.EUSERNOTFOUND, "The user %s does not exist.", name)
	}
	if description != nil {
		d, ok := e.clusters.(dmsd.UserDescriber)
		if !ok {
			return errors.New("the cluster service keeps no user descriptions")
		}
		if err := d.SetUserDescription(ctx, inst, name, *description); err != nil {
			return err
		}
	}
	if password != nil {
		return e.clusters.ResetUserPassword(ctx, inst, name, *password)
	}
	return nil
}
