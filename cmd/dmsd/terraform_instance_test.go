package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
	"github.com/stretchr/testify/require"

	"github.com/dmsd/dmsd"
)

// The tests of this file replay what the Terraform provider's
// huaweicloud_dms_kafka_instance resource and its companions (the instances,
// flavors and background tasks data sources, the background task delete
// and instance restart resources) send for a pay-per-use instance, in the
// provider's order, and read the answers as the provider's SDK
// (chnsz/golangsdk) decodes them. The provider waits with StateChangeConf:
// a status that is neither pending nor target fails it, so the waiters here
// fail on one too.

// tfInstance is an instance as golangsdk's instances.Instance decodes it;
// a field of another JSON type fails the provider's whole read.
type tfInstance struct {
	Name                    string   `json:"name"`
	Description             string   `json:"description"`
	Engine                  string   `json:"engine"`
	EngineVersion           string   `json:"engine_version"`
	Specification           string   `json:"specification"`
	TotalStorageSpace       int      `json:"total_storage_space"`
	PartitionNum            string   `json:"partition_num"`
	UsedStorageSpace        int      `json:"used_storage_space"`
	ConnectAddress          string   `json:"connect_address"`
	Port                    int      `json:"port"`
	Status                  string   `json:"status"`
	InstanceID              string   `json:"instance_id"`
	ResourceSpecCode        string   `json:"resource_spec_code"`
	ChargingMode            int      `json:"charging_mode"`
	VpcID                   string   `json:"vpc_id"`
	SubnetID                string   `json:"subnet_id"`
	SecurityGroupID         string   `json:"security_group_id"`
	AvailableZones          []string `json:"available_zones"`
	CreatedAt               string   `json:"created_at"`
	ProductID               string   `json:"product_id"`
	UserID                  string   `json:"user_id"`
	UserName                string   `json:"user_name"`
	AccessUser              string   `json:"access_user"`
	OrderID                 string   `json:"order_id"`
	MaintainBegin           string   `json:"maintain_begin"`
	MaintainEnd             string   `json:"maintain_end"`
	EnablePublicIP          bool     `json:"enable_publicip"`
	PublicConnectionAddress string   `json:"public_connect_address"`
	SslEnable               bool     `json:"ssl_enable"`
	EnterpriseProjectID     string   `json:"enterprise_project_id"`
	ExtendTimes             int      `json:"extend_times"`
	EnableAutoTopic         bool     `json:"enable_auto_topic"`
	Type                    string   `json:"type"`
	StorageSpecCode         string   `json:"storage_spec_code"`
	RetentionPolicy         string   `json:"retention_policy"`
	PublicBandWidth         int      `json:"public_bandwidth"`
	CrossVpcInfo            string   `json:"cross_vpc_info"`
	Ipv6Enable              bool     `json:"ipv6_enable"`
	Ipv6ConnectAddresses    []string `json:"ipv6_connect_addresses"`
	ConnectorEnable         bool     `json:"connector_enable"`
	ConnectorNodeNum        int      `json:"connector_node_num"`
	VpcClientPlain          bool     `json:"vpc_client_plain"`
	DiskEncrypted           bool     `json:"disk_encrypted"`
	BrokerNum               int      `json:"broker_num"`
	NodeNum                 int      `json:"node_num"`
	PortProtocols           struct {
		PrivatePlainEnable          bool   `json:"private_plain_enable"`
		PrivateSaslSslEnable        bool   `json:"private_sasl_ssl_enable"`
		PrivateSaslPlaintextEnable  bool   `json:"private_sasl_plaintext_enable"`
		PrivateSaslPlaintextAddress string `json:"private_sasl_plaintext_address"`
		PublicPlainEnable           bool   `json:"public_plain_enable"`
	} `json:"port_protocols"`
	Tags []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"tags"`
}

// tfCrossVpc is one entry of cross_vpc_accesses as the provider's
// FlattenCrossVpcInfo makes it: listeners sorted as strings.
type tfCrossVpc struct {
	Listener, AdvertisedIP, PortID string
	Port                           int
}

func (inst *tfInstance) crossVpc(t *testing.T) []tfCrossVpc {
	t.Helper()
	if inst.CrossVpcInfo == "" {
		return nil
	}
	var info map[string]map[string]any
	require.NoError(t, json.Unmarshal([]byte(inst.CrossVpcInfo), &info))
	out := make([]tfCrossVpc, 0, len(info))
	for listener, e := range info {
		ip, _ := e["advertised_ip"].(string)
		port, ok := e["port"].(float64)
		require.True(t, ok, "port is a number: %v", e["port"])
		portID, ok := e["port_id"].(string)
		require.True(t, ok, "port_id is a string: %v", e["port_id"])
		out = append(out, tfCrossVpc{Listener: listener, AdvertisedIP: ip, Port: int(port), PortID: portID})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Listener < out[j].Listener })
	return out
}

// tfDo sends a signed request with a JSON body, as golangsdk does.
func (s *testServer) tfDo(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	r := sdkRequest{method: method, pathAndQuery: path, body: body}
	if body != "" {
		r.headers = map[string]string{"Content-Type": "application/json"}
	}
	return s.signedDo(t, 0, r)
}

// tfShow is instances.Get: the status code and, unless 404, the instance.
func (s *testServer) tfShow(t *testing.T, id string) (int, tfInstance) {
	t.Helper()
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id)
	var inst tfInstance
	if status == http.StatusOK {
		require.NoError(t, json.Unmarshal([]byte(body), &inst), "golangsdk decodes %s", body)
	} else {
		require.Equal(t, http.StatusNotFound, status, body)
	}
	return status, inst
}

// tfWait polls as StateChangeConf does with refresh, which returns the
// state for the instance (DELETED for a 404, as KafkaInstanceStateRefreshFunc
// has it): it ends at target and fails on a state outside pending.
func (s *testServer) tfWait(t *testing.T, id string, refresh func(status int, inst tfInstance) string, pending []string, target string) tfInstance {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, inst := s.tfShow(t, id)
		state := refresh(status, inst)
		if state == target {
			return inst
		}
		require.Contains(t, pending, state, "unexpected state %q, wanted %s", state, target)
		require.True(t, time.Now().Before(deadline), "still %s, wanted %s", state, target)
		time.Sleep(5 * time.Millisecond)
	}
}

// tfStatus is KafkaInstanceStateRefreshFunc.
func tfStatus(status int, inst tfInstance) string {
	if status == http.StatusNotFound {
		return "DELETED"
	}
	return inst.Status
}

// tfWaitJob is kafkaInstanceTaskStatusRefreshFunc (GET .../tasks/{job_id},
// tasks[0].status) until SUCCESS. The provider's pending list has CREATED
// only and its first look comes 2 s after the request, when a dmsd task of
// these kinds has long finished; EXECUTING is let pass here, as this test
// looks at once.
func (s *testServer) tfWaitJob(t *testing.T, id, jobID string) {
	t.Helper()
	require.Eventually(t, func() bool {
		status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/tasks/"+jobID)
		require.Equal(t, http.StatusOK, status, body)
		var resp struct {
			Tasks []struct {
				Status string `json:"status"`
			} `json:"tasks"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &resp))
		require.Len(t, resp.Tasks, 1)
		require.Contains(t, []string{"CREATED", "EXECUTING", "SUCCESS"}, resp.Tasks[0].Status)
		return resp.Tasks[0].Status == "SUCCESS"
	}, 30*time.Second, 5*time.Millisecond)
}

