package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// storedV1 is an instance as dmsd stored it before its record type had tags
// (json.Marshal of dmsd.Instance): the keys existing databases hold.
const storedV1 = `{"ID":"0b1c5e8a-6c1f-4a34-9d3e-2f0a8f0e9b10","ProjectID":"p","Name":"n","Description":"d","Engine":"kafka",
"EngineVersion":"3.x","BrokerNum":3,"StorageSpace":300,"StorageSpecCode":"ssc","ProductID":"pid","VpcID":"vpc","SubnetID":"sn",
"SecurityGroupID":"sg","AvailableZones":["az1"],"MaintainBegin":"22:00:00","MaintainEnd":"02:00:00","EnableAutoTopic":true,
"RetentionPolicy":"time_base","Status":"RUNNING","UserID":"u","UserName":"alice","Ports":[9092],"Host":"replica_a",
"CreatedAt":"2026-01-02T03:04:05.006Z","AccessUser":"admin","AccessPassword":"pw","SASLMechanisms":["PLAIN"],
"BrokerConfigs":{"log.retention.hours":"72"},"External":{"BootstrapServers":["127.0.0.1:9092"],"SASLMechanism":"PLAIN",
"Username":"x","Password":"y"},"SSLEnabled":true,"SSLCACert":"pem","Tags":[{"Key":"k","Value":"v"}]}`

// Data stored by the dmsd before the record type reads as it was written, and
// is written back under the same keys, nested ones included.
func TestStoredInstanceKeys(t *testing.T) {
	inst, err := decodeInstance(&InstanceRow{Data: []byte(storedV1), Status: "RUNNING"})
	require.NoError(t, err)
	require.Equal(t, &dmsd.Instance{
		ID: "0b1c5e8a-6c1f-4a34-9d3e-2f0a8f0e9b10", ProjectID: "p", Name: "n", Description: "d", Engine: "kafka",
		EngineVersion: "3.x", BrokerNum: 3, StorageSpace: 300, StorageSpecCode: "ssc", ProductID: "pid", VpcID: "vpc", SubnetID: "sn",
		SecurityGroupID: "sg", AvailableZones: []string{"az1"}, MaintainBegin: "22:00:00", MaintainEnd: "02:00:00", EnableAutoTopic: true,
		RetentionPolicy: "time_base", Status: dmsd.InstanceRunning, UserID: "u", UserName: "alice", Ports: []int{9092}, Host: "replica_a",
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC), AccessUser: "admin", AccessPassword: "pw", SASLMechanisms: []string{"PLAIN"},
		BrokerConfigs: map[string]string{"log.retention.hours": "72"},
		External:      &dmsd.ExternalCluster{BootstrapServers: []string{"127.0.0.1:9092"}, SASLMechanism: "PLAIN", Username: "x", Password: "y"},
		SSLEnabled:    true, SSLCACert: "pem", Tags: []dmsd.Tag{{Key: "k", Value: "v"}},
	}, inst)

	data, err := encodeInstance(inst, nil)
	require.NoError(t, err)
	var got, want map[string]any
	require.NoError(t, json.Unmarshal(data, &got))
	require.NoError(t, json.Unmarshal([]byte(storedV1), &want))
	// A field added since is stored under a key of its own; every key
	// stored before keeps its value.
	for key, value := range want {
		require.Equal(t, value, got[key], key)
	}
}

// Steps stored in dmsd.Step's own JSON, as dmsd on PostgreSQL wrote them,
// read as the compact form does.
func TestStepsOfBothForms(t *testing.T) {
	started := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	want := []dmsd.Step{{Name: "A", Status: dmsd.StepSuccess, StartedAt: started, EndedAt: started.Add(time.Second)}, {Name: "B", Status: dmsd.StepWaiting}}
	old, err := json.Marshal(want)
	require.NoError(t, err)
	got, err := decodeSteps(old, started.UnixMilli()-5)
	require.NoError(t, err)
	require.Equal(t, want, got)

	compact, err := encodeSteps(want, started.UnixMilli()-5)
	require.NoError(t, err)
	got, err = decodeSteps(compact, started.UnixMilli()-5)
	require.NoError(t, err)
	require.Equal(t, want, got)
}
