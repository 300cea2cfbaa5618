package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/dmsd/dmsd"
)

// saslOpts returns the kfake options of a SASL instance: SASL required on
// every connection, ACLs enforced, and the access user a superuser under
// each of the instance's mechanisms. kfake persists its SASL users and ACLs
// in the data directory; on a restart the persisted credentials replace the
// seeded ones, so users created through the API survive.
func saslOpts(inst *dmsd.Instance) []kfake.Opt {
	if !inst.SASLEnabled() {
		return nil
	}
	opts := []kfake.Opt{kfake.EnableSASL(), kfake.EnableACLs()}
	for _, m := range inst.SASLMechanisms {
		opts = append(opts, kfake.Superuser(m, inst.AccessUser, inst.AccessPassword))
	}
	return opts
}

// clientSASL returns the client options that log in as the instance's access
// user, with SCRAM-SHA-512 when the instance enables it and PLAIN otherwise.
func clientSASL(inst *dmsd.Instance) []kgo.Opt {
	if !inst.SASLEnabled() {
		return nil
	}
	if slices.Contains(inst.SASLMechanisms, dmsd.MechanismScramSHA512) {
		return []kgo.Opt{kgo.SASL(scram.Auth{User: inst.AccessUser, Pass: inst.AccessPassword}.AsSha512Mechanism())}
	}
	return []kgo.Opt{kgo.SASL(plain.Auth{User: inst.AccessUser, Pass: inst.AccessPassword}.AsMechanism())}
}

// saslAdmin is admin for the operations that exist only on SASL instances:
// it returns ESASLDISABLED on any other.
func (e *kadmin) saslAdmin(inst *dmsd.Instance) (*kadm.Client, func(), error) {
	if !e.hasSASL(inst) {
		return nil, nil, errSASLDisabled()
	}
	return e.admin(inst)
}

func errSASLDisabled() error {
	return dmsd.Errorf(dmsd.ESASLDISABLED, "SASL is not enabled for this instance: users and topic permissions require an instance created with access_user.")
}

// scramUsers returns the users that have a SCRAM-SHA-512 credential.
func scramUsers(ctx context.Context, adm *kadm.Client) (map[string]bool, error) {
	described, err := adm.DescribeUserSCRAMs(ctx)
	if err != nil {
		return nil, err
	}
	users := map[string]bool{}
	for name, d := range described {
		if d.Err != nil {
			continue
		}
		for _, c := range d.CredInfos {
			if c.Mechanism == kadm.ScramSha512 {
				users[name] = true
			}
		}
	}
	return users, nil
}

// ListUsers returns the access user and every SCRAM-SHA-512 user of the
// cluster, with the descriptions and creation times of inst.UserNotes (the
// Unix epoch for a user without one).
func (e *kadmin) ListUsers(ctx context.Context, inst *dmsd.Instance) ([]dmsd.User, error) {
	adm, done, err := e.saslAdmin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	users, err := scramUsers(ctx, adm)
	if err != nil {
		return nil, fmt.Errorf("list users of %s: %w", inst.ID, err)
	}
	out := []dmsd.User{{Name: e.accessUser(inst), Default: true, CreatedAt: inst.CreatedAt}}
	names := make([]string, 0, len(users))
	for name := range users {
		if name != e.accessUser(inst) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		note, created := inst.UserNotes[name], time.UnixMilli(0).UTC()
		if !note.CreatedAt.IsZero() {
			created = note.CreatedAt
		}
		out = append(out, dmsd.User{Name: name, Description: note.Description, CreatedAt: created})
	}
	return out, nil
}