// tfZones is availablezones.Get, as id → code and code → id.
func (s *testServer) tfZones(t *testing.T) (codes, ids map[string]string) {
	t.Helper()
	status, body := s.signedGet(t, 0, "/v2/available-zones")
	require.Equal(t, http.StatusOK, status, body)
	var resp struct {
		AvailableZones []struct {
			ID   string `json:"id"`
			Code string `json:"code"`
			Name string `json:"name"`
			Port string `json:"port"`
		} `json:"available_zones"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp))
	codes, ids = map[string]string{}, map[string]string{}
	for _, z := range resp.AvailableZones {
		codes[z.ID], ids[z.Code] = z.Code, z.ID
	}
	return codes, ids
}

// tfConfigs is instances.GetConfigurations: the values by name.
func (s *testServer) tfConfigs(t *testing.T, id string) map[string]string {
	t.Helper()
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/configs")
	require.Equal(t, http.StatusOK, status, body)
	var resp struct {
		KafkaConfigs []struct {
			Name, Value string
		} `json:"kafka_configs"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp))
	out := map[string]string{}
	for _, c := range resp.KafkaConfigs {
		out[c.Name] = c.Value
	}
	return out
}

// tfModifyParameters is modifyParameters: PUT configs, then the task; it
// returns static_config.
func (s *testServer) tfModifyParameters(t *testing.T, id, body string) int {
	t.Helper()
	status, answer := s.tfDo(t, http.MethodPut, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/configs", body)
	require.Equal(t, http.StatusOK, status, answer)
	var resp struct {
		JobID         string `json:"job_id"`
		DynamicConfig int    `json:"dynamic_config"`
		StaticConfig  int    `json:"static_config"`
	}
	require.NoError(t, json.Unmarshal([]byte(answer), &resp))
	s.tfWaitJob(t, id, resp.JobID)
	return resp.StaticConfig
}

// tfRestart is restartKafkaInstance: the action, then RESTARTING until
// RUNNING.
func (s *testServer) tfRestart(t *testing.T, id string) {
	t.Helper()
	status, body := s.tfDo(t, http.MethodPost, "/v2/"+s.creds[0].ProjectID+"/instances/action", `{"action":"restart","instances":["`+id+`"]}`)
	require.Equal(t, http.StatusOK, status, body)
	var resp struct {
		Results []struct {
			Result   string `json:"result"`
			Instance string `json:"instance"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp))
	s.tfWait(t, id, tfStatus, []string{"RESTARTING"}, "RUNNING")
}

// tfCrossVpcUpdate is UpdateCrossVpcAccess: each listener, in the order of
// cross_vpc_accesses, gets the configured address or, without one, its own.
func (s *testServer) tfCrossVpcUpdate(t *testing.T, id string, advertised ...string) {
	t.Helper()
	_, inst := s.tfShow(t, id)
	contents := map[string]string{}
	for i, e := range inst.crossVpc(t) {
		contents[e.Listener] = e.Listener
		if i < len(advertised) && advertised[i] != "" {
			contents[e.Listener] = advertised[i]
		}
	}
	body, err := json.Marshal(map[string]any{"advertised_ip_contents": contents})
	require.NoError(t, err)
	status, answer := s.tfDo(t, http.MethodPost, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/crossvpc/modify", string(body))
	require.Equal(t, http.StatusOK, status, answer)
	var resp struct {
		Success bool `json:"success"`
	}
	require.NoError(t, json.Unmarshal([]byte(answer), &resp))
	require.True(t, resp.Success, answer)
}

// tfExtend is doKafkaInstanceResize: the extension, then the instance
// until kafkaResizeStateRefresh sees the change done and RUNNING.
func (s *testServer) tfExtend(t *testing.T, id, body string, done func(tfInstance) bool) {
	t.Helper()
	status, answer := s.tfDo(t, http.MethodPost, "/v2/"+s.creds[0].ProjectID+"/kafka/instances/"+id+"/extend", body)
	require.Equal(t, http.StatusOK, status, answer)
	s.tfWait(t, id, func(status int, inst tfInstance) string {
		require.Equal(t, http.StatusOK, status)
		if !done(inst) {
			return "PENDING"
		}
		return inst.Status
	}, []string{"PENDING", "EXTENDING"}, "RUNNING")
}

// tfTags is tags.Get.
func (s *testServer) tfTags(t *testing.T, id string) map[string]string {
	t.Helper()
	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/kafka/"+id+"/tags")
	require.Equal(t, http.StatusOK, status, body)
	var resp struct {
		Tags []struct{ Key, Value string } `json:"tags"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp))
	out := map[string]string{}
	for _, tag := range resp.Tags {
		out[tag.Key] = tag.Value
	}
	return out
}

// tfRead checks what resourceDmsKafkaInstanceRead reads besides the
// instance: the zones' codes, the cluster's brokers (read as the provider's
// PathSearch does, so a number for port and a string for broker_id), and
// returns the instance.
func (s *testServer) tfRead(t *testing.T, id string, zoneCodes map[string]string) tfInstance {
	t.Helper()
	status, inst := s.tfShow(t, id)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 1, inst.ChargingMode, "0 reads as prePaid, whose destroy unsubscribes through BSS")
	require.Empty(t, inst.PublicConnectionAddress, "a public address makes the read look up EIPs")
	for _, z := range inst.AvailableZones {
		require.Contains(t, zoneCodes, z)
	}
	n, err := strconv.Atoi(inst.PartitionNum)
	require.NoError(t, err)
	require.Positive(t, n)
	created, err := strconv.ParseInt(inst.CreatedAt, 10, 64)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), time.UnixMilli(created), time.Minute)

	status, body := s.signedGet(t, 0, "/v2/"+s.creds[0].ProjectID+"/instances/"+id+"/manage/cluster")
	require.Equal(t, http.StatusOK, status, body)
	var cluster struct {
		Cluster struct {
			Brokers []map[string]any `json:"brokers"`
		} `json:"cluster"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &cluster))
	require.Len(t, cluster.Cluster.Brokers, inst.BrokerNum)
	for _, b := range cluster.Cluster.Brokers {
		require.IsType(t, true, b["health"])
		require.IsType(t, "", b["host"])
		require.IsType(t, float64(0), b["port"])
		require.IsType(t, "", b["broker_id"])
	}
	return inst
}

func TestTerraformInstanceApplyUpdateDestroy(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	project := s.creds[0].ProjectID
	zoneCodes, zoneIDs := s.tfZones(t)

	// Create, with flavor_id: the body golangsdk builds from the
	// arguments (its zero bss_param included), zone codes turned into ids.
	create := `{"name":"tf-kafka-1","description":"orders","engine":"kafka","engine_version":"3.x",
"storage_space":100,"broker_num":1,"access_user":"admin_user","password":"Admin-Pass1",
"vpc_id":"vpc-1","security_group_id":"sg-1","subnet_id":"subnet-1","available_zones":["` + zoneIDs["az2"] + `"],
"product_id":"c6.2u4g.cluster","arch_type":"X86","maintain_begin":"02:00:00","maintain_end":"06:00:00",
"ssl_enable":true,"kafka_security_protocol":"SASL_PLAINTEXT","sasl_enabled_mechanisms":["SCRAM-SHA-512","PLAIN"],
"retention_policy":"produce_reject","enable_auto_topic":true,"storage_spec_code":"dms.physical.storage.ultra.v2",
"tags":[{"key":"owner","value":"terraform"}],"bss_param":{"charging_mode":""}}`
	status, body := s.tfDo(t, http.MethodPost, "/v2/"+project+"/kafka/instances", create)
	require.Equal(t, http.StatusOK, status, body)
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	id := created.InstanceID
	s.tfWait(t, id, tfStatus, []string{"CREATING"}, "RUNNING")
	// kafkaInstanceCrossVpcInfoRefreshFunc: BOUND once cross_vpc_info is set.
	s.tfWait(t, id, func(_ int, inst tfInstance) string {
		if inst.CrossVpcInfo != "" {
			return "BOUND"
		}
		return "PENDING"
	}, []string{"PENDING"}, "BOUND")
	// cross_vpc_accesses = [{advertised_ip = "192.168.0.61"}].
	s.tfCrossVpcUpdate(t, id, "192.168.0.61")
	// parameters: a dynamic one and a static one, which needs a restart.
	static := s.tfModifyParameters(t, id, `{"kafka_configs":[{"name":"min.insync.replicas","value":"1"},{"name":"log.retention.hours","value":"48"}]}`)
	require.Equal(t, 1, static)
	s.tfRestart(t, id)

	// The read that ends the create, every field it sets.
	inst := s.tfRead(t, id, zoneCodes)
	require.Equal(t, "tf-kafka-1", inst.Name)
	require.Equal(t, "orders", inst.Description)
	require.Equal(t, "kafka", inst.Engine)
	require.Equal(t, "3.x", inst.EngineVersion)
	require.Equal(t, "c6.2u4g.cluster", inst.ProductID, "flavor_id, as it is no legacy numeric product id")
	require.Equal(t, 100, inst.TotalStorageSpace, "storage_space is read from total_storage_space")
	require.Equal(t, 1, inst.BrokerNum)
	require.Equal(t, "vpc-1", inst.VpcID)
	require.Equal(t, "subnet-1", inst.SubnetID)
	require.Equal(t, "sg-1", inst.SecurityGroupID)
	require.Equal(t, []string{zoneIDs["az2"]}, inst.AvailableZones)
	require.Equal(t, "02:00:00", inst.MaintainBegin)
	require.Equal(t, "06:00:00", inst.MaintainEnd)
	require.True(t, inst.SslEnable)
	require.Equal(t, "admin_user", inst.AccessUser)
	require.Equal(t, "produce_reject", inst.RetentionPolicy)
	require.True(t, inst.EnableAutoTopic)
	require.False(t, inst.ConnectorEnable, "dumping")
	require.Equal(t, "dms.physical.storage.ultra.v2", inst.StorageSpecCode)
	require.Equal(t, "RUNNING", inst.Status)
	require.Equal(t, "127.0.0.1", inst.ConnectAddress)
	require.Positive(t, inst.Port)
	require.True(t, inst.PortProtocols.PrivateSaslPlaintextEnable)
	require.False(t, inst.PortProtocols.PrivatePlainEnable)
	cross := inst.crossVpc(t)
	require.Len(t, cross, 1)
	require.Equal(t, "192.168.0.61", cross[0].AdvertisedIP)
	require.Equal(t, "127.0.0.1:"+strconv.Itoa(cross[0].Port), cross[0].Listener)
	require.NotEmpty(t, cross[0].PortID)
	require.Equal(t, map[string]string{"owner": "terraform"}, s.tfTags(t, id))
	configs := s.tfConfigs(t, id)
	require.Equal(t, "1", configs["min.insync.replicas"])
	require.Equal(t, "48", configs["log.retention.hours"])

	// Update: name, description, security group and retention policy in
	// one PUT, which carries every field of the state.
	update := `{"name":"tf-kafka-2","description":"orders and refunds","maintain_begin":"02:00:00","maintain_end":"06:00:00",
"security_group_id":"sg-2","retention_policy":"time_base"}`
	status, body = s.tfDo(t, http.MethodPut, "/v2/"+project+"/instances/"+id, update)
	require.Equal(t, http.StatusNoContent, status, body)
	s.tfWait(t, id, tfStatus, nil, "RUNNING")
	// The provider goes on without waiting for changeRetentionPolicy, a
	// quick task (milliseconds); a change it sent while that runs would be
	// refused with DMS.00400017, which it does not retry. The test waits.
	c := s.client(0)
	last := (*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0]
	require.Equal(t, "changeRetentionPolicy", *last.Name)
	require.Equal(t, "SUCCESS", *waitTask(t, c, id, *last.Id).Status)
	// A PUT that changes only the description still carries the rest.
	status, body = s.tfDo(t, http.MethodPut, "/v2/"+project+"/instances/"+id,
		strings.Replace(update, `"orders and refunds"`, `"orders, refunds"`, 1))
	require.Equal(t, http.StatusNoContent, status, body)
	require.Equal(t, *last.Id, *(*listTasks(t, c, &model.ListBackgroundTasksRequest{InstanceId: id}).Tasks)[0].Id,
		"an unchanged retention policy starts no task")
	status, body = s.tfDo(t, http.MethodPut, "/v2/"+project+"/instances/"+id, `{"security_group_id":""}`)
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, dmsd.EEMPTYSECGROUP)
	// Tags: the removed ones deleted, then the new ones created.
	for _, action := range []string{
		`{"action":"delete","tags":[{"key":"owner","value":"terraform"}]}`,
		`{"action":"create","tags":[{"key":"owner","value":"platform"},{"key":"env","value":"test"}]}`,
	} {
		status, body = s.tfDo(t, http.MethodPost, "/v2/"+project+"/kafka/"+id+"/tags/action", action)
		require.Equal(t, http.StatusNoContent, status, body)
	}
	// cross_vpc_accesses = [{advertised_ip = ""}]: the listener's own address.
	s.tfCrossVpcUpdate(t, id, "")
	// parameters: only the changed one is sent.
	require.Equal(t, 0, s.tfModifyParameters(t, id, `{"kafka_configs":[{"name":"min.insync.replicas","value":"2"}]}`))
	// enable_auto_topic = false: the change, the instance until RUNNING,
	// then FilterTaskRefreshFunc: the first task of GET .../tasks named
	// kafkaConfigModify, CREATED until SUCCESS (EXECUTING let pass, as the
	// provider's first look comes a second later).
	status, body = s.tfDo(t, http.MethodPost, "/v2/"+project+"/instances/"+id+"/autotopic", `{"enable_auto_topic":false}`)
	require.Less(t, status, 300, body)
	s.tfWait(t, id, tfStatus, nil, "RUNNING")
	require.Eventually(t, func() bool {
		status, body := s.signedGet(t, 0, "/v2/"+project+"/instances/"+id+"/tasks")
		require.Equal(t, http.StatusOK, status, body)
		var list struct {
			Tasks []struct{ Name, Status, Params string } `json:"tasks"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &list))
		i := slices.IndexFunc(list.Tasks, func(t struct{ Name, Status, Params string }) bool { return t.Name == "kafkaConfigModify" })
		require.GreaterOrEqual(t, i, 0, "the provider finds the task by this name")
		task := list.Tasks[i]
		require.JSONEq(t, `{"old_auto_status":true,"new_auto_status":false}`, task.Params, "the newest is the automatic topic change")
		require.Contains(t, []string{"CREATED", "EXECUTING", "SUCCESS"}, task.Status)
		return task.Status == "SUCCESS"
	}, 30*time.Second, 10*time.Millisecond)

	inst = s.tfRead(t, id, zoneCodes)
	require.Equal(t, "tf-kafka-2", inst.Name)
	require.Equal(t, "orders, refunds", inst.Description)
	require.Equal(t, "sg-2", inst.SecurityGroupID)
	require.Equal(t, "time_base", inst.RetentionPolicy)
	require.Equal(t, "127.0.0.1", inst.crossVpc(t)[0].AdvertisedIP)
	require.Equal(t, map[string]string{"owner": "platform", "env": "test"}, s.tfTags(t, id))
	require.Equal(t, "2", s.tfConfigs(t, id)["min.insync.replicas"])
	require.False(t, inst.EnableAutoTopic)

	// Resize: broker_num 1 → 3, then storage_space 100 → 300 unless the
	// brokers brought it; kafkaInstanceBrokerNumberRefreshFunc waits for
	// one cross_vpc_info entry per broker between them.
	s.tfExtend(t, id, `{"oper_type":"horizontal","new_broker_num":3}`, func(inst tfInstance) bool { return inst.BrokerNum == 3 })
	s.tfWait(t, id, func(_ int, inst tfInstance) string {
		if inst.BrokerNum == 3 && len(inst.crossVpc(t)) == 3 {
			return "BOUND"
		}
		return "PENDING"
	}, []string{"PENDING"}, "BOUND")
	if _, inst := s.tfShow(t, id); inst.TotalStorageSpace < 300 {
		s.tfExtend(t, id, `{"oper_type":"storage","new_storage_space":300}`, func(inst tfInstance) bool { return inst.TotalStorageSpace == 300 })
	}
	inst = s.tfRead(t, id, zoneCodes)
	require.Equal(t, 3, inst.BrokerNum)
	require.Equal(t, 300, inst.TotalStorageSpace)
	require.Len(t, inst.crossVpc(t), 3)
	// A flavor change (flavor_id) is refused: the embedded brokers have no
	// CPU or memory to resize.
	status, body = s.tfDo(t, http.MethodPost, "/v2/"+project+"/kafka/instances/"+id+"/extend", `{"oper_type":"vertical","new_product_id":"c6.4u8g.cluster"}`)
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, dmsd.EINVALID)

	// Destroy: 204, then DELETING (RUNNING and ERROR pending too) until the
	// instance answers 404; a read then drops it from the state.
	status, body = s.tfDo(t, http.MethodDelete, "/v2/"+project+"/instances/"+id, "")
	require.Equal(t, http.StatusNoContent, status, body)
	s.tfWait(t, id, tfStatus, []string{"DELETING", "RUNNING", "ERROR"}, "DELETED")
	status, _ = s.tfShow(t, id)
	require.Equal(t, http.StatusNotFound, status)
}

