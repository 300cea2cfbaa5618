package httpapi

import (
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dmsd/dmsd"
)

// createInstanceRequest is the body of POST /v2/{engine}/{project_id}/instances,
// as the official SDK sends it.
type createInstanceRequest struct {
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Engine          string   `json:"engine"`
	EngineVersion   string   `json:"engine_version"`
	BrokerNum       int      `json:"broker_num"`
	StorageSpace    int      `json:"storage_space"`
	VpcID           string   `json:"vpc_id"`
	SecurityGroupID string   `json:"security_group_id"`
	SubnetID        string   `json:"subnet_id"`
	AvailableZones  []string `json:"available_zones"`
	// AvailabilityZones are zone codes, as the Terraform provider sends
	// them instead of available_zones.
	AvailabilityZones []string  `json:"availability_zones"`
	Tags              []tagJSON `json:"tags"`
	ProductID         string    `json:"product_id"`
	StorageSpecCode   string    `json:"storage_spec_code"`
	MaintainBegin     string    `json:"maintain_begin"`
	MaintainEnd       string    `json:"maintain_end"`
	EnableAutoTopic   bool      `json:"enable_auto_topic"`
	RetentionPolicy   string    `json:"retention_policy"`

	// SASL (with ssl_enable): this access user is the cluster's superuser,
	// ACLs are enforced, and kafka_security_protocol chooses the transport.
	AccessUser            string   `json:"access_user"`
	Password              string   `json:"password"`
	KafkaSecurityProtocol string   `json:"kafka_security_protocol"`
	SaslEnabledMechanisms []string `json:"sasl_enabled_mechanisms"`

	// External, dmsd's own: the instance stands for an existing Kafka
	// cluster reached through these bootstrap servers, as this user.
	External *externalJSON `json:"external"`

	// SslEnable turns SASL on, as the reference has it (not TLS: SASL_SSL,
	// the default protocol, brings TLS).
	SslEnable bool `json:"ssl_enable"`

	// Features dmsd does not offer: a request that asks for them is refused
	// rather than answered with an instance that lacks them.
	EnablePublicip bool          `json:"enable_publicip"`
	DiskEncrypted  bool          `json:"disk_encrypted_enable"`
	ConnectorOn    bool          `json:"connector_enable"`
	BssParam       *bssParamJSON `json:"bss_param"`
}

// bssParamJSON is the billing of a purchase: dmsd bills nothing, so an
// instance is pay-per-use (postPaid), and a yearly or monthly subscription
// (prePaid) is refused rather than answered with an instance nobody paid
// for.
type bssParamJSON struct {
	ChargingMode string `json:"charging_mode"`
}

// externalJSON is an external cluster, in requests and (without the password)
// in answers.
type externalJSON struct {
	BootstrapServers []string `json:"bootstrap_servers"`
	SASLMechanism    string   `json:"sasl_mechanism,omitempty"`
	Username         string   `json:"username,omitempty"`
	Password         string   `json:"password,omitempty"`
}

// unsupported returns the first requested feature dmsd cannot provide, or "".
func (req *createInstanceRequest) unsupported() string {
	switch {
	case req.DiskEncrypted:
		return "disk_encrypted_enable"
	case req.ConnectorOn:
		return "connector_enable"
	case req.BssParam != nil && strings.EqualFold(req.BssParam.ChargingMode, "prePaid"):
		return "bss_param.charging_mode prePaid (a yearly or monthly subscription)"
	}
	return ""
}

// security returns whether the brokers' listeners use TLS, as the request's
// SASL settings choose, or an EINVALID *Error when they contradict the
// reference: access_user and password are required with ssl_enable and
// invalid without it, as are kafka_security_protocol and
// sasl_enabled_mechanisms. The access user's name, password and mechanisms
// themselves are checked by dmsd.Instance.ValidateSASL.
func (req *createInstanceRequest) security() (tls bool, err error) {
	if !req.SslEnable {
		if req.AccessUser != "" || req.Password != "" || req.KafkaSecurityProtocol != "" || len(req.SaslEnabledMechanisms) > 0 {
			return false, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: access_user, password, kafka_security_protocol and sasl_enabled_mechanisms are invalid when ssl_enable is false.")
		}
		return false, nil
	}
	if req.AccessUser == "" {
		return false, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: access_user is required when ssl_enable is true.")
	}
	switch req.KafkaSecurityProtocol {
	case "", dmsd.SASLSSL:
		return true, nil
	case dmsd.SASLPlaintext:
		return false, nil
	}
	return false, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: kafka_security_protocol must be SASL_SSL or SASL_PLAINTEXT.")
}

