package httpapi

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/dmsd/dmsd"
)

// handleConfigFeatures answers GET /v2/config/features (SDK
// ListConfigFeatures): the features of dmsd.ConfigFeatures, status 1 for
// those served and 0 for those refused.
func handleConfigFeatures() http.Handler {
	type featureJSON struct {
		FeatureID   string `json:"featureId"`
		Status      int    `json:"status"`
		Description string `json:"description"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := make([]featureJSON, 0, len(dmsd.ConfigFeatures))
		for _, f := range dmsd.ConfigFeatures {
			st := 0
			if f.On {
				st = 1
			}
			out = append(out, featureJSON{FeatureID: f.ID, Status: st, Description: f.Description})
		}
		encode(w, http.StatusOK, map[string]any{"features": out, "totalRecord": len(out)})
	})
}

// handleExtendProductInfo answers GET
// /v2/{project_id}/kafka/instances/{instance_id}/extend?type=advanced (SDK
// ShowKafkaInstanceExtendProductInfo): the flavors of dmsd.Products of the
// instance's type, with the bounds extension applies. It answers EINVALID
// for a type other than advanced and EINSTANCENOTFOUND.
func handleExtendProductInfo(store dmsd.InstanceStore) http.Handler {
	type ioJSON struct {
		IoSpec           string   `json:"io_spec"`
		Type             string   `json:"type"`
		AvailableZones   []string `json:"available_zones"`
		UnavailableZones []string `json:"unavailable_zones"`
	}
	type productJSON struct {
		Type             string            `json:"type"`
		ProductID        string            `json:"product_id"`
		EcsFlavorID      string            `json:"ecs_flavor_id"`
		ArchTypes        []string          `json:"arch_types"`
		ChargingMode     []string          `json:"charging_mode"`
		Ios              []ioJSON          `json:"ios"`
		SupportFeatures  []map[string]any  `json:"support_features"`
		Properties       map[string]string `json:"properties"`
		AvailableZones   []string          `json:"available_zones"`
		UnavailableZones []string          `json:"unavailable_zones"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		if t := r.URL.Query().Get("type"); t != "advanced" {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: type must be advanced.")
		}
		inst, err := store.FindInstance(r.Context(), r.PathValue("project_id"), id)
		if err != nil {
			return err
		}
		typ := "cluster"
		if p, ok := dmsd.ProductByID(inst.ProductID); ok {
			typ = p.Type
		}
		codes := make([]string, 0, len(dmsd.AvailabilityZones))
		for _, z := range dmsd.AvailabilityZones {
			codes = append(codes, z.Code)
		}
		out := []productJSON{}
		for _, p := range dmsd.Products {
			if p.Type != typ {
				continue
			}
			pj := productJSON{
				Type: p.Type, ProductID: p.ID, EcsFlavorID: p.ID, ArchTypes: []string{"X86"}, ChargingMode: []string{"hourly"},
				SupportFeatures: []map[string]any{}, AvailableZones: codes, UnavailableZones: []string{},
				Properties: map[string]string{
					"max_partition_per_broker": strconv.Itoa(p.MaxPartitionsPerBroker),
					"min_broker":               strconv.Itoa(p.MinBrokers),
					"max_broker":               strconv.Itoa(p.MaxBrokers),
					"product_alias":            p.ID,
				},
			}
			for _, io := range p.StorageSpecCodes {
				pj.Ios = append(pj.Ios, ioJSON{IoSpec: io, Type: "evs", AvailableZones: codes, UnavailableZones: []string{}})
			}
			out = append(out, pj)
		}
		encode(w, http.StatusOK, map[string]any{"engine": "kafka", "versions": dmsd.EngineVersions, "products": out})
		return nil
	})
}

