package httpapi

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/dmsd/dmsd"
)

// topicQuotaJSON is a topic quota as the SDKs write and read it
// (KafkaTopicQuota), with int32 rates. The reference and the Go SDK
// hyphenate the rates' keys; the Node.js SDK (3.1.215) writes and types them
// with underscores, so dmsd reads either and answers both.
type topicQuotaJSON struct {
	Topic                 string `json:"topic"`
	ProducerByteRate      int32  `json:"producer-byte-rate,omitempty"`
	ConsumerByteRate      int32  `json:"consumer-byte-rate,omitempty"`
	ProducerByteRateUnder int32  `json:"producer_byte_rate,omitempty"`
	ConsumerByteRateUnder int32  `json:"consumer_byte_rate,omitempty"`
}

// newTopicQuotaJSON returns q's topic and rates, each rate under both keys.
func newTopicQuotaJSON(q dmsd.ClientQuota) topicQuotaJSON {
	p, c := int32(min(q.ProducerByteRate, 1<<31-1)), int32(min(q.ConsumerByteRate, 1<<31-1))
	return topicQuotaJSON{Topic: q.Topic, ProducerByteRate: p, ConsumerByteRate: c, ProducerByteRateUnder: p, ConsumerByteRateUnder: c}
}

// quota returns the topic quota j asks for: each rate under its hyphenated
// key, or under the underscored one when the hyphenated key is absent.
func (j topicQuotaJSON) quota() dmsd.ClientQuota {
	return dmsd.ClientQuota{Topic: j.Topic,
		ProducerByteRate: int64(cmp.Or(j.ProducerByteRate, j.ProducerByteRateUnder)),
		ConsumerByteRate: int64(cmp.Or(j.ConsumerByteRate, j.ConsumerByteRateUnder))}
}

// userClientQuotaRequest is the body of the user/client quota operations
// (SDK CreateKafkaUserClientQuotaTaskReq and its update and delete
// siblings). The Terraform provider spells the keys with hyphens, as the
// answers do (user-default ...): both spellings are read.
type userClientQuotaRequest struct {
	User             string `json:"user"`
	Client           string `json:"client"`
	UserDefault      bool   `json:"user_default"`
	ClientDefault    bool   `json:"client_default"`
	ProducerByteRate int64  `json:"producer_byte_rate"`
	ConsumerByteRate int64  `json:"consumer_byte_rate"`

	HyphenUserDefault      bool  `json:"user-default"`
	HyphenClientDefault    bool  `json:"client-default"`
	HyphenProducerByteRate int64 `json:"producer-byte-rate"`
	HyphenConsumerByteRate int64 `json:"consumer-byte-rate"`
}

// quota returns the quota the request names, each field from whichever
// spelling of its key was given.
func (req *userClientQuotaRequest) quota() dmsd.ClientQuota {
	return dmsd.ClientQuota{User: req.User, Client: req.Client,
		UserDefault: req.UserDefault || req.HyphenUserDefault, ClientDefault: req.ClientDefault || req.HyphenClientDefault,
		ProducerByteRate: cmp.Or(req.ProducerByteRate, req.HyphenProducerByteRate),
		ConsumerByteRate: cmp.Or(req.ConsumerByteRate, req.HyphenConsumerByteRate)}
}

// userClientQuotaJSON is one quota of ShowKafkaUserClientQuota (SDK
// QuotaResp), whose keys are hyphenated unlike the request's.
type userClientQuotaJSON struct {
	User             string `json:"user"`
	Client           string `json:"client"`
	UserDefault      bool   `json:"user-default"`
	ClientDefault    bool   `json:"client-default"`
	ProducerByteRate int64  `json:"producer-byte-rate"`
	ConsumerByteRate int64  `json:"consumer-byte-rate"`
}

// handleTopicQuotaChange answers POST, PUT and DELETE
// /v2/kafka/{project_id}/instances/{instance_id}/kafka-topic-quota (SDK
// CreateKafkaTopicQuota, ModifyKafkaTopicQuota, DeleteKafkaTopicQuota) with
// the kafkaTopicQuota task's id as job_id.
func handleTopicQuotaChange(svc dmsd.QuotaService, change dmsd.QuotaChange) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, req, err := decodeForInstance[topicQuotaJSON](r)
		if err != nil {
			return err
		}
		if req.Topic == "" {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topic is required.")
		}
		t, err := svc.ChangeClientQuota(r.Context(), actorFrom(r), id, change, req.quota())
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]string{"job_id": t.ID})
		return nil
	})
}

