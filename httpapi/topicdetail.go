package httpapi

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/dmsd/dmsd"
)

// clamp32 returns n within int32's range, as the SDK's int32 fields need.
func clamp32(n int64) int32 { return int32(max(math.MinInt32, min(n, math.MaxInt32))) }

// topicDetailOf returns the detail of the topic of r's path, or the error of
// the instance id or of svc.
func topicDetailOf(r *http.Request, svc dmsd.InspectService) (*dmsd.TopicDetail, error) {
	id, err := instanceIDOf(r)
	if err != nil {
		return nil, err
	}
	return svc.TopicDetail(r.Context(), actorFrom(r), id, r.PathValue("topic"))
}

// maxPartitionPage bounds a page of ListTopicPartitions and
// ListTopicProducers.
const maxPartitionPage = 1000

// replicaJSON is a replica in ShowInstanceTopicDetail.
type replicaJSON struct {
	Broker int32  `json:"broker"`
	Leader bool   `json:"leader"`
	InSync bool   `json:"in_sync"`
	Size   *int32 `json:"size,omitempty"`
	Lag    *int64 `json:"lag,omitempty"`
}

// partitionDetailJSON is a partition in ShowInstanceTopicDetail. leo is the
// high watermark too: Kafka tells clients no other end of the leader's log.
type partitionDetailJSON struct {
	Partition           int32         `json:"partition"`
	Leader              int32         `json:"leader"`
	Leo                 int32         `json:"leo"`
	Hw                  int32         `json:"hw"`
	Lso                 int32         `json:"lso"`
	LastUpdateTimestamp *int64        `json:"last_update_timestamp,omitempty"`
	Replicas            []replicaJSON `json:"replicas"`
}

// handleTopicDetail answers GET .../management/topics/{topic} (SDK
// ShowInstanceTopicDetail).
func handleTopicDetail(svc dmsd.InspectService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		d, err := topicDetailOf(r, svc)
		if err != nil {
			return err
		}
		parts := make([]partitionDetailJSON, 0, len(d.Partitions))
		for _, p := range d.Partitions {
			pj := partitionDetailJSON{
				Partition: p.Partition, Leader: p.Leader,
				Leo: clamp32(p.EndOffset), Hw: clamp32(p.EndOffset), Lso: clamp32(p.StartOffset),
				Replicas: []replicaJSON{},
			}
			if p.LastTimestamp >= 0 {
				pj.LastUpdateTimestamp = &p.LastTimestamp
			}
			for _, b := range p.Replicas {
				rj := replicaJSON{Broker: b, Leader: b == p.Leader, InSync: slices.Contains(p.ISR, b)}
				if l, ok := p.Replica[b]; ok {
					size, lag := clamp32(l.Size), l.Lag
					rj.Size, rj.Lag = &size, &lag
				}
				pj.Replicas = append(pj.Replicas, rj)
			}
			parts = append(parts, pj)
		}
		encode(w, http.StatusOK, map[string]any{"topic": d.Name, "partitions": parts, "group_subscribed": d.Groups})
		return nil
	})
}

// handleKafkaTopicDetail answers GET /v2/kafka/.../topics-detail/{topic}
// (SDK ShowKafkaTopicDetail): a JSON array of the one topic, as the SDK's
// body-typed response reads it. Kafka does not report when a topic was
// created, so create_time is left out.
func handleKafkaTopicDetail(svc dmsd.InspectService) http.Handler {
	type partitionJSON struct {
		Partition int32   `json:"partition"`
		Leader    int32   `json:"leader"`
		Replicas  []int32 `json:"replicas"`
	}
	type topicJSON struct {
		Topic      string          `json:"topic"`
		Partitions []partitionJSON `json:"partitions"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		d, err := topicDetailOf(r, svc)
		if err != nil {
			return err
		}
		t := topicJSON{Topic: d.Name, Partitions: make([]partitionJSON, 0, len(d.Partitions))}
		for _, p := range d.Partitions {
			t.Partitions = append(t.Partitions, partitionJSON{Partition: p.Partition, Leader: p.Leader, Replicas: p.Replicas})
		}
		encode(w, http.StatusOK, []topicJSON{t})
		return nil
	})
}

// handleTopicPartitions answers GET .../topics/{topic}/partitions (SDK
// ListTopicPartitions): each partition's start and end offsets, the
// messages between them and its last record's time.
func handleTopicPartitions(svc dmsd.InspectService) http.Handler {
	type partitionJSON struct {
		Partition      int32  `json:"partition"`
		StartOffset    int64  `json:"start_offset"`
		LastOffset     int64  `json:"last_offset"`
		MessageCount   int64  `json:"message_count"`
		LastUpdateTime *int64 `json:"last_update_time,omitempty"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		offset, limit, err := pageOf(r.URL.Query(), maxPartitionPage, maxPartitionPage)
		if err != nil {
			return err
		}
		d, err := svc.TopicDetail(r.Context(), actorFrom(r), id, r.PathValue("topic"))
		if err != nil {
			return err
		}
		out := []partitionJSON{}
		for _, p := range page(d.Partitions, offset, limit) {
			pj := partitionJSON{Partition: p.Partition, StartOffset: p.StartOffset, LastOffset: p.EndOffset, MessageCount: max(0, p.EndOffset-p.StartOffset)}
			if p.LastTimestamp >= 0 {
				pj.LastUpdateTime = &p.LastTimestamp
			}
			out = append(out, pj)
		}
		encode(w, http.StatusOK, map[string]any{"total": len(d.Partitions), "partitions": out})
		return nil
	})
}

