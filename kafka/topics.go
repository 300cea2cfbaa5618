package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dmsd/dmsd"
)

// connect returns an admin client connected to the running cluster of inst
// (as its access user on a SASL instance), and a function that closes it.
func (e *Embedded) connect(inst *dmsd.Instance) (*kadm.Client, func(), error) {
	cl, err := e.dial(inst)
	if err != nil {
		return nil, nil, err
	}
	return kadm.NewClient(cl), cl.Close, nil
}

// dial returns a Kafka client of the running cluster of inst (as its access
// user on a SASL instance) with the extra options.
func (e *Embedded) dial(inst *dmsd.Instance, extra ...kgo.Opt) (*kgo.Client, error) {
	if err := checkID(inst.ID); err != nil {
		return nil, err
	}
	e.mu.Lock()
	r, ok := e.clusters[inst.ID]
	e.mu.Unlock()
	if !ok {
		return nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "The Kafka cluster of the instance is not running.")
	}
	seeds := make([]string, len(r.endpoint.Ports))
	for i, p := range r.endpoint.Ports {
		seeds[i] = net.JoinHostPort(r.endpoint.Host, strconv.Itoa(p))
	}
	tlsOpts, err := clientTLS(r.endpoint.CACert)
	if err != nil {
		return nil, fmt.Errorf("connect to cluster %s: %w", inst.ID, err)
	}
	cl, err := kgo.NewClient(append(append(append(clientSASL(inst), tlsOpts...), extra...), kgo.SeedBrokers(seeds...))...)
	if err != nil {
		return nil, fmt.Errorf("connect to cluster %s: %w", inst.ID, err)
	}
	return cl, nil
}

// BrokerCount returns the number of brokers the cluster's metadata lists.
func (e *kadmin) BrokerCount(ctx context.Context, inst *dmsd.Instance) (int, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return 0, err
	}
	defer done()
	md, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return 0, fmt.Errorf("broker metadata of %s: %w", inst.ID, err)
	}
	return len(md.Brokers), nil
}

// topicConfigsOf returns the Kafka topic configs that t's fields and its
// other configs set.
func topicConfigsOf(t *dmsd.Topic) map[string]*string {
	out := map[string]*string{}
	for k, v := range t.Configs {
		out[k] = kadm.StringPtr(v)
	}
	if t.RetentionHours > 0 {
		out["retention.ms"] = kadm.StringPtr(strconv.FormatInt(int64(t.RetentionHours)*3600_000, 10))
	}
	if t.SyncReplication {
		out["min.insync.replicas"] = kadm.StringPtr("2")
	}
	if t.SyncMessageFlush {
		out["flush.messages"] = kadm.StringPtr("1")
	}
	return out
}

// CreateTopic creates t with CreateTopics. An existing topic is ETOPICEXISTS
// and a replication factor the brokers refuse EREPLICATION.
func (e *kadmin) CreateTopic(ctx context.Context, inst *dmsd.Instance, t *dmsd.Topic) error {
	adm, done, err := e.admin(inst)
	if err != nil {
		return err
	}
	defer done()
	resp, err := adm.CreateTopic(ctx, int32(t.Partitions), int16(t.Replication), topicConfigsOf(t), t.Name)
	if err == nil {
		err = resp.Err
	}
	switch {
	case errors.Is(err, kerr.TopicAlreadyExists):
		return dmsd.Errorf(dmsd.ETOPICEXISTS, "The topic %s already exists.", t.Name)
	case errors.Is(err, kerr.InvalidReplicationFactor):
		return &dmsd.Error{Code: dmsd.EREPLICATION, Message: "Replication factor larger than available brokers.", Err: err}
	case errors.Is(err, kerr.InvalidPartitions):
		return &dmsd.Error{Code: dmsd.ETOPICPARTITIONS, Message: "The number of partitions created for a Kafka topic must be within the range of 1-200.", Err: err}
	case errors.Is(err, kerr.InvalidConfig):
		return &dmsd.Error{Code: dmsd.EINVALIDCONFIG, Message: "Invalid configuration parameter: Kafka refused the topic's configs.", Err: err}
	case err != nil:
		return fmt.Errorf("create topic %s on %s: %w", t.Name, inst.ID, err)
	}
	return nil
}