// instanceJSON is an instance with the JSON types the official SDK decodes.
type instanceJSON struct {
	Name                       string   `json:"name"`
	Engine                     string   `json:"engine"`
	EngineVersion              string   `json:"engine_version"`
	Description                string   `json:"description"`
	Specification              string   `json:"specification"`
	StorageSpace               int      `json:"storage_space"`
	TotalStorageSpace          int      `json:"total_storage_space"`
	PartitionNum               string   `json:"partition_num"`
	UsedStorageSpace           int      `json:"used_storage_space"`
	ConnectAddress             string   `json:"connect_address"`
	Port                       int      `json:"port"`
	KafkaPrivateConnectAddress string   `json:"kafka_private_connect_address"`
	Status                     string   `json:"status"`
	InstanceID                 string   `json:"instance_id"`
	ResourceSpecCode           string   `json:"resource_spec_code"`
	ChargingMode               int      `json:"charging_mode"`
	VpcID                      string   `json:"vpc_id"`
	SubnetID                   string   `json:"subnet_id"`
	SecurityGroupID            string   `json:"security_group_id"`
	AvailableZones             []string `json:"available_zones"`
	CreatedAt                  string   `json:"created_at"`
	UserID                     string   `json:"user_id"`
	UserName                   string   `json:"user_name"`
	MaintainBegin              string   `json:"maintain_begin"`
	MaintainEnd                string   `json:"maintain_end"`
	EnablePublicip             bool     `json:"enable_publicip"`
	SslEnable                  bool     `json:"ssl_enable"`
	EnableAutoTopic            bool     `json:"enable_auto_topic"`
	Type                       string   `json:"type"`
	ProductID                  string   `json:"product_id"`
	StorageSpecCode            string   `json:"storage_spec_code"`
	RetentionPolicy            string   `json:"retention_policy"`
	BrokerNum                  int      `json:"broker_num"`
	NodeNum                    int      `json:"node_num"`
	// SASL: ssl_enable says SASL is on, as in the reference; these are
	// set only then. The password is never shown.
	AccessUser            string   `json:"access_user,omitempty"`
	KafkaSecurityProtocol string   `json:"kafka_security_protocol,omitempty"`
	SaslEnabledMechanisms []string `json:"sasl_enabled_mechanisms,omitempty"`
	EnableACL             bool     `json:"enable_acl"`
	// PortProtocols says which of the reference's access methods the
	// brokers' single listener offers, and where.
	PortProtocols *portProtocolsJSON `json:"port_protocols,omitempty"`
	// External: set only for an instance that stands for an external
	// cluster. The password is never shown.
	External *externalJSON `json:"external,omitempty"`

	AvailableZoneNames []string  `json:"available_zone_names"`
	CrossVpcInfo       string    `json:"cross_vpc_info,omitempty"`
	Tags               []tagJSON `json:"tags"`
	// ConnectorEnable says whether Smart Connect is on, and ConnectorID is
	// then its connector, which the Terraform provider's
	// dms_kafka_smart_connect reads back from the instance.
	ConnectorEnable bool   `json:"connector_enable"`
	ConnectorID     string `json:"connector_id,omitempty"`
	// Task is the instance's newest task, which the Terraform provider
	// follows; shown by GET .../instances/{instance_id} only.
	Task *instanceTaskJSON `json:"task,omitempty"`
}

// instanceTaskJSON is the task object of an instance answer.
type instanceTaskJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
}

