package httpapi

import (
	"net/http"

	"github.com/dmsd/dmsd"
)

// nameValue is a topic or broker config as requests carry it.
type nameValue struct {
	Name  *string `json:"name"`
	Value *string `json:"value"`
}

// configsOf returns the configs of a request as a map, refusing an entry
// without a name or value and a name given twice.
func configsOf(in []nameValue) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range in {
		if c.Name == nil || c.Value == nil {
			return nil, dmsd.Errorf(dmsd.EINVALIDCONFIG, "Invalid configuration parameter: every config needs a name and a value.")
		}
		if _, dup := out[*c.Name]; dup {
			return nil, dmsd.Errorf(dmsd.EINVALIDCONFIG, "Invalid configuration parameter %s: it is given twice.", *c.Name)
		}
		out[*c.Name] = *c.Value
	}
	return out, nil
}

// createTopicRequest is the body of POST .../topics (SDK CreateInstanceTopicReq).
type createTopicRequest struct {
	ID                string      `json:"id"`
	Replication       *int        `json:"replication"`
	Partition         *int        `json:"partition"`
	RetentionTime     *int        `json:"retention_time"`
	SyncReplication   bool        `json:"sync_replication"`
	SyncMessageFlush  bool        `json:"sync_message_flush"`
	TopicOtherConfigs []nameValue `json:"topic_other_configs"`
	TopicDesc         string      `json:"topic_desc"`
}

func handleTopicCreate(svc dmsd.TopicService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[createTopicRequest](r)
		if err != nil {
			return err
		}
		if req.TopicDesc != "" {
			// Kafka has no place for it; refused rather than dropped.
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topic_desc is not supported by this service.")
		}
		t := &dmsd.Topic{Name: req.ID, SyncReplication: req.SyncReplication, SyncMessageFlush: req.SyncMessageFlush}
		// An explicit 0 is out of range, not "the default".
		if req.Partition != nil {
			if t.Partitions = *req.Partition; t.Partitions == 0 {
				t.Partitions = -1
			}
		}
		if req.Replication != nil {
			if t.Replication = *req.Replication; t.Replication == 0 {
				t.Replication = -1
			}
		}
		if req.RetentionTime != nil {
			if t.RetentionHours = *req.RetentionTime; t.RetentionHours == 0 {
				t.RetentionHours = -1
			}
		}
		if t.Configs, err = configsOf(req.TopicOtherConfigs); err != nil {
			return err
		}
		if err := svc.CreateTopic(r.Context(), actorFrom(r), instanceID, t); err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]string{"name": t.Name})
		return nil
	})
}

type topicConfigJSON struct {
	Name         string `json:"name"`
	ValidValues  string `json:"valid_values"`
	DefaultValue string `json:"default_value"`
	ConfigType   string `json:"config_type"`
	Value        string `json:"value"`
	ValueType    string `json:"value_type"`
}

type topicJSON struct {
	PoliciesOnly      bool              `json:"policiesOnly"`
	Name              string            `json:"name"`
	Replication       int               `json:"replication"`
	Partition         int               `json:"partition"`
	RetentionTime     int               `json:"retention_time"`
	SyncReplication   bool              `json:"sync_replication"`
	SyncMessageFlush  bool              `json:"sync_message_flush"`
	TopicType         int               `json:"topic_type"`
	TopicOtherConfigs []topicConfigJSON `json:"topic_other_configs"`
	TopicDesc         string            `json:"topic_desc"`
}

type topicListJSON struct {
	Total              int         `json:"total"`
	Size               int         `json:"size"`
	RemainPartitions   int         `json:"remain_partitions"`
	MaxPartitions      int         `json:"max_partitions"`
	TopicMaxPartitions int         `json:"topic_max_partitions"`
	Topics             []topicJSON `json:"topics"`
}

func toTopicJSON(t *dmsd.Topic) topicJSON {
	out := topicJSON{
		Name:              t.Name,
		Replication:       int32Of(t.Replication),
		Partition:         int32Of(t.Partitions),
		RetentionTime:     int32Of(t.RetentionHours),
		SyncReplication:   t.SyncReplication,
		SyncMessageFlush:  t.SyncMessageFlush,
		TopicOtherConfigs: make([]topicConfigJSON, 0, len(dmsd.TopicParams)),
	}
	for _, p := range dmsd.TopicParams {
		v, ok := t.Configs[p.Name]
		if !ok {
			v = p.Default
		}
		out.TopicOtherConfigs = append(out.TopicOtherConfigs, topicConfigJSON{
			Name: p.Name, ValidValues: p.ValidValues, DefaultValue: p.Default,
			ConfigType: p.ConfigType(), Value: v, ValueType: p.ValueType,
		})
	}
	return out
}

