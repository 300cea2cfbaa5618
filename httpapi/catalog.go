package httpapi

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/dmsd/dmsd"
)

// availableZoneJSON is one zone of GET /v2/available-zones (SDK
// AvailableZonesResp).
type availableZoneJSON struct {
	ID                   string `json:"id"`
	Code                 string `json:"code"`
	Name                 string `json:"name"`
	Port                 string `json:"port"`
	ResourceAvailability string `json:"resource_availability"`
	DefaultAZ            bool   `json:"default_az"`
	SoldOut              bool   `json:"soldOut"`
}

// handleAvailableZones answers the zones instances may be created in, as
// the reference's listing_az_information shows them.
func handleAvailableZones() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := struct {
			RegionID       string              `json:"region_id"`
			AvailableZones []availableZoneJSON `json:"available_zones"`
		}{RegionID: dmsd.Region, AvailableZones: make([]availableZoneJSON, 0, len(dmsd.AvailabilityZones))}
		for _, z := range dmsd.AvailabilityZones {
			out.AvailableZones = append(out.AvailableZones, availableZoneJSON{
				ID: z.ID, Code: z.Code, Name: z.Name, Port: "443", ResourceAvailability: "true", DefaultAZ: z.ID == dmsd.DefaultZoneID,
			})
		}
		encode(w, http.StatusOK, out)
	})
}

// productJSON is one product of GET /v2/{engine}/products (SDK
// ListEngineProductsEntity).
type productJSON struct {
	Type            string           `json:"type"`
	ProductID       string           `json:"product_id"`
	EcsFlavorID     string           `json:"ecs_flavor_id"`
	BillingCode     string           `json:"billing_code"`
	ArchTypes       []string         `json:"arch_types"`
	ChargingMode    []string         `json:"charging_mode"`
	Ios             []productIOJSON  `json:"ios"`
	SupportFeatures []map[string]any `json:"support_features"`
	Properties      map[string]any   `json:"properties"`
}

type productIOJSON struct {
	IoSpec           string   `json:"io_spec"`
	Type             string   `json:"type"`
	AvailableZones   []string `json:"available_zones"`
	UnavailableZones []string `json:"unavailable_zones"`
}

// handleProducts answers the flavors that instance creation accepts, all of
// them or the one named by product_id; a product_id dmsd does not offer
// gets an empty list, as a filter that matches nothing.
func handleProducts() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		codes := make([]string, 0, len(dmsd.AvailabilityZones))
		for _, z := range dmsd.AvailabilityZones {
			codes = append(codes, z.Code)
		}
		want := r.URL.Query().Get("product_id")
		out := struct {
			Engine   string        `json:"engine"`
			Versions []string      `json:"versions"`
			Products []productJSON `json:"products"`
		}{Engine: "kafka", Versions: dmsd.EngineVersions, Products: []productJSON{}}
		for _, p := range dmsd.Products {
			if want != "" && p.ID != want {
				continue
			}
			pj := productJSON{
				Type: p.Type, ProductID: p.ID, EcsFlavorID: p.ID, BillingCode: "dmsd." + p.Type,
				ArchTypes: []string{"X86"}, ChargingMode: []string{"hourly"}, SupportFeatures: []map[string]any{},
				Properties: map[string]any{
					"max_partition_per_broker": strconv.Itoa(p.MaxPartitionsPerBroker),
					"min_broker":               strconv.Itoa(p.MinBrokers),
					"max_broker":               strconv.Itoa(p.MaxBrokers),
					"product_alias":            p.ID,
				},
			}
			for _, io := range p.StorageSpecCodes {
				pj.Ios = append(pj.Ios, productIOJSON{IoSpec: io, Type: "evs", AvailableZones: codes, UnavailableZones: []string{}})
			}
			out.Products = append(out.Products, pj)
		}
		encode(w, http.StatusOK, out)
	})
}