// TestTerraformInstanceCompanions replays the instances, flavors and
// background tasks data sources and the restart and background task
// delete resources.
func TestTerraformInstanceCompanions(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	project := s.creds[0].ProjectID
	id := s.createOK(t, 0, createBody(t, "tf-listed", 1, nil))
	s.tfWait(t, id, tfStatus, []string{"CREATING"}, "RUNNING")

	// huaweicloud_dms_kafka_instance_restart.
	s.tfRestart(t, id)

	// huaweicloud_dms_kafka_instances: 50 a page, read with the provider's
	// type assertions (a mismatch panics it).
	status, body := s.signedGet(t, 0, "/v2/"+project+"/instances?limit=50&engine=kafka&name=tf-listed&exact_match_name=true&offset=0")
	require.Equal(t, http.StatusOK, status, body)
	var list map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	require.Equal(t, float64(1), list["instance_num"])
	instances := list["instances"].([]any)
	require.Len(t, instances, 1)
	listed := instances[0].(map[string]any)
	require.Equal(t, id, listed["instance_id"])
	require.IsType(t, "", listed["partition_num"])
	require.IsType(t, "", listed["created_at"])
	require.Equal(t, float64(1), listed["charging_mode"])
	require.Equal(t, false, listed["enable_publicip"])
	require.IsType(t, "", listed["cross_vpc_info"])
	require.IsType(t, []any{}, listed["available_zones"])
	require.IsType(t, float64(0), listed["total_storage_space"])

	// huaweicloud_dms_kafka_flavors with charging_mode = "postPaid", which
	// it matches as "hourly".
	status, body = s.signedGet(t, 0, "/v2/kafka/products?product_id=c6.2u4g.cluster")
	require.Equal(t, http.StatusOK, status, body)
	var flavors struct {
		Versions []string `json:"versions"`
		Products []struct {
			ProductID     string   `json:"product_id"`
			ChargingModes []string `json:"charging_mode"`
			Properties    struct {
				MaxBroker string `json:"max_broker"`
				MinBroker string `json:"min_broker"`
			} `json:"properties"`
		} `json:"products"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &flavors))
	require.Contains(t, flavors.Versions, "3.x")
	require.Len(t, flavors.Products, 1)
	require.Contains(t, flavors.Products[0].ChargingModes, "hourly")
	require.Equal(t, "1", flavors.Products[0].Properties.MinBroker)

	// huaweicloud_dms_kafka_background_tasks: 10 a page from start=1 until
	// task_count (a string) is reached.
	var tasks []map[string]any
	for start := 1; ; {
		status, body = s.signedGet(t, 0, "/v2/"+project+"/instances/"+id+"/tasks?limit=10&start="+strconv.Itoa(start))
		require.Equal(t, http.StatusOK, status, body)
		var page struct {
			TaskCount string           `json:"task_count"`
			Tasks     []map[string]any `json:"tasks"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &page))
		tasks = append(tasks, page.Tasks...)
		start += len(page.Tasks)
		if total, _ := strconv.Atoi(page.TaskCount); total <= start-1 {
			break
		}
	}
	require.Len(t, tasks, 2)
	for _, task := range tasks {
		for _, field := range []string{"id", "name", "params", "status", "user_id", "user_name", "created_at", "updated_at"} {
			require.IsType(t, "", task[field], "%s is a string", field)
		}
	}
	names := []string{tasks[0]["name"].(string), tasks[1]["name"].(string)}
	require.Equal(t, []string{"restartInstance", "createInstance"}, names)

	// huaweicloud_dms_kafka_background_task_delete.
	status, body = s.tfDo(t, http.MethodDelete, "/v2/"+project+"/instances/"+id+"/tasks/"+tasks[1]["id"].(string), "")
	require.Equal(t, http.StatusNoContent, status, body)
	status, body = s.signedGet(t, 0, "/v2/"+project+"/instances/"+id+"/tasks?limit=10&start=1")
	require.Equal(t, http.StatusOK, status, body)
	require.NotContains(t, body, tasks[1]["id"].(string))
}
