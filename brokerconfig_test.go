package dmsd_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

func TestBrokerParamsTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, p := range dmsd.BrokerParams {
		require.False(t, seen[p.Name], "%s listed twice", p.Name)
		seen[p.Name] = true
		require.NoError(t, p.Check(p.Default), "the default of %s must be valid", p.Name)
		require.Contains(t, []string{"integer", "enum"}, p.ValueType)
	}
	require.Len(t, dmsd.BrokerParams, 13, "the reference lists 13 configurable parameters")
}

func TestCheckConfigSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		settings []dmsd.ConfigSetting
		code     string
		dynamic  int
		static   int
	}{
		{"empty", nil, dmsd.EINVALIDCONFIG, 0, 0},
		{"unknown name", []dmsd.ConfigSetting{{Name: "log.dirs", Value: "/tmp"}}, dmsd.EINVALIDCONFIG, 0, 0},
		{"below range", []dmsd.ConfigSetting{{Name: "connections.max.idle.ms", Value: "4999"}}, dmsd.EINVALIDCONFIG, 0, 0},
		{"above range", []dmsd.ConfigSetting{{Name: "num.partitions", Value: "201"}}, dmsd.EINVALIDCONFIG, 0, 0},
		{"not a number", []dmsd.ConfigSetting{{Name: "num.partitions", Value: "3.5"}}, dmsd.EINVALIDCONFIG, 0, 0},
		{"not an enum value", []dmsd.ConfigSetting{{Name: "auto.create.groups.enable", Value: "TRUE"}}, dmsd.EINVALIDCONFIG, 0, 0},
		{"twice", []dmsd.ConfigSetting{{Name: "num.partitions", Value: "3"}, {Name: "num.partitions", Value: "4"}}, dmsd.EINVALIDCONFIG, 0, 0},
		{"bounds are inclusive", []dmsd.ConfigSetting{{Name: "connections.max.idle.ms", Value: "5000"}, {Name: "log.retention.hours", Value: "168"}}, "", 0, 2},
		{"mixed", []dmsd.ConfigSetting{{Name: "min.insync.replicas", Value: "2"}, {Name: "unclean.leader.election.enable", Value: "true"}, {Name: "num.partitions", Value: "1"}}, "", 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dynamic, static, err := dmsd.CheckConfigSettings(tc.settings)
			require.Equal(t, tc.code, dmsd.ErrorCode(err))
			require.Equal(t, tc.dynamic, dynamic)
			require.Equal(t, tc.static, static)
		})
	}
}

func TestTopicValidate(t *testing.T) {
	t.Parallel()
	valid := func() *dmsd.Topic {
		return &dmsd.Topic{Name: "orders", Partitions: 3, Replication: 3, RetentionHours: 72}
	}
	for _, tc := range []struct {
		name   string
		change func(*dmsd.Topic)
		code   string
	}{
		{"valid", func(*dmsd.Topic) {}, ""},
		{"short name", func(t *dmsd.Topic) { t.Name = "abc" }, dmsd.ETOPICNAME},
		{"name with a dot", func(t *dmsd.Topic) { t.Name = "orders.eu" }, dmsd.ETOPICNAME},
		{"name of 65", func(t *dmsd.Topic) { t.Name = "a" + strings.Repeat("b", 64) }, dmsd.ETOPICNAME},
		{"0 partitions", func(t *dmsd.Topic) { t.Partitions = 0 }, dmsd.ETOPICPARTITIONS},
		{"200 partitions", func(t *dmsd.Topic) { t.Partitions = 200 }, ""},
		{"201 partitions", func(t *dmsd.Topic) { t.Partitions = 201 }, dmsd.ETOPICPARTITIONS},
		{"21 replicas", func(t *dmsd.Topic) { t.Replication = 21 }, dmsd.ETOPICREPLICAS},
		{"169 hours", func(t *dmsd.Topic) { t.RetentionHours = 169 }, dmsd.ETOPICRETENTION},
		{"sync replication on 1 replica", func(t *dmsd.Topic) { t.Replication, t.SyncReplication = 1, true }, dmsd.EINVALID},
		{"unknown topic config", func(t *dmsd.Topic) { t.Configs = map[string]string{"retention.ms": "1"} }, dmsd.EINVALIDCONFIG},
		{"bad enum topic config", func(t *dmsd.Topic) { t.Configs = map[string]string{"cleanup.policy": "forever"} }, dmsd.EINVALIDCONFIG},
		{"good topic config", func(t *dmsd.Topic) { t.Configs = map[string]string{"message.timestamp.type": "CreateTime"} }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			topic := valid()
			tc.change(topic)
			require.Equal(t, tc.code, dmsd.ErrorCode(topic.Validate()))
		})
	}
}