func toInstanceJSON(inst *dmsd.Instance) instanceJSON {
	out := instanceJSON{
		Name:              inst.Name,
		Engine:            inst.Engine,
		EngineVersion:     inst.EngineVersion,
		Description:       inst.Description,
		Specification:     strconv.Itoa(inst.BrokerNum) + " brokers",
		StorageSpace:      int32Of(inst.StorageSpace),
		TotalStorageSpace: int32Of(inst.StorageSpace),
		PartitionNum:      strconv.Itoa(inst.BrokerNum * 100),
		Status:            string(inst.Status),
		InstanceID:        inst.ID,
		ResourceSpecCode:  inst.ProductID,
		ChargingMode:      1,
		VpcID:             inst.VpcID,
		SubnetID:          inst.SubnetID,
		SecurityGroupID:   inst.SecurityGroupID,
		AvailableZones:    inst.AvailableZones,
		CreatedAt:         strconv.FormatInt(inst.CreatedAt.UnixMilli(), 10),
		UserID:            inst.UserID,
		UserName:          inst.UserName,
		MaintainBegin:     inst.MaintainBegin,
		MaintainEnd:       inst.MaintainEnd,
		EnableAutoTopic:   inst.EnableAutoTopic,
		Type:              "cluster",
		ProductID:         inst.ProductID,
		StorageSpecCode:   inst.StorageSpecCode,
		RetentionPolicy:   inst.RetentionPolicy,
		BrokerNum:         int32Of(inst.BrokerNum),
		NodeNum:           int32Of(inst.BrokerNum),
		ConnectorEnable:   inst.ConnectorID != "",
		ConnectorID:       inst.ConnectorID,
	}
	if inst.BrokerNum == 1 {
		out.Type = "single"
	}
	out.Tags = toTagsJSON(inst.Tags)
	out.AvailableZoneNames = make([]string, 0, len(inst.AvailableZones))
	for _, id := range inst.AvailableZones {
		if z, ok := dmsd.ZoneByID(id); ok {
			out.AvailableZoneNames = append(out.AvailableZoneNames, z.Name)
		}
	}
	out.SslEnable = inst.SASLEnabled()
	if inst.SASLEnabled() {
		out.AccessUser, out.KafkaSecurityProtocol, out.EnableACL = inst.AccessUser, dmsd.SASLPlaintext, true
		if inst.SSLEnabled {
			out.KafkaSecurityProtocol = dmsd.SASLSSL
		}
		out.SaslEnabledMechanisms = inst.SASLMechanisms
	} else if inst.SSLEnabled {
		// TLS without SASL, which the reference has no name for: only an
		// instance switched before ssl_enable meant SASL is in this state.
		out.KafkaSecurityProtocol = "SSL"
	}
	if x := inst.External; x != nil {
		out.External = &externalJSON{BootstrapServers: x.BootstrapServers, SASLMechanism: x.SASLMechanism, Username: x.Username}
		if host, port, err := net.SplitHostPort(x.BootstrapServers[0]); err == nil {
			out.ConnectAddress, out.Port = host, atoiOr0(port)
		}
		out.KafkaPrivateConnectAddress = strings.Join(x.BootstrapServers, ",")
		if inst.Status == dmsd.InstanceRunning {
			out.CrossVpcInfo = crossVPCInfo(x.BootstrapServers, nil)
		}
		return out
	}
	// Only a running instance has an address a client can use.
	if inst.Status == dmsd.InstanceRunning && len(inst.Ports) > 0 {
		out.ConnectAddress, out.Port = "127.0.0.1", inst.Ports[0]
		addrs := make([]string, len(inst.Ports))
		for i, p := range inst.Ports {
			addrs[i] = "127.0.0.1:" + strconv.Itoa(p)
		}
		out.KafkaPrivateConnectAddress = strings.Join(addrs, ",")
		out.CrossVpcInfo = crossVPCInfo(addrs, inst.AdvertisedIP)
	}
	out.PortProtocols = portProtocolsOf(inst, out.KafkaPrivateConnectAddress)
	return out
}

// portProtocolsJSON is the SDK's PortProtocolsEntity: the private access
// methods, each with its addresses. Public access is never offered.
type portProtocolsJSON struct {
	PrivatePlainEnable          bool   `json:"private_plain_enable"`
	PrivatePlainAddress         string `json:"private_plain_address,omitempty"`
	PrivateSaslSslEnable        bool   `json:"private_sasl_ssl_enable"`
	PrivateSaslSslAddress       string `json:"private_sasl_ssl_address,omitempty"`
	PrivateSaslPlaintextEnable  bool   `json:"private_sasl_plaintext_enable"`
	PrivateSaslPlaintextAddress string `json:"private_sasl_plaintext_address,omitempty"`
	PublicPlainEnable           bool   `json:"public_plain_enable"`
	PublicSaslSslEnable         bool   `json:"public_sasl_ssl_enable"`
	PublicSaslPlaintextEnable   bool   `json:"public_sasl_plaintext_enable"`
}

// portProtocolsOf returns the access methods of an embedded instance's
// listeners, reached at addrs, and nil for an external cluster, whose
// listeners dmsd does not know.
func portProtocolsOf(inst *dmsd.Instance, addrs string) *portProtocolsJSON {
	if inst.External != nil {
		return nil
	}
	p := &portProtocolsJSON{}
	switch {
	case inst.SASLEnabled() && inst.SSLEnabled:
		p.PrivateSaslSslEnable, p.PrivateSaslSslAddress = true, addrs
	case inst.SASLEnabled():
		p.PrivateSaslPlaintextEnable, p.PrivateSaslPlaintextAddress = true, addrs
	case !inst.SSLEnabled:
		p.PrivatePlainEnable, p.PrivatePlainAddress = true, addrs
	}
	return p
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return int32Of(n)
}

