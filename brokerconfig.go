package dmsd

import (
	"slices"
	"strconv"
	"strings"
)

// ConfigParam is a Kafka parameter the API lets users set, with its default,
// its valid values and whether a broker applies it live (dynamic) or reads it
// at start (static).
type ConfigParam struct {
	Name        string
	Default     string
	ValidValues string // as the API shows it: "1~3" or "true,false"
	ValueType   string // "integer", "long" or "enum"
	Dynamic     bool
	// Min and Max bound integer values; Enum lists the values of an enum.
	Min, Max int64
	Enum     []string
}

// ConfigType returns "dynamic" or "static".
func (p ConfigParam) ConfigType() string {
	if p.Dynamic {
		return "dynamic"
	}
	return "static"
}

// Check returns EINVALIDCONFIG unless value is valid for p.
func (p ConfigParam) Check(value string) error {
	if len(p.Enum) > 0 {
		if !slices.Contains(p.Enum, value) {
			return Errorf(EINVALIDCONFIG, "Invalid configuration parameter %s: the value must be one of %s.", p.Name, strings.Join(p.Enum, ", "))
		}
		return nil
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < p.Min || n > p.Max {
		return Errorf(EINVALIDCONFIG, "Invalid configuration parameter %s: the value must be an integer from %d to %d.", p.Name, p.Min, p.Max)
	}
	return nil
}

var trueFalse = []string{"true", "false"}

// BrokerParams are the Kafka parameters the API lets users set, as the
// reference lists them (Obtaining Instance Configurations), in its order.
var BrokerParams = []ConfigParam{
	{Name: "min.insync.replicas", Default: "1", ValidValues: "1~3", ValueType: "integer", Dynamic: true, Min: 1, Max: 3},
	{Name: "message.max.bytes", Default: "10485760", ValidValues: "0~10485760", ValueType: "integer", Dynamic: true, Min: 0, Max: 10485760},
	{Name: "auto.create.groups.enable", Default: "true", ValidValues: "true,false", ValueType: "enum", Dynamic: true, Enum: trueFalse},
	{Name: "connections.max.idle.ms", Default: "600000", ValidValues: "5000~600000", ValueType: "integer", Min: 5000, Max: 600000},
	{Name: "log.retention.hours", Default: "72", ValidValues: "1~168", ValueType: "integer", Min: 1, Max: 168},
	{Name: "max.connections.per.ip", Default: "1000", ValidValues: "100~20000", ValueType: "integer", Dynamic: true, Min: 100, Max: 20000},
	{Name: "group.max.session.timeout.ms", Default: "1800000", ValidValues: "6000~1800000", ValueType: "integer", Min: 6000, Max: 1800000},
	{Name: "unclean.leader.election.enable", Default: "false", ValidValues: "true,false", ValueType: "enum", Dynamic: true, Enum: trueFalse},
	{Name: "default.replication.factor", Default: "3", ValidValues: "1~3", ValueType: "integer", Min: 1, Max: 3},
	{Name: "offsets.retention.minutes", Default: "20160", ValidValues: "1440~30240", ValueType: "integer", Dynamic: true, Min: 1440, Max: 30240},
	{Name: "num.partitions", Default: "3", ValidValues: "1~200", ValueType: "integer", Min: 1, Max: 200},
	{Name: "group.min.session.timeout.ms", Default: "6000", ValidValues: "6000~300000", ValueType: "integer", Min: 6000, Max: 300000},
	{Name: "allow.everyone.if.no.acl.found", Default: "true", ValidValues: "true,false", ValueType: "enum", Enum: trueFalse},
}

// FindBrokerParam returns the configurable parameter called name.
func FindBrokerParam(name string) (ConfigParam, bool) {
	i := slices.IndexFunc(BrokerParams, func(p ConfigParam) bool { return p.Name == name })
	if i < 0 {
		return ConfigParam{}, false
	}
	return BrokerParams[i], true
}

// ConfigSetting is one parameter to change.
type ConfigSetting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CheckConfigSettings returns EINVALIDCONFIG for an empty list, an unknown
// name, a name given twice or an invalid value, and otherwise how many of the
// settings are dynamic and static.
func CheckConfigSettings(settings []ConfigSetting) (dynamic, static int, err error) {
	if len(settings) == 0 {
		return 0, 0, Errorf(EINVALIDCONFIG, "Invalid configuration parameter kafka_configs: it is empty.")
	}
	seen := map[string]bool{}
	for _, s := range settings {
		p, ok := FindBrokerParam(s.Name)
		if !ok {
			return 0, 0, Errorf(EINVALIDCONFIG, "Invalid configuration parameter %s.", s.Name)
		}
		if seen[s.Name] {
			return 0, 0, Errorf(EINVALIDCONFIG, "Invalid configuration parameter %s: it is given twice.", s.Name)
		}
		seen[s.Name] = true
		if err := p.Check(s.Value); err != nil {
			return 0, 0, err
		}
		if p.Dynamic {
			dynamic++
		} else {
			static++
		}
	}
	return dynamic, static, nil
}

// ConfigValue is a configurable parameter and its current value.
type ConfigValue struct {
	ConfigParam
	Value string
}