// cesDimensions are the reference's monitoring dimensions of an instance,
// each with the keys of the hierarchy that name its objects.
var cesDimensions = []map[string]any{
	{"name": "kafka_instance_id", "metrics": []string{"current_partitions", "current_topics", "group_messages"},
		"key_name": []string{"instance_ids"}, "dim_router": []string{"kafka_instance_id"}},
	{"name": "kafka_broker", "metrics": []string{"broker_data_size", "broker_messages_in_rate", "broker_bytes_out_rate", "broker_bytes_in_rate"},
		"key_name": []string{"nodes"}, "dim_router": []string{"kafka_instance_id", "kafka_broker"}},
	{"name": "kafka_topics", "metrics": []string{"topic_data_size", "topic_messages_in_rate", "topic_bytes_out_rate", "topic_bytes_in_rate", "topic_messages"},
		"key_name": []string{"queues"}, "dim_router": []string{"kafka_instance_id", "kafka_topics"},
		"children": []map[string]any{{"name": "kafka_partitions", "metrics": []string{"produced_messages", "partition_messages"},
			"key_name": []string{"queues", "partitions"}, "dim_router": []string{"kafka_instance_id", "kafka_topics", "kafka_partitions"}}}},
	{"name": "kafka_groups_partitions", "metrics": []string{"messages_consumed", "messages_remained"},
		"key_name":   []string{"groups", "queues", "partitions"},
		"dim_router": []string{"kafka_instance_id", "kafka_groups", "kafka_groups_topics", "kafka_groups_partitions"}},
}

type cesNameJSON struct {
	Name string `json:"name"`
}

type cesQueueJSON struct {
	Name       string        `json:"name"`
	Partitions []cesNameJSON `json:"partitions"`
}

// handleCesHierarchy answers GET
// /v2/{project_id}/instances/{instance_id}/ces-hierarchy (SDK
// ShowCesHierarchy): the monitoring dimensions and the objects the cluster
// has in each: its brokers, its topics with their partitions and its
// consumer groups with the partitions they committed offsets on. It answers
// the services' errors (EINSTANCENOTFOUND, an unreachable cluster ...).
func handleCesHierarchy(brokers dmsd.BrokerService, topics dmsd.TopicService, groups dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		bs, _, err := brokers.Brokers(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		ts, _, err := topics.ListTopics(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		gs, _, err := groups.Groups(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		nodes := make([]cesNameJSON, 0, len(bs))
		for _, b := range bs {
			nodes = append(nodes, cesNameJSON{Name: "broker-" + strconv.Itoa(int(b.ID))})
		}
		queues := make([]cesQueueJSON, 0, len(ts))
		for _, t := range ts {
			q := cesQueueJSON{Name: t.Name, Partitions: make([]cesNameJSON, 0, t.Partitions)}
			for p := range t.Partitions {
				q.Partitions = append(q.Partitions, cesNameJSON{Name: strconv.Itoa(p)})
			}
			queues = append(queues, q)
		}
		sort.Slice(queues, func(i, j int) bool { return queues[i].Name < queues[j].Name })
		type groupJSON struct {
			Name   string         `json:"name"`
			Queues []cesQueueJSON `json:"queues"`
		}
		outGroups := make([]groupJSON, 0, len(gs))
		for _, g := range gs {
			gj := groupJSON{Name: g.Name, Queues: []cesQueueJSON{}}
			for _, o := range g.Offsets { // sorted by topic, then partition
				if n := len(gj.Queues); n == 0 || gj.Queues[n-1].Name != o.Topic {
					gj.Queues = append(gj.Queues, cesQueueJSON{Name: o.Topic, Partitions: []cesNameJSON{}})
				}
				q := &gj.Queues[len(gj.Queues)-1]
				q.Partitions = append(q.Partitions, cesNameJSON{Name: strconv.Itoa(int(o.Partition))})
			}
			outGroups = append(outGroups, gj)
		}
		sort.Slice(outGroups, func(i, j int) bool { return outGroups[i].Name < outGroups[j].Name })
		encode(w, http.StatusOK, map[string]any{
			"dimensions":   cesDimensions,
			"instance_ids": []cesNameJSON{{Name: id}},
			"nodes":        nodes,
			"queues":       queues,
			"groups":       outGroups,
		})
		return nil
	})
}