// CreateUser adds a SCRAM-SHA-512 credential for the user (the caller
// records its dmsd.UserNote). It returns EUSEREXISTS if the user already has one or is the
// access user.
func (e *kadmin) CreateUser(ctx context.Context, inst *dmsd.Instance, user dmsd.User, password string) error {
	adm, done, err := e.saslAdmin(inst)
	if err != nil {
		return err
	}
	defer done()
	users, err := scramUsers(ctx, adm)
	if err != nil {
		return fmt.Errorf("create user on %s: %w", inst.ID, err)
	}
	if users[user.Name] || user.Name == e.accessUser(inst) {
		return dmsd.Errorf(dmsd.EUSEREXISTS, "The user %s already exists.", user.Name)
	}
	return upsertSCRAM(ctx, adm, user.Name, password)
}

func upsertSCRAM(ctx context.Context, adm *kadm.Client, name, password string) error {
	res, err := adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: name, Mechanism: kadm.ScramSha512, Iterations: 4096, Password: password}})
	if err == nil {
		err = res.Error()
	}
	if err != nil {
		return fmt.Errorf("set SCRAM credential of %s: %w", name, err)
	}
	return nil
}

// ResetUserPassword replaces the user's SCRAM-SHA-512 credential. It returns
// EUSERNOTFOUND if the user has none; the access user's password is not
// changed here.
func (e *kadmin) ResetUserPassword(ctx context.Context, inst *dmsd.Instance, name, password string) error {
	adm, done, err := e.saslAdmin(inst)
	if err != nil {
		return err
	}
	defer done()
	users, err := scramUsers(ctx, adm)
	if err != nil {
		return fmt.Errorf("reset password on %s: %w", inst.ID, err)
	}
	if !users[name] || name == e.accessUser(inst) {
		return dmsd.Errorf(dmsd.EUSERNOTFOUND, "The user %s does not exist.", name)
	}
	return upsertSCRAM(ctx, adm, name, password)
}

// DeleteUsers deletes the users' SCRAM-SHA-512 credentials and every ACL of
// theirs. Users that do not exist are skipped, so a repeated call does
// nothing more.
func (e *kadmin) DeleteUsers(ctx context.Context, inst *dmsd.Instance, names []string) error {
	adm, done, err := e.saslAdmin(inst)
	if err != nil {
		return err
	}
	defer done()
	users, err := scramUsers(ctx, adm)
	if err != nil {
		return fmt.Errorf("delete users on %s: %w", inst.ID, err)
	}
	var del []kadm.DeleteSCRAM
	var principals []string
	for _, name := range names {
		if name == e.accessUser(inst) {
			continue
		}
		principals = append(principals, "User:"+name)
		if users[name] {
			del = append(del, kadm.DeleteSCRAM{User: name, Mechanism: kadm.ScramSha512})
		}
	}
	if len(principals) > 0 {
		b := kadm.NewACLs().AnyResource().ResourcePatternType(kadm.ACLPatternAny).
			Allow(principals...).Deny(principals...).AllowHosts().DenyHosts().Operations(kadm.OpAny)
		res, err := adm.DeleteACLs(ctx, b)
		if err == nil {
			for _, r := range res {
				if r.Err != nil {
					err = r.Err
				}
			}
		}
		if err != nil {
			return fmt.Errorf("delete ACLs of users on %s: %w", inst.ID, err)
		}
	}
	if len(del) > 0 {
		res, err := adm.AlterUserSCRAMs(ctx, del, nil)
		if err == nil {
			err = res.Error()
		}
		if err != nil {
			return fmt.Errorf("delete users on %s: %w", inst.ID, err)
		}
	}
	return nil
}

// policyOps are the topic operations each policy allows.
var policyOps = map[string][]kadm.ACLOperation{
	dmsd.PolicyPub: {kadm.OpWrite, kadm.OpDescribe},
	dmsd.PolicySub: {kadm.OpRead, kadm.OpDescribe},
	dmsd.PolicyAll: {kadm.OpWrite, kadm.OpRead, kadm.OpDescribe},
}

