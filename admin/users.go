package admin

import (
	"context"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/dmsd/dmsd"
)

// ListUsers returns the SASL users of a RUNNING SASL instance.
func (s *Service) ListUsers(ctx context.Context, actor dmsd.Actor, instanceID string) ([]dmsd.User, error) {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return nil, err
	}
	return c.ListUsers(ctx, inst)
}

// CreateUser validates the user's name and password and adds it as a
// SCRAM-SHA-512 user of the cluster, at once: the reference answers it with
// 204 and no task.
func (s *Service) CreateUser(ctx context.Context, actor dmsd.Actor, instanceID string, user dmsd.User, password string) error {
	if err := dmsd.ValidateUserName(user.Name); err != nil {
		return err
	}
	if err := dmsd.ValidatePassword(user.Name, password); err != nil {
		return err
	}
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return err
	}
	if err := c.ScramLogin(inst); err != nil {
		return err
	}
	err = answerReplay(ctx, func() error {
		if existing, err := existingUsers(ctx, c, inst, user.Name); err != nil {
			return err
		} else if len(existing) > 0 {
			return dmsd.Errorf(dmsd.EUSEREXISTS, "The user %s already exists.", user.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	user.CreatedAt = dmsd.Now()
	if err := c.CreateUser(ctx, inst, user, password); err != nil {
		return err
	}
	return s.updateNotes(ctx, inst, func(notes map[string]dmsd.UserNote) {
		notes[user.Name] = dmsd.UserNote{Description: user.Description, CreatedAt: user.CreatedAt}
	})
}

// ResetUserPassword validates the password and replaces the user's SCRAM
// credential at once.
func (s *Service) ResetUserPassword(ctx context.Context, actor dmsd.Actor, instanceID, name, password string) error {
	if err := dmsd.ValidatePassword(name, password); err != nil {
		return err
	}
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return err
	}
	if name == inst.AccessUser {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the access user's password cannot be reset here.")
	}
	err = answerReplay(ctx, func() error {
		if existing, err := existingUsers(ctx, c, inst, name); err != nil {
			return err
		} else if len(existing) == 0 || existing[0].Default {
			return dmsd.Errorf(dmsd.EUSERNOTFOUND, "The user %s does not exist.", name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.ResetUserPassword(ctx, inst, name, password)
}

// DeleteUsers deletes users and their ACLs at once. The access user cannot
// be deleted.
func (s *Service) DeleteUsers(ctx context.Context, actor dmsd.Actor, instanceID string, names []string) error {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return err
	}
	if slices.Contains(names, inst.AccessUser) {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the access user %s cannot be deleted.", inst.AccessUser)
	}
	if dmsd.Replayed(ctx) {
		// Users that do not exist are skipped: a replay that finds none of
		// them is answered as any request is and changes nothing; one that
		// would delete a user is refused.
		if existing, err := existingUsers(ctx, c, inst, names...); err != nil {
			return err
		} else if len(existing) > 0 {
			return dmsd.CheckNotReplayed(ctx)
		}
		return nil
	}
	if err := c.DeleteUsers(ctx, inst, names); err != nil {
		return err
	}
	return s.updateNotes(ctx, inst, func(notes map[string]dmsd.UserNote) {
		for _, n := range names {
			delete(notes, n)
		}
	})
}

// TopicPolicies returns every user's policy on a topic of a RUNNING SASL
// instance.
func (s *Service) TopicPolicies(ctx context.Context, actor dmsd.Actor, instanceID, topic string) ([]dmsd.UserPolicy, error) {
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return nil, err
	}
	ok, err := c.TopicExists(ctx, inst, topic)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, dmsd.Errorf(dmsd.ENOTOPIC, "The topic %s does not exist.", topic)
	}
	return c.TopicPolicies(ctx, inst, topic)
}

// UpdateUser changes a user's description and/or password at once, as the
// reference answers it with 204 and no task. The password is checked, and
// the user's existence, before anything changes.
func (s *Service) UpdateUser(ctx context.Context, actor dmsd.Actor, instanceID, name string, description, password *string) error {
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
	inst, c, err := s.RunningInstance(ctx, actor, instanceID, true)
	if err != nil {
		return err
	}
	if name == inst.AccessUser {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the access user cannot be changed here.")
	}
	users, err := c.ListUsers(ctx, inst)
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
		err := s.updateNotes(ctx, inst, func(notes map[string]dmsd.UserNote) {
			note := notes[name]
			note.Description = *description
			notes[name] = note
		})
		if err != nil {
			return err
		}
	}
	if password != nil {
		return c.ResetUserPassword(ctx, inst, name, *password)
	}
	return nil
}

// updateNotes applies change to the instance's user notes and saves them
// when they change, and nothing else of the record, so that what a task
// saved meanwhile is kept.
func (s *Service) updateNotes(ctx context.Context, inst *dmsd.Instance, change func(map[string]dmsd.UserNote)) error {
	return s.store.ModifyInstance(ctx, inst.ProjectID, inst.ID, func(fresh *dmsd.Instance) error {
		notes := maps.Clone(fresh.UserNotes)
		if notes == nil {
			notes = map[string]dmsd.UserNote{}
		}
		change(notes)
		if maps.Equal(notes, fresh.UserNotes) || (len(notes) == 0 && len(fresh.UserNotes) == 0) {
			return dmsd.ErrUnchanged
		}
		fresh.UserNotes = notes
		return nil
	})
}