// handleKafkaCluster answers GET .../manage/cluster (SDK ShowKafkaCluster):
// the brokers of the running cluster, as Kafka's metadata lists them.
func handleKafkaCluster(svc dmsd.BrokerService) http.Handler {
	type brokerJSON struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		BrokerID string `json:"broker_id"`
		Health   bool   `json:"health"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		brokers, _, err := svc.Brokers(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		out := make([]brokerJSON, 0, len(brokers))
		for _, b := range brokers {
			// A broker the metadata lists is one the client reached.
			out = append(out, brokerJSON{Host: b.Host, Port: b.Port, BrokerID: strconv.Itoa(int(b.ID)), Health: true})
		}
		encode(w, http.StatusOK, map[string]any{"cluster": map[string]any{"brokers": out}})
		return nil
	})
}

type tagJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func toTagsJSON(tags []dmsd.Tag) []tagJSON {
	out := make([]tagJSON, 0, len(tags))
	for _, t := range tags {
		out = append(out, tagJSON(t))
	}
	return out
}

// handleInstanceTags answers GET /v2/{project_id}/kafka/{instance_id}/tags
// (SDK ShowKafkaTags): the tags the instance was created with.
func handleInstanceTags(store dmsd.InstanceStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		inst, err := findInstance(r, store)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"tags": toTagsJSON(inst.Tags)})
		return nil
	})
}

// crossVPCInfo returns the cross_vpc_info of an instance whose brokers
// listen on addrs (host:port): a JSON document, as a string, that maps each
// broker's listener to where clients reach it. The reference keys it by each
// broker's own IP; dmsd's embedded brokers share 127.0.0.1, so the key is
// host:port, distinct per broker. advertised, when not nil, returns the
// address advertised for a listener (UpdateInstanceCrossVpcIp).
func crossVPCInfo(addrs []string, advertised func(addr string) string) string {
	type entry struct {
		AdvertisedIP string `json:"advertised_ip"`
		Port         int    `json:"port"`
		PortID       string `json:"port_id"`
	}
	m := make(map[string]entry, len(addrs))
	for i, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			continue
		}
		if advertised != nil {
			host = advertised(a)
		}
		m[a] = entry{AdvertisedIP: host, Port: atoiOr0(port), PortID: "broker-" + strconv.Itoa(i)}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// handleTagsChange answers POST /v2/{project_id}/kafka/{instance_id}/tags/action
// (SDK BatchCreateOrDeleteKafkaTag) with 204 once the tags are changed.
func handleTagsChange(svc dmsd.TagService) http.Handler {
	type request struct {
		Action string    `json:"action"`
		Tags   []tagJSON `json:"tags"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, req, err := decodeForInstance[request](r)
		if err != nil {
			return err
		}
		tags := make([]dmsd.Tag, 0, len(req.Tags))
		for _, t := range req.Tags {
			tags = append(tags, dmsd.Tag(t))
		}
		if err := svc.ChangeTags(r.Context(), actorFrom(r), id, req.Action, tags); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleProjectTags answers GET /v2/{project_id}/kafka/tags (SDK
// ShowKafkaProjectTags): every tag key of the project's instances with its
// values.
func handleProjectTags(svc dmsd.TagService) http.Handler {
	type tagValuesJSON struct {
		Key    string   `json:"key"`
		Values []string `json:"values"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		tags, err := svc.ProjectTags(r.Context(), actorFrom(r))
		if err != nil {
			return err
		}
		out := make([]tagValuesJSON, 0, len(tags))
		for _, t := range tags {
			out = append(out, tagValuesJSON(t))
		}
		encode(w, http.StatusOK, map[string]any{"tags": out})
		return nil
	})
}

// handleMaintainWindows answers GET /v2/instances/maintain-windows (SDK
// ShowMaintainWindows).
func handleMaintainWindows() http.Handler {
	type windowJSON struct {
		Seq     int    `json:"seq"`
		Begin   string `json:"begin"`
		End     string `json:"end"`
		Default bool   `json:"default"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := make([]windowJSON, 0, len(dmsd.MaintainWindows))
		for _, win := range dmsd.MaintainWindows {
			out = append(out, windowJSON(win))
		}
		encode(w, http.StatusOK, map[string]any{"maintain_windows": out})
	})
}

// handleProductCores answers GET /v2/kafka/products/cores (SDK
// ShowKafkaProductCores): the vCPUs of broker_num brokers of product_id, and
// the storage an instance may be extended to in all.
func handleProductCores() http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		cores, err := dmsd.ProductCores(q.Get("product_id"), q.Get("broker_num"))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]int{"core_num": cores, "total_extend_storage_space": dmsd.MaxStorageSpace})
		return nil
	})
}
