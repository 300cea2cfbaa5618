package dmsd

import "unicode/utf8"

// InstanceUpdate is a change of an instance's information; nil fields stay
// as they are.
type InstanceUpdate struct {
	Name            *string
	Description     *string
	MaintainBegin   *string
	MaintainEnd     *string
	RetentionPolicy *string
	// SecurityGroupID is recorded only, as at creation: the brokers listen
	// on 127.0.0.1 and no security group filters what reaches them.
	SecurityGroupID *string
}

// Apply validates u against inst as creation would and returns the instance
// with u's fields applied (inst itself is not changed).
func (u *InstanceUpdate) Apply(inst *Instance) (*Instance, error) {
	out := *inst
	if u.Name != nil {
		out.Name = *u.Name
	}
	if u.Description != nil {
		out.Description = *u.Description
	}
	if u.MaintainBegin != nil || u.MaintainEnd != nil {
		if u.MaintainBegin == nil || u.MaintainEnd == nil {
			return nil, Errorf(EINVALIDWINDOW, "Invalid maintenance time window: maintain_begin and maintain_end go together.")
		}
		out.MaintainBegin, out.MaintainEnd = *u.MaintainBegin, *u.MaintainEnd
	}
	if u.RetentionPolicy != nil {
		out.RetentionPolicy = *u.RetentionPolicy
	}
	if u.SecurityGroupID != nil {
		out.SecurityGroupID = *u.SecurityGroupID // Validate refuses an empty one
	}
	if !instanceNamePattern.MatchString(out.Name) {
		return nil, Errorf(EINVALIDNAME, "Invalid instance name. The name must be 4 to 64 characters long, start with a letter and contain only letters, digits, underscores (_), and hyphens (-).")
	}
	if utf8.RuneCountInString(out.Description) > 1024 {
		return nil, Errorf(EINVALIDDESC, "The instance description can contain a maximum of 1024 characters.")
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return &out, nil
}