// ListTopics lists the non-internal topics with their partitions, replication
// factor and the configs set on each (DescribeConfigs, dynamic topic source).
func (e *kadmin) ListTopics(ctx context.Context, inst *dmsd.Instance) ([]*dmsd.Topic, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	details, err := adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics of %s: %w", inst.ID, err)
	}
	names := details.Names()
	slices.Sort(names)
	out := make([]*dmsd.Topic, 0, len(names))
	if len(names) == 0 {
		return out, nil
	}
	configs, err := adm.DescribeTopicConfigs(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("describe topic configs of %s: %w", inst.ID, err)
	}
	byName := map[string]kadm.ResourceConfig{}
	for _, rc := range configs {
		byName[rc.Name] = rc
	}
	for _, name := range names {
		d := details[name]
		t := &dmsd.Topic{Name: name, Partitions: len(d.Partitions), Configs: map[string]string{}}
		if len(d.Partitions) > 0 {
			t.Replication = len(d.Partitions[0].Replicas)
		}
		for _, c := range byName[name].Configs {
			if c.Value == nil {
				continue
			}
			// The retention in effect, whether set on the topic or
			// inherited from the broker.
			if ms, err := strconv.ParseInt(*c.Value, 10, 64); c.Key == "retention.ms" && err == nil && ms > 0 {
				t.RetentionHours = int(ms / 3600_000)
			}
			if c.Source == kmsg.ConfigSourceDynamicTopicConfig {
				t.Configs[c.Key] = *c.Value
			}
		}
		if n, err := strconv.Atoi(t.Configs["min.insync.replicas"]); err == nil && n > 1 {
			t.SyncReplication = true
		}
		t.SyncMessageFlush = t.Configs["flush.messages"] == "1"
		out = append(out, t)
	}
	return out, nil
}

// UpdateTopic raises the partitions (UpdatePartitions) and sets or deletes
// topic configs (IncrementalAlterConfigs). Repeating it changes nothing more.
func (e *kadmin) UpdateTopic(ctx context.Context, inst *dmsd.Instance, u *dmsd.TopicUpdate) error {
	adm, done, err := e.admin(inst)
	if err != nil {
		return err
	}
	defer done()
	details, err := adm.ListTopics(ctx, u.Name)
	if err != nil {
		return fmt.Errorf("describe topic %s on %s: %w", u.Name, inst.ID, err)
	}
	d, ok := details[u.Name]
	if !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition) {
		return dmsd.Errorf(dmsd.ETOPICNOTFOUND, "Failed to query topics: the topic %s does not exist.", u.Name)
	} else if d.Err != nil {
		return fmt.Errorf("describe topic %s on %s: %w", u.Name, inst.ID, d.Err)
	}
	if u.NewPartitions != nil && *u.NewPartitions != len(d.Partitions) {
		if *u.NewPartitions < len(d.Partitions) {
			return dmsd.Errorf(dmsd.ETOPICPARTITIONS, "The number of partitions of topic %s can only grow: it has %d.", u.Name, len(d.Partitions))
		}
		resp, err := adm.UpdatePartitions(ctx, *u.NewPartitions, u.Name)
		if err == nil {
			var r kadm.CreatePartitionsResponse
			r, err = resp.On(u.Name, nil)
			if err == nil {
				err = r.Err
			}
		}
		if err != nil {
			return fmt.Errorf("update partitions of %s on %s: %w", u.Name, inst.ID, err)
		}
	}
	var alters []kadm.AlterConfig
	set := func(k, v string) {
		alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: kadm.StringPtr(v)})
	}
	for k, v := range u.Configs {
		set(k, v)
	}
	for _, k := range u.Delete {
		alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
	}
	if u.RetentionHours != nil {
		set("retention.ms", strconv.FormatInt(int64(*u.RetentionHours)*3600_000, 10))
	}
	if u.SyncReplication != nil {
		if *u.SyncReplication {
			if len(d.Partitions) > 0 && len(d.Partitions[0].Replicas) < 2 {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: sync_replication needs at least 2 replicas.")
			}
			set("min.insync.replicas", "2")
		} else {
			alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: "min.insync.replicas"})
		}
	}
	if u.SyncMessageFlush != nil {
		if *u.SyncMessageFlush {
			set("flush.messages", "1")
		} else {
			alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: "flush.messages"})
		}
	}
	if len(alters) == 0 {
		return nil
	}
	resps, err := adm.AlterTopicConfigs(ctx, alters, u.Name)
	if err == nil {
		var r kadm.AlterConfigsResponse
		r, err = resps.On(u.Name, nil)
		if err == nil {
			err = r.Err
		}
	}
	if err != nil {
		return fmt.Errorf("alter configs of topic %s on %s: %w", u.Name, inst.ID, err)
	}
	return nil
}