// maxTopicPage is the largest topic page: the SDK's bound, and what the
// Terraform provider asks for (the reference says 50).
const maxTopicPage = 200

func handleTopicList(svc dmsd.TopicService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		offset, limit := 0, 10
		if q.Has("offset") {
			if offset, err = parseInt(q, "offset", 0, maxTaskOffset, dmsd.EOFFSET); err != nil {
				return err
			}
		}
		if q.Has("limit") {
			if limit, err = parseInt(q, "limit", 1, maxTopicPage, dmsd.ELIMIT); err != nil {
				return err
			}
		}
		topics, inst, err := svc.ListTopics(r.Context(), actorFrom(r), instanceID)
		if err != nil {
			return err
		}
		out := topicListJSON{
			Total:              len(topics),
			Size:               limit,
			MaxPartitions:      int32Of(inst.BrokerNum * 100),
			TopicMaxPartitions: dmsd.MaxTopicPartitions,
			Topics:             []topicJSON{},
		}
		used := 0
		for i, t := range topics {
			used += t.Partitions
			if i >= offset && len(out.Topics) < limit {
				out.Topics = append(out.Topics, toTopicJSON(t))
			}
		}
		out.RemainPartitions = max(0, out.MaxPartitions-used)
		encode(w, http.StatusOK, out)
		return nil
	})
}

// updateTopicRequest is the body of PUT .../topics (SDK UpdateInstanceTopicReq).
type updateTopicRequest struct {
	Topics []struct {
		ID                  string      `json:"id"`
		RetentionTime       *int        `json:"retention_time"`
		SyncReplication     *bool       `json:"sync_replication"`
		SyncMessageFlush    *bool       `json:"sync_message_flush"`
		NewPartitionNumbers *int        `json:"new_partition_numbers"`
		NewPartitionBrokers []int       `json:"new_partition_brokers"`
		TopicOtherConfigs   []nameValue `json:"topic_other_configs"`
		TopicDesc           *string     `json:"topic_desc"`
	} `json:"topics"`
}

func handleTopicUpdate(svc dmsd.TopicService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[updateTopicRequest](r)
		if err != nil {
			return err
		}
		updates := make([]*dmsd.TopicUpdate, 0, len(req.Topics))
		for _, t := range req.Topics {
			switch {
			case len(t.NewPartitionBrokers) > 0:
				// The embedded brokers cannot place partitions.
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: new_partition_brokers is not supported by this service.")
			case t.TopicDesc != nil && *t.TopicDesc != "":
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topic_desc is not supported by this service.")
			}
			u := &dmsd.TopicUpdate{
				Name: t.ID, RetentionHours: t.RetentionTime, SyncReplication: t.SyncReplication,
				SyncMessageFlush: t.SyncMessageFlush, NewPartitions: t.NewPartitionNumbers,
			}
			if u.Configs, err = configsOf(t.TopicOtherConfigs); err != nil {
				return err
			}
			updates = append(updates, u)
		}
		if err := svc.UpdateTopics(r.Context(), actorFrom(r), instanceID, updates); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

type deleteTopicsRequest struct {
	Topics []string `json:"topics"`
}

type topicDeletionJSON struct {
	ID      string `json:"id"`
	Success bool   `json:"success"`
}

func handleTopicDelete(svc dmsd.TopicService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		instanceID, req, err := decodeForInstance[deleteTopicsRequest](r)
		if err != nil {
			return err
		}
		results, err := svc.DeleteTopics(r.Context(), actorFrom(r), instanceID, req.Topics)
		if err != nil {
			return err
		}
		out := struct {
			Topics []topicDeletionJSON `json:"topics"`
		}{Topics: make([]topicDeletionJSON, 0, len(results))}
		for _, d := range results {
			out.Topics = append(out.Topics, topicDeletionJSON{ID: d.Name, Success: d.Success})
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}