// handleTopicProducers answers GET .../topics/{topic}/producers (SDK
// ListTopicProducers): one entry per producer id and the leader that
// reports it active (Kafka's DescribeProducers). Kafka does not tell a
// producer's address nor when it connected, so producer_address and
// join_time are left out rather than made up.
func handleTopicProducers(svc dmsd.InspectService) http.Handler {
	type producerJSON struct {
		BrokerAddress string `json:"broker_address"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		offset, limit, err := pageOf(r.URL.Query(), maxPartitionPage, maxPartitionPage)
		if err != nil {
			return err
		}
		ps, err := svc.TopicProducers(r.Context(), actorFrom(r), id, r.PathValue("topic"))
		if err != nil {
			return err
		}
		type key struct {
			id     int64
			broker int32
		}
		seen := map[key]bool{}
		all := []producerJSON{}
		for _, p := range ps {
			k := key{p.ProducerID, p.Leader.ID}
			if seen[k] {
				continue
			}
			seen[k] = true
			all = append(all, producerJSON{BrokerAddress: net.JoinHostPort(p.Leader.Host, strconv.Itoa(p.Leader.Port))})
		}
		encode(w, http.StatusOK, map[string]any{"total": len(all), "producers": page(all, offset, limit)})
		return nil
	})
}

// parseDiskFilter reads ShowKafkaTopicPartitionDiskusage's query: minSize
// (a number of bytes with an optional K, M or G, KB, MB or GB suffix), top
// (1 to 1000) and percentage (0 to 100). Without any, every partition is
// listed, as the reference's example answer shows. It returns EINVALID.
func parseDiskFilter(q url.Values) (dmsd.DiskFilter, error) {
	var f dmsd.DiskFilter
	if q.Has("minSize") {
		n, ok := parseSize(q.Get("minSize"))
		if !ok {
			return f, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: minSize must be a size such as 1K, 1M or 1G.")
		}
		f.MinSize = n
	}
	if q.Has("top") {
		n, err := strconv.Atoi(q.Get("top"))
		if err != nil || n < 1 || n > 1000 {
			return f, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: top must be an integer between 1 and 1000.")
		}
		f.Top = n
	}
	if q.Has("percentage") {
		p, err := strconv.ParseFloat(q.Get("percentage"), 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 100 {
			return f, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: percentage must be a number between 0 and 100.")
		}
		f.Percentage = p
	}
	return f, nil
}

// parseSize reads "1024", "1K", "1KB", "1.5M", "1G" (binary units).
func parseSize(s string) (int64, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	u = strings.TrimSuffix(u, "B")
	mult := int64(1)
	switch {
	case strings.HasSuffix(u, "K"):
		mult, u = 1<<10, strings.TrimSuffix(u, "K")
	case strings.HasSuffix(u, "M"):
		mult, u = 1<<20, strings.TrimSuffix(u, "M")
	case strings.HasSuffix(u, "G"):
		mult, u = 1<<30, strings.TrimSuffix(u, "G")
	}
	v, err := strconv.ParseFloat(u, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1<<40 {
		return 0, false
	}
	return int64(v * float64(mult)), true
}

// humanSize writes n bytes as du -h does: "0", "512", "8.0K", "12K", "53M".
func humanSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(max(n, 0), 10)
	}
	v := float64(n)
	unit := ""
	for _, u := range []string{"K", "M", "G", "T", "P"} {
		if v < 1024 {
			break
		}
		v /= 1024
		unit = u
	}
	if v < 10 {
		return fmt.Sprintf("%.1f%s", math.Ceil(v*10)/10, unit)
	}
	return fmt.Sprintf("%.0f%s", math.Ceil(v), unit)
}

// handleDiskUsage answers GET .../topics/diskusage (SDK
// ShowKafkaTopicPartitionDiskusage): per broker, as its log directories
// report, the disk and the partitions the query selects, largest first.
func handleDiskUsage(svc dmsd.InspectService) http.Handler {
	type topicJSON struct {
		Size           string  `json:"size"`
		TopicName      string  `json:"topic_name"`
		TopicPartition string  `json:"topic_partition"`
		Percentage     float64 `json:"percentage"`
	}
	type brokerJSON struct {
		BrokerName            string      `json:"broker_name"`
		DataDiskSize          string      `json:"data_disk_size,omitempty"`
		DataDiskUse           string      `json:"data_disk_use"`
		DataDiskFree          string      `json:"data_disk_free,omitempty"`
		DataDiskUsePercentage string      `json:"data_disk_use_percentage,omitempty"`
		Status                string      `json:"status"`
		TopicList             []topicJSON `json:"topic_list"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		f, err := parseDiskFilter(r.URL.Query())
		if err != nil {
			return err
		}
		disks, err := svc.DiskUsage(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		out := make([]brokerJSON, 0, len(disks))
		for _, d := range disks {
			size, used := d.Capacity()
			b := brokerJSON{BrokerName: fmt.Sprintf("broker-%d", d.Broker), DataDiskUse: humanSize(used), Status: "Success get info", TopicList: []topicJSON{}}
			if size > 0 {
				b.DataDiskSize = humanSize(size)
				b.DataDiskFree = humanSize(size - used)
				b.DataDiskUsePercentage = strconv.FormatFloat(math.Ceil(dmsd.PercentOf(used, size)), 'f', 0, 64)
			}
			for _, p := range f.Select(d) {
				b.TopicList = append(b.TopicList, topicJSON{
					Size: humanSize(p.Size), TopicName: p.Topic, TopicPartition: strconv.Itoa(int(p.Partition)),
					Percentage: dmsd.PercentOf(p.Size, size),
				})
			}
			out = append(out, b)
		}
		encode(w, http.StatusOK, map[string]any{"broker_list": out})
		return nil
	})
}