// DeleteTopics deletes topics with DeleteTopics and reports each one's error.
func (e *kadmin) DeleteTopics(ctx context.Context, inst *dmsd.Instance, names []string) (map[string]error, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	resps, err := adm.DeleteTopics(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("delete topics on %s: %w", inst.ID, err)
	}
	out := make(map[string]error, len(names))
	for _, name := range names {
		r, ok := resps[name]
		switch {
		case !ok:
			out[name] = errors.New("no answer from Kafka")
		default:
			out[name] = r.Err
		}
	}
	return out, nil
}

// AlterBrokerConfigs sets configs on the cluster-wide broker resource with
// IncrementalAlterConfigs, then describes it and returns the values Kafka
// reports for those names. Setting the same values again changes nothing.
func (e *kadmin) AlterBrokerConfigs(ctx context.Context, inst *dmsd.Instance, configs map[string]string) (map[string]string, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	alters := make([]kadm.AlterConfig, 0, len(configs))
	for k, v := range configs {
		alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: kadm.StringPtr(v)})
	}
	resps, err := adm.AlterBrokerConfigs(ctx, alters)
	if err == nil {
		for _, r := range resps {
			if r.Err != nil {
				err = fmt.Errorf("%w %s", r.Err, r.ErrMessage)
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("alter broker configs of %s: %w", inst.ID, err)
	}
	reported, err := describeBroker(ctx, adm)
	if err != nil {
		return nil, fmt.Errorf("describe broker configs of %s: %w", inst.ID, err)
	}
	out := make(map[string]string, len(configs))
	for k := range configs {
		if v, ok := reported[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

// DescribeBrokerConfigs returns the cluster-wide broker configs Kafka reports,
// whatever their source: the values in effect.
func (e *kadmin) DescribeBrokerConfigs(ctx context.Context, inst *dmsd.Instance) (map[string]string, error) {
	adm, done, err := e.admin(inst)
	if err != nil {
		return nil, err
	}
	defer done()
	out, err := describeBroker(ctx, adm)
	if err != nil {
		return nil, fmt.Errorf("describe broker configs of %s: %w", inst.ID, err)
	}
	return out, nil
}

// describeBroker returns every cluster-wide broker config that has a value.
func describeBroker(ctx context.Context, adm *kadm.Client) (map[string]string, error) {
	rcs, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, rc := range rcs {
		if rc.Err != nil {
			return nil, rc.Err
		}
		for _, c := range rc.Configs {
			if c.Value != nil {
				out[c.Key] = *c.Value
			}
		}
	}
	return out, nil
}