// SetTopicPolicies replaces each listed user's literal ACLs on the topic with
// ALLOW ACLs for its policy's operations; a user with sub or all also gets
// READ on every consumer group (the group "*"), which consumers need to
// commit offsets. A user with an empty policy is left with no ACL on the
// topic. Running it again yields the same ACLs.
func (e *kadmin) SetTopicPolicies(ctx context.Context, inst *dmsd.Instance, p dmsd.TopicPolicies) error {
	adm, done, err := e.saslAdmin(inst)
	if err != nil {
		return err
	}
	defer done()
	for _, up := range p.Policies {
		principal := "User:" + up.UserName
		del := kadm.NewACLs().Topics(p.Topic).ResourcePatternType(kadm.ACLPatternLiteral).
			Allow(principal).Deny(principal).AllowHosts().DenyHosts().Operations(kadm.OpAny)
		if err := aclErr(adm.DeleteACLs(ctx, del)); err != nil {
			return fmt.Errorf("delete ACLs of %s on %s: %w", up.UserName, p.Topic, err)
		}
		if up.Policy == "" {
			continue // revoked
		}
		ops, ok := policyOps[up.Policy]
		if !ok {
			return fmt.Errorf("unknown access policy %q", up.Policy)
		}
		add := kadm.NewACLs().Topics(p.Topic).ResourcePatternType(kadm.ACLPatternLiteral).
			Allow(principal).AllowHosts("*").Operations(ops...)
		if err := aclErr(adm.CreateACLs(ctx, add)); err != nil {
			return fmt.Errorf("create ACLs of %s on %s: %w", up.UserName, p.Topic, err)
		}
		if up.Policy != dmsd.PolicyPub {
			group := kadm.NewACLs().Groups("*").ResourcePatternType(kadm.ACLPatternLiteral).
				Allow(principal).AllowHosts("*").Operations(kadm.OpRead)
			if err := aclErr(adm.CreateACLs(ctx, group)); err != nil {
				return fmt.Errorf("create group ACL of %s: %w", up.UserName, err)
			}
		}
	}
	return nil
}

// aclErr returns the error of an ACL call or of any of its results.
func aclErr[R interface{ ~[]T }, T any](res R, err error) error {
	if err != nil {
		return err
	}
	for _, r := range res {
		switch r := any(r).(type) {
		case kadm.CreateACLsResult:
			if r.Err != nil {
				return r.Err
			}
		case kadm.DeleteACLsResult:
			if r.Err != nil {
				return r.Err
			}
		}
	}
	return nil
}

// TopicPolicies derives each user's policy on the topic from its ALLOW ACLs
// there: WRITE gives pub, READ gives sub, both give all. Users with neither
// are left out.
func (e *kadmin) TopicPolicies(ctx context.Context, inst *dmsd.Instance, topic string) ([]dmsd.UserPolicy, error) {
	adm, done, err := e.saslAdmin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	b := kadm.NewACLs().Topics(topic).ResourcePatternType(kadm.ACLPatternLiteral).
		Allow().AllowHosts().Operations(kadm.OpAny)
	res, err := adm.DescribeACLs(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("describe ACLs of %s: %w", topic, err)
	}
	type rw struct{ read, write bool }
	by := map[string]*rw{}
	for _, r := range res {
		if r.Err != nil {
			return nil, fmt.Errorf("describe ACLs of %s: %w", topic, r.Err)
		}
		for _, d := range r.Described {
			if d.Permission != kmsg.ACLPermissionTypeAllow || d.Name != topic || len(d.Principal) <= len("User:") {
				continue
			}
			name := d.Principal[len("User:"):]
			if by[name] == nil {
				by[name] = &rw{}
			}
			switch d.Operation {
			case kadm.OpRead:
				by[name].read = true
			case kadm.OpWrite:
				by[name].write = true
			case kadm.OpAll:
				by[name].read, by[name].write = true, true
			}
		}
	}
	out := []dmsd.UserPolicy{}
	for name, p := range by {
		switch {
		case p.read && p.write:
			out = append(out, dmsd.UserPolicy{UserName: name, Policy: dmsd.PolicyAll})
		case p.write:
			out = append(out, dmsd.UserPolicy{UserName: name, Policy: dmsd.PolicyPub})
		case p.read:
			out = append(out, dmsd.UserPolicy{UserName: name, Policy: dmsd.PolicySub})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserName < out[j].UserName })
	return out, nil
}