// int32Of returns n, or the int32 bound it passes: the SDK decodes these
// numbers into int32 and fails the whole answer on one that does not fit.
// Requests are bounded so that nothing stored passes them; this guards
// records older than those bounds and numbers an external cluster reports.
func int32Of(n int) int {
	return max(math.MinInt32, min(n, math.MaxInt32))
}

func handleInstanceCreate(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if e := r.PathValue("engine"); e != "" && e != "kafka" {
			return dmsd.Errorf(dmsd.EUNSUPPORTEDENGINE, "Unsupported type: the engine must be kafka.")
		}
		req, err := decode[createInstanceRequest](r)
		if err != nil {
			return err
		}
		if req.EnablePublicip {
			return errPublicAccess()
		}
		if f := req.unsupported(); f != "" {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: %s is not supported by this service.", f)
		}
		zones, err := dmsd.ResolveZones(req.AvailableZones, req.AvailabilityZones)
		if err != nil {
			return err
		}
		tls, err := req.security()
		if err != nil {
			return err
		}
		inst := &dmsd.Instance{
			Name:            req.Name,
			Description:     req.Description,
			Engine:          req.Engine,
			EngineVersion:   req.EngineVersion,
			BrokerNum:       req.BrokerNum,
			StorageSpace:    req.StorageSpace,
			StorageSpecCode: req.StorageSpecCode,
			ProductID:       req.ProductID,
			VpcID:           req.VpcID,
			SubnetID:        req.SubnetID,
			SecurityGroupID: req.SecurityGroupID,
			AvailableZones:  zones,
			MaintainBegin:   req.MaintainBegin,
			MaintainEnd:     req.MaintainEnd,
			EnableAutoTopic: req.EnableAutoTopic,
			RetentionPolicy: req.RetentionPolicy,
			AccessUser:      req.AccessUser,
			AccessPassword:  req.Password,
			SASLMechanisms:  req.SaslEnabledMechanisms,
			SSLEnabled:      tls,
		}
		for _, t := range req.Tags {
			inst.Tags = append(inst.Tags, dmsd.Tag(t))
		}
		if x := req.External; x != nil {
			inst.External = &dmsd.ExternalCluster{BootstrapServers: x.BootstrapServers, SASLMechanism: x.SASLMechanism, Username: x.Username, Password: x.Password}
		}
		if _, err := svc.CreateInstance(r.Context(), actorFrom(r), inst); err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]string{"instance_id": inst.ID})
		return nil
	})
}

type instanceListJSON struct {
	Instances   []instanceJSON `json:"instances"`
	InstanceNum int            `json:"instance_num"`
}