// handleTopicQuotaShow answers GET .../kafka-topic-quota (SDK
// ShowKafkaTopicQuota): the topic quotas, those whose topic contains
// keyword when given, a page of them by offset and limit (strings in the
// SDK), and their count before paging.
func handleTopicQuotaShow(svc dmsd.QuotaService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		held, offset, limit, err := clientQuotasPage(r, svc)
		if err != nil {
			return err
		}
		keyword := r.URL.Query().Get("keyword")
		all := []topicQuotaJSON{}
		for _, q := range held {
			if q.Topic == "" || !strings.Contains(q.Topic, keyword) {
				continue
			}
			all = append(all, newTopicQuotaJSON(q))
		}
		encode(w, http.StatusOK, map[string]any{"quotas": page(all, offset, limit), "count": len(all)})
		return nil
	})
}

// handleUserClientQuotaChange answers POST, PUT and DELETE
// /v2/kafka/{project_id}/instances/{instance_id}/kafka-user-client-quota
// (SDK CreateKafkaUserClientQuotaTask, UpdateKafkaUserClientQuotaTask,
// DeleteKafkaUserClientQuotaTask) with the kafkaUserClientQuota task's id as
// job_id.
func handleUserClientQuotaChange(svc dmsd.QuotaService, change dmsd.QuotaChange) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, req, err := decodeForInstance[userClientQuotaRequest](r)
		if err != nil {
			return err
		}
		t, err := svc.ChangeClientQuota(r.Context(), actorFrom(r), id, change, req.quota())
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]string{"job_id": t.ID})
		return nil
	})
}

// handleUserClientQuotaShow answers GET .../kafka-user-client-quota (SDK
// ShowKafkaUserClientQuota): the user and client quotas, a page of them by
// offset and limit, and their count before paging.
func handleUserClientQuotaShow(svc dmsd.QuotaService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		held, offset, limit, err := clientQuotasPage(r, svc)
		if err != nil {
			return err
		}
		all := []userClientQuotaJSON{}
		for _, q := range held {
			if q.Topic != "" {
				continue
			}
			all = append(all, userClientQuotaJSON{User: q.User, Client: q.Client, UserDefault: q.UserDefault, ClientDefault: q.ClientDefault,
				ProducerByteRate: q.ProducerByteRate, ConsumerByteRate: q.ConsumerByteRate})
		}
		encode(w, http.StatusOK, map[string]any{"quotas": page(all, offset, limit), "count": len(all)})
		return nil
	})
}

// handleProjectQuotas answers GET /v2/{project_id}/quotas (SDK ShowQuotas):
// the project's Kafka instances, and dmsd's own kafkaBroker resource (the
// brokers of its embedded instances), each with its limit and usage; with
// includeTagsQuota=true also the tags an instance may have. A quota of -1 is
// no limit.
func handleProjectQuotas(svc dmsd.QuotaService) http.Handler {
	type resourceJSON struct {
		Type  string `json:"type"`
		Quota int    `json:"quota"`
		Used  int    `json:"used"`
	}
	limit := func(n int) int {
		if n == 0 {
			return -1
		}
		return n
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		q, u, err := svc.ProjectQuota(r.Context(), actorFrom(r))
		if err != nil {
			return err
		}
		res := []resourceJSON{
			{Type: "kafkaInstance", Quota: limit(q.MaxInstances), Used: u.Instances},
			{Type: "kafkaBroker", Quota: limit(q.MaxBrokers), Used: u.Brokers},
		}
		if r.URL.Query().Get("includeTagsQuota") == "true" {
			res = append(res, resourceJSON{Type: "tags", Quota: dmsd.MaxTags})
		}
		encode(w, http.StatusOK, map[string]any{"quotas": map[string]any{"resources": res}})
		return nil
	})
}

// clientQuotasPage returns the client quotas of the instance of r's path and
// the page r asks for (10 by default, at most 1000), or the error of the
// instance id, the page or the service.
func clientQuotasPage(r *http.Request, svc dmsd.QuotaService) (held []dmsd.ClientQuota, offset, limit int, err error) {
	id, err := instanceIDOf(r)
	if err != nil {
		return nil, 0, 0, err
	}
	if offset, limit, err = pageOf(r.URL.Query(), 10, 1000); err != nil {
		return nil, 0, 0, err
	}
	held, err = svc.ClientQuotas(r.Context(), actorFrom(r), id)
	return held, offset, limit, err
}