// TopicExists reports whether the cluster has the topic.
func (e *kadmin) TopicExists(ctx context.Context, inst *dmsd.Instance, topic string) (bool, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return false, err
	}
	defer done()
	topics, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return false, fmt.Errorf("list topics of %s: %w", inst.ID, err)
	}
	return topics.Has(topic), nil
}

// ResetOffsets commits the group's offsets on r.Topic (or on every topic the
// group has committed offsets for) and r.Partition (or all), each to
// r.MessageOffset clamped to the partition's earliest and latest offsets, or
// to the first offset at or after r.Timestamp (the latest if none). Kafka
// refuses the commit while the group has members, and so does this. The
// targets are absolute, so running it again commits the same offsets.
func (e *kadmin) ResetOffsets(ctx context.Context, inst *dmsd.Instance, r dmsd.OffsetReset) error {
	adm, done, err := e.admin(inst)
	if err != nil {
		return err
	}
	defer done()
	committed, err := adm.FetchOffsets(ctx, r.Group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group %s does not exist.", r.Group)
	} else if err != nil {
		return fmt.Errorf("fetch offsets of group %s: %w", r.Group, err)
	}
	topics := []string{r.Topic}
	if r.Topic == "" {
		topics = committed.Offsets().TopicsSet().Topics()
	}
	if len(topics) == 0 {
		return dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group %s has no committed offsets.", r.Group)
	}
	start, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("list start offsets: %w", err)
	}
	end, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	var after kadm.ListedOffsets
	if r.Timestamp != nil {
		if after, err = adm.ListOffsetsAfterMilli(ctx, *r.Timestamp, topics...); err != nil {
			return fmt.Errorf("list offsets after %d: %w", *r.Timestamp, err)
		}
	}
	to := kadm.Offsets{}
	for _, t := range topics {
		for p, lo := range end[t] {
			if p < 0 || (r.Partition >= 0 && p != r.Partition) {
				continue
			}
			if lo.Err != nil {
				return fmt.Errorf("list offsets of %s/%d: %w", t, p, lo.Err)
			}
			at := lo.Offset
			switch {
			case r.MessageOffset != nil:
				at = min(max(*r.MessageOffset, start[t][p].Offset), lo.Offset)
			case r.Timestamp != nil:
				if a, ok := after.Lookup(t, p); ok && a.Err == nil && a.Offset >= 0 {
					at = a.Offset
				}
			}
			if to[t] == nil {
				to[t] = map[int32]kadm.Offset{}
			}
			to[t][p] = kadm.Offset{Topic: t, Partition: p, At: at, LeaderEpoch: -1}
		}
	}
	if len(to) == 0 {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the topic has no partition %d.", r.Partition)
	}
	res, err := adm.CommitOffsets(ctx, r.Group, to)
	if err == nil {
		err = res.Error()
	}
	if err != nil {
		return fmt.Errorf("commit offsets of group %s (its consumers must be stopped): %w", r.Group, err)
	}
	return nil
}

// GroupState returns the group's state, or "" if it has neither members nor
// committed offsets.
func (e *kadmin) GroupState(ctx context.Context, inst *dmsd.Instance, group string) (string, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return "", err
	}
	defer done()
	committed, err := adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		committed, err = nil, nil
	}
	if err != nil {
		return "", fmt.Errorf("fetch offsets of group %s: %w", group, err)
	}
	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return "", fmt.Errorf("describe group %s: %w", group, err)
	}
	d, ok := described[group]
	switch {
	case ok && d.Err == nil && d.State != "" && d.State != "Dead":
		return d.State, nil
	case len(committed) > 0:
		return "Empty", nil
	}
	return "", nil
}
