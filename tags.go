package dmsd

import (
	"context"
	"slices"
	"strings"
)

// Tag actions of BatchCreateOrDeleteKafkaTag.
const (
	TagCreate = "create"
	TagDelete = "delete"
)

// ChangeTags returns tags after action: TagCreate adds each of change, a
// key the instance has taking the new value; TagDelete removes each key of
// change (whatever its value). It returns ETAGACTION for another action and
// the validation errors of instance tags (EINVALID: an empty or too long key
// or value, a key given twice, more than MaxTags tags in the end).
func ChangeTags(tags []Tag, action string, change []Tag) ([]Tag, error) {
	if action != TagCreate && action != TagDelete {
		return nil, Errorf(ETAGACTION, "You can only create or delete tags: action must be create or delete.")
	}
	if err := validateTagChange(change); err != nil {
		return nil, err
	}
	out := slices.Clone(tags)
	for _, c := range change {
		i := slices.IndexFunc(out, func(t Tag) bool { return t.Key == c.Key })
		switch {
		case action == TagDelete && i >= 0:
			out = slices.Delete(out, i, i+1)
		case action == TagCreate && i >= 0:
			out[i].Value = c.Value
		case action == TagCreate:
			out = append(out, c)
		}
	}
	if err := validateTags(out); err != nil {
		return nil, err
	}
	return out, nil
}

// validateTagChange returns EINVALID if change holds a tag that no instance
// may have, or none, or a key twice.
func validateTagChange(change []Tag) error {
	if len(change) == 0 {
		return Errorf(EINVALID, "Invalid request parameter: tags cannot be empty.")
	}
	for _, t := range change {
		if strings.TrimSpace(t.Key) != t.Key || strings.TrimSpace(t.Value) != t.Value {
			return Errorf(EINVALID, "Invalid request parameter: a tag key or value cannot start or end with a space.")
		}
	}
	// The same checks as at creation, but not the count: a change may
	// delete what it names.
	seen := map[string]bool{}
	for _, t := range change {
		if err := validateTags([]Tag{t}); err != nil {
			return err
		}
		if seen[t.Key] {
			return Errorf(EINVALID, "Invalid request parameter: tag key %s is given twice.", truncateString(t.Key))
		}
		seen[t.Key] = true
	}
	return nil
}

// TagValues is a tag key and the values the project's instances give it.
type TagValues struct {
	Key    string
	Values []string
}

// ProjectTags returns the keys of the instances' tags, sorted, each with its
// distinct values, sorted.
func ProjectTags(instances []*Instance) []TagValues {
	byKey := map[string][]string{}
	for _, inst := range instances {
		for _, t := range inst.Tags {
			if !slices.Contains(byKey[t.Key], t.Value) {
				byKey[t.Key] = append(byKey[t.Key], t.Value)
			}
		}
	}
	out := make([]TagValues, 0, len(byKey))
	for k, vs := range byKey {
		slices.Sort(vs)
		out = append(out, TagValues{Key: k, Values: vs})
	}
	slices.SortFunc(out, func(a, b TagValues) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// TagService changes and reads instances' tags.
type TagService interface {
	// ChangeTags applies ChangeTags to the instance's tags at once.
	// Returns ChangeTags's errors, EINSTANCENOTFOUND, EREPLAYED and the
	// store's errors.
	ChangeTags(ctx context.Context, actor Actor, instanceID, action string, tags []Tag) error
	// ProjectTags returns the tags of the project's instances
	// (ProjectTags). Returns the store's errors.
	ProjectTags(ctx context.Context, actor Actor) ([]TagValues, error)
}