// handleCreatePartition answers POST .../management/topics/{topic}/
// partitions-reassignment (SDK CreatePartition): the topic has the
// partitions when it answers, with an empty object as the SDK's empty
// response type expects.
func handleCreatePartition(svc dmsd.InspectService) http.Handler {
	type request struct {
		Partition *int `json:"partition"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, req, err := decodeForInstance[request](r)
		if err != nil {
			return err
		}
		if req.Partition == nil {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition is required.")
		}
		if err := svc.CreatePartitions(r.Context(), actorFrom(r), id, r.PathValue("topic"), *req.Partition); err != nil {
			return err
		}
		encode(w, http.StatusOK, struct{}{})
		return nil
	})
}

// handleCluster answers GET .../management/cluster (SDK ShowCluster): the
// controller and brokers as the metadata reports them and the counts of
// topics, partitions, replicas and groups. Kafka reports neither a broker's
// version nor when it registered, so those are left out; a broker the
// metadata lists is one the client reached, hence is_health.
func handleCluster(svc dmsd.InspectService) http.Handler {
	type brokerJSON struct {
		Host         string `json:"host"`
		Port         int    `json:"port"`
		BrokerID     string `json:"broker_id"`
		IsController bool   `json:"is_controller"`
		IsHealth     bool   `json:"is_health"`
	}
	type clusterJSON struct {
		Controller            string       `json:"controller"`
		Brokers               []brokerJSON `json:"brokers"`
		TopicsCount           int          `json:"topics_count"`
		PartitionsCount       int          `json:"partitions_count"`
		OnlinePartitionsCount int          `json:"online_partitions_count"`
		ReplicasCount         int          `json:"replicas_count"`
		IsrReplicasCount      int          `json:"isr_replicas_count"`
		ConsumersCount        int          `json:"consumers_count"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		c, err := svc.ClusterInfo(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		out := clusterJSON{
			Controller: strconv.Itoa(int(c.Controller)), Brokers: []brokerJSON{},
			TopicsCount: int32Of(c.Topics), PartitionsCount: int32Of(c.Partitions), OnlinePartitionsCount: int32Of(c.OnlinePartitions),
			ReplicasCount: int32Of(c.Replicas), IsrReplicasCount: int32Of(c.ISRReplicas), ConsumersCount: int32Of(c.Groups),
		}
		for _, b := range c.Brokers {
			out.Brokers = append(out.Brokers, brokerJSON{Host: b.Host, Port: b.Port, BrokerID: strconv.Itoa(int(b.ID)), IsController: b.ID == c.Controller, IsHealth: true})
		}
		encode(w, http.StatusOK, map[string]any{"cluster": out})
		return nil
	})
}

// handleCoordinators answers GET .../management/coordinators (SDK
// ShowCoordinators): each group's coordinator as FindCoordinator names it.
func handleCoordinators(svc dmsd.InspectService) http.Handler {
	type coordinatorJSON struct {
		GroupID string `json:"group_id"`
		ID      int32  `json:"id"`
		Host    string `json:"host"`
		Port    int    `json:"port"`
	}
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		cs, err := svc.Coordinators(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		out := make([]coordinatorJSON, 0, len(cs))
		for _, c := range cs {
			out = append(out, coordinatorJSON{GroupID: c.Group, ID: c.Broker.ID, Host: c.Broker.Host, Port: c.Broker.Port})
		}
		encode(w, http.StatusOK, map[string]any{"coordinators": out})
		return nil
	})
}