func handleInstanceList(store dmsd.InstanceStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		match, offset, limit, err := parseInstanceQuery(r.URL.Query())
		if err != nil {
			return err
		}
		instances, err := store.ListInstances(r.Context(), r.PathValue("project_id"))
		if err != nil {
			return err
		}
		out := instanceListJSON{Instances: []instanceJSON{}}
		for _, inst := range instances {
			if inst.Recycled() || !match(inst) {
				continue
			}
			if out.InstanceNum >= offset && len(out.Instances) < limit {
				out.Instances = append(out.Instances, toInstanceJSON(inst))
			}
			out.InstanceNum++
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// parseInstanceQuery reads the instance list's filters: engine, name (a
// substring, or the whole name with exact_match_name=true), instance_id,
// status, and offset and limit. Without offset and limit every match is
// returned, as the official SDK cannot page. It returns EUNSUPPORTEDENGINE,
// EINVALID, EOFFSET or ELIMIT for a value it refuses.
func parseInstanceQuery(q url.Values) (match func(*dmsd.Instance) bool, offset, limit int, err error) {
	if e := q.Get("engine"); e != "" && e != "kafka" {
		return nil, 0, 0, dmsd.Errorf(dmsd.EUNSUPPORTEDENGINE, "Unsupported type: the engine must be kafka.")
	}
	exact := q.Get("exact_match_name")
	if exact != "" && exact != "true" && exact != "false" {
		return nil, 0, 0, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: exact_match_name must be true or false.")
	}
	limit = math.MaxInt
	if q.Has("offset") {
		if offset, err = parseInt(q, "offset", 0, maxTaskOffset, dmsd.EOFFSET); err != nil {
			return nil, 0, 0, err
		}
		limit = 10
	}
	if q.Has("limit") {
		if limit, err = parseInt(q, "limit", 1, 50, dmsd.ELIMIT); err != nil {
			return nil, 0, 0, err
		}
	}
	name, id, status := q.Get("name"), q.Get("instance_id"), q.Get("status")
	return func(inst *dmsd.Instance) bool {
		switch {
		case exact == "true" && name != "" && inst.Name != name,
			name != "" && !strings.Contains(inst.Name, name),
			id != "" && inst.ID != id,
			status != "" && string(inst.Status) != status:
			return false
		}
		return true
	}, offset, limit, nil
}

func handleInstanceShow(store dmsd.Store) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		inst, err := visibleInstance(r, store)
		if err != nil {
			return err
		}
		out := toInstanceJSON(inst)
		tasks, _, err := store.ListTasks(r.Context(), dmsd.TaskFilter{ProjectID: inst.ProjectID, InstanceID: inst.ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(tasks) > 0 && tasks[0].ShownOnInstance() {
			t := tasks[0]
			out.Task = &instanceTaskJSON{ID: t.ID, Name: t.Name, Status: string(t.Status), CreatedAt: strconv.FormatInt(t.CreatedAt.UnixMilli(), 10)}
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

func handleInstanceDelete(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		if _, err := svc.DeleteInstance(r.Context(), actorFrom(r), instanceID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

type instanceActionRequest struct {
	Action    string   `json:"action"`
	Instances []string `json:"instances"`
}

type actionResultJSON struct {
	Result   string `json:"result"`
	Instance string `json:"instance"`
	// Why an instance failed; the reference has no such fields, and
	// clients that do not know them ignore them.
	ErrorCode string `json:"error_code,omitempty"`
	ErrorMsg  string `json:"error_msg,omitempty"`
}

// maxActionInstances is the reference's limit on one batch action.
const maxActionInstances = 50

func handleInstanceAction(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[instanceActionRequest](r)
		if err != nil {
			return err
		}
		var act func(id string) error
		switch req.Action {
		case "restart":
			act = func(id string) error { _, err := svc.RestartInstance(r.Context(), actorFrom(r), id); return err }
		case "delete":
			act = func(id string) error { _, err := svc.DeleteInstance(r.Context(), actorFrom(r), id); return err }
		default:
			return dmsd.Errorf(dmsd.EINVALIDACTION, "The action parameter in the request must be delete or restart.")
		}
		if err := checkInstanceBatch(req.Instances); err != nil {
			return err
		}
		out := struct {
			Results []actionResultJSON `json:"results"`
		}{Results: make([]actionResultJSON, 0, len(req.Instances))}
		for _, id := range req.Instances {
			res := actionResultJSON{Result: "success", Instance: id}
			if err := act(id); err != nil {
				// A fault of the service fails the call; a refusal of this
				// instance fails only its result.
				if status := statusOf[dmsd.ErrorCode(err)]; status == 0 || status >= 500 {
					return err
				}
				res.Result, res.ErrorCode, res.ErrorMsg = "failed", dmsd.ErrorCode(err), dmsd.ErrorMessage(err)
			}
			out.Results = append(out.Results, res)
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

type autoTopicRequest struct {
	EnableAutoTopic *bool `json:"enable_auto_topic"`
}

func handleAutoTopic(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[autoTopicRequest](r)
		if err != nil {
			return err
		}
		if req.EnableAutoTopic == nil {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: enable_auto_topic is required.")
		}
		if _, err := svc.SetAutoTopic(r.Context(), actorFrom(r), instanceID, *req.EnableAutoTopic); err != nil {
			return err
		}
		encode(w, http.StatusOK, struct{}{})
		return nil
	})
}

// checkInstanceBatch returns an error unless ids is a batch of instances an
// action may name: EEMPTYINSTANCES for none, ETOOMANYINSTANCES past
// maxActionInstances, EINVALIDINSTANCEID for a malformed id.
func checkInstanceBatch(ids []string) error {
	switch {
	case len(ids) == 0:
		return dmsd.Errorf(dmsd.EEMPTYINSTANCES, "The instances parameter in the request is empty.")
	case len(ids) > maxActionInstances:
		return dmsd.Errorf(dmsd.ETOOMANYINSTANCES, "The instances array can contain a maximum of %d instance IDs.", maxActionInstances)
	}
	for _, id := range ids {
		if err := checkInstanceID(id); err != nil {
			return err
		}
	}
	return nil
}
