package dmsd

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Report statuses, as the SDK's KafkaMessageDiagnosisReportInfoEntity names
// them: a report is diagnosing while its task runs, then normal (no cause
// found), abnormal (causes found) or failed (the cluster could not be read).
const (
	ReportDiagnosing = "diagnosing"
	ReportNormal     = "normal"
	ReportAbnormal   = "abnormal"
	ReportFailed     = "failed"
)

// Causes of a message backlog that a diagnosis names, as the ids of a report
// item's cause_ids; each has its advice of the same id. dmsd's own numbering:
// the reference gives the causes in words (consumers offline, partitions
// unevenly assigned, a slow partition, leaders concentrated on a broker).
const (
	// CauseNoConsumers: the group has lag but no member consumes the topic.
	CauseNoConsumers int32 = 1
	// CauseUnassigned: some partitions of the topic are assigned to no member.
	CauseUnassigned int32 = 2
	// CauseUnevenAssignment: one member holds at least two partitions more
	// than another.
	CauseUnevenAssignment int32 = 3
	// CauseSlowPartition: a partition's lag grew while the others' did not,
	// or it was not consumed at all between the two samples.
	CauseSlowPartition int32 = 4
	// CauseLeaderSkew: the lagging partitions' leaders sit on one broker
	// while the cluster has others.
	CauseLeaderSkew int32 = 5
	// CauseProductionBurst: records were produced faster than the group
	// consumed them between the two samples.
	CauseProductionBurst int32 = 6
)

// Diagnosis dimensions and items, as a report names them.
const (
	DimensionConsumer  = "consumer"
	DimensionPartition = "partition"
	DimensionBroker    = "broker"

	ItemConsumerOnline   = "consumer_online"
	ItemAssignment       = "partition_assignment"
	ItemSlowPartition    = "slow_partition"
	ItemLeaderBalance    = "leader_balance"
	ItemProductionBursts = "production_rate"
)

// Item results.
const (
	ResultNormal   = "normal"
	ResultAbnormal = "abnormal"
)

// DiagnosisReport is one message backlog diagnosis of a group on a topic.
type DiagnosisReport struct {
	ID, ProjectID, InstanceID string
	Group, Topic              string
	Status                    string
	BeginTime                 time.Time
	// EndTime is zero while the diagnosis runs.
	EndTime time.Time
	// AccumulatedPartitions counts the partitions with lag.
	AccumulatedPartitions int
	// Dimensions are the findings; empty while diagnosing.
	Dimensions []DiagnosisDimension
}

// DiagnosisDimension is a group of diagnosis items (SDK
// KafkaMessageDiagnosisDimensionEntity).
type DiagnosisDimension struct {
	Name        string          `json:"name"`
	AbnormalNum int32           `json:"abnormal_num"`
	FailedNum   int32           `json:"failed_num"`
	Items       []DiagnosisItem `json:"diagnosis_item_list"`
}

// DiagnosisItem is one check and what it found (SDK
// KafkaMessageDiagnosisItemEntity).
type DiagnosisItem struct {
	Name       string            `json:"name"`
	Result     string            `json:"result"`
	CauseIDs   []DiagnosisReason `json:"cause_ids,omitempty"`
	AdviceIDs  []DiagnosisReason `json:"advice_ids,omitempty"`
	Partitions []int32           `json:"partitions,omitempty"`
	BrokerIDs  []int32           `json:"broker_ids,omitempty"`
}

// DiagnosisReason is a cause or an advice: its id and what fills its text
// (SDK KafkaMessageDiagnosisConclusionEntity).
type DiagnosisReason struct {
	ID     int32             `json:"id"`
	Params map[string]string `json:"params,omitempty"`
}

// ItemCounts returns how many items are normal, abnormal and failed.
func (r *DiagnosisReport) ItemCounts() (normal, abnormal, failed int32) {
	for _, d := range r.Dimensions {
		for _, it := range d.Items {
			if it.Result == ResultAbnormal {
				abnormal++
			} else {
				normal++
			}
		}
		failed += d.FailedNum
	}
	return normal, abnormal, failed
}

// GroupSample is what the cluster shows of a group on a topic at one moment.
type GroupSample struct {
	// At is when the sample was taken.
	At time.Time
	// State is the group's state (Empty, Stable, ...), "Dead" if it does
	// not exist.
	State string
	// Members maps each member id to the topic's partitions it is assigned.
	Members map[string][]int32
	// Partitions are the topic's partitions: leader, end offset and the
	// group's committed offset (-1 for none).
	Partitions []PartitionSample
	// Brokers is how many brokers the cluster has.
	Brokers int
}

// PartitionSample is one partition in a GroupSample.
type PartitionSample struct {
	Partition int32
	Leader    int32
	End       int64
	Committed int64
}

// lag returns the partition's lag: what lies past the committed offset, all
// of it when nothing is committed.
func (p PartitionSample) lag() int64 {
	if p.Committed < 0 {
		return p.End
	}
	return max(p.End-p.Committed, 0)
}

// GroupObserver reads a group's state from a cluster, for diagnoses and
// rebalance logs. Embedded and external clusters both have it.
type GroupObserver interface {
	// SampleGroup returns the group's state on topic now. It returns
	// ETOPICNOTFOUND if the topic does not exist, or the cluster's error.
	SampleGroup(ctx context.Context, inst *Instance, group, topic string) (*GroupSample, error)
	// GroupMembers returns every consumer group's state and member ids.
	// It returns the cluster's error.
	GroupMembers(ctx context.Context, inst *Instance) (map[string]GroupMembership, error)
}

// GroupMembership is a group's state and members at one moment.
type GroupMembership struct {
	State   string
	Members []string
}

// DiagnosisStore keeps diagnosis reports.
type DiagnosisStore interface {
	// InsertReport adds a report.
	InsertReport(ctx context.Context, r *DiagnosisReport) error
	// UpdateReport saves a report's status, end, counts and findings. It
	// returns EREPORTNOTFOUND if the report was deleted meanwhile.
	UpdateReport(ctx context.Context, r *DiagnosisReport) error
	// FindReport returns a report of an instance of a project, or
	// EREPORTNOTFOUND.
	FindReport(ctx context.Context, projectID, instanceID, reportID string) (*DiagnosisReport, error)
	// ListReports returns a page of an instance's reports, newest first, and
	// how many it has.
	ListReports(ctx context.Context, projectID, instanceID string, limit, offset int) ([]*DiagnosisReport, int, error)
	// DeleteReport deletes a report and reports whether it existed.
	DeleteReport(ctx context.Context, projectID, instanceID, reportID string) (bool, error)
}

// DiagnosisService runs message backlog diagnoses.
type DiagnosisService interface {
	// PreCheck returns the checks a diagnosis of group on topic needs.
	PreCheck(ctx context.Context, actor Actor, instanceID, group, topic string) ([]PreCheck, error)
	// Diagnose starts a diagnosis and returns its report, still diagnosing.
	Diagnose(ctx context.Context, actor Actor, instanceID, group, topic string) (*DiagnosisReport, error)
}

// PreCheck is one check before a diagnosis (SDK KafkaDiagnosisCheckEntity).
type PreCheck struct {
	Name    string `json:"name"`
	Reason  string `json:"reason"`
	Success bool   `json:"success"`
}

// Diagnose returns the findings of two samples of one group on one topic,
// taken a while apart, and how many partitions have lag in the second.
func Diagnose(first, second *GroupSample) ([]DiagnosisDimension, int) {
	var lagging []int32
	firstLag := map[int32]int64{}
	for _, p := range first.Partitions {
		firstLag[p.Partition] = p.lag()
	}
	assigned := map[int32]bool{}
	for _, ps := range second.Members {
		for _, p := range ps {
			assigned[p] = true
		}
	}
	var slow, unassigned []int32
	var produced, consumed int64
	leaders := map[int32][]int32{}
	for _, p := range second.Partitions {
		if p.lag() > 0 {
			lagging = append(lagging, p.Partition)
			leaders[p.Leader] = append(leaders[p.Leader], p.Partition)
		}
		if !assigned[p.Partition] {
			unassigned = append(unassigned, p.Partition)
		}
		for _, q := range first.Partitions {
			if q.Partition != p.Partition {
				continue
			}
			produced += p.End - q.End
			if p.Committed >= 0 && q.Committed >= 0 {
				consumed += p.Committed - q.Committed
			}
			// Slow: lag that did not shrink while a consumer holds it.
			if assigned[p.Partition] && p.lag() > 0 && p.lag() >= firstLag[p.Partition] && p.Committed <= q.Committed {
				slow = append(slow, p.Partition)
			}
		}
	}
	part := func(ps []int32) map[string]string {
		return map[string]string{"partitions": joinInts(ps)}
	}

	online := DiagnosisItem{Name: ItemConsumerOnline, Result: ResultNormal}
	if len(second.Members) == 0 && len(lagging) > 0 {
		online.Result, online.Partitions = ResultAbnormal, lagging
		online.CauseIDs = []DiagnosisReason{{ID: CauseNoConsumers, Params: map[string]string{"state": second.State}}}
		online.AdviceIDs = []DiagnosisReason{{ID: CauseNoConsumers}}
	}
	assign := DiagnosisItem{Name: ItemAssignment, Result: ResultNormal}
	if len(second.Members) > 0 {
		lo, hi := -1, 0
		for _, ps := range second.Members {
			if lo < 0 || len(ps) < lo {
				lo = len(ps)
			}
			hi = max(hi, len(ps))
		}
		if len(unassigned) > 0 {
			assign.Result, assign.Partitions = ResultAbnormal, unassigned
			assign.CauseIDs = append(assign.CauseIDs, DiagnosisReason{ID: CauseUnassigned, Params: part(unassigned)})
			assign.AdviceIDs = append(assign.AdviceIDs, DiagnosisReason{ID: CauseUnassigned})
		}
		if hi-lo >= 2 {
			assign.Result = ResultAbnormal
			assign.CauseIDs = append(assign.CauseIDs, DiagnosisReason{ID: CauseUnevenAssignment, Params: map[string]string{"min": strconv.Itoa(lo), "max": strconv.Itoa(hi), "members": strconv.Itoa(len(second.Members))}})
			assign.AdviceIDs = append(assign.AdviceIDs, DiagnosisReason{ID: CauseUnevenAssignment})
		}
	}
	slowItem := DiagnosisItem{Name: ItemSlowPartition, Result: ResultNormal}
	if len(slow) > 0 && len(slow) < len(second.Partitions) {
		slowItem.Result, slowItem.Partitions = ResultAbnormal, slow
		slowItem.CauseIDs = []DiagnosisReason{{ID: CauseSlowPartition, Params: part(slow)}}
		slowItem.AdviceIDs = []DiagnosisReason{{ID: CauseSlowPartition}}
	}
	burst := DiagnosisItem{Name: ItemProductionBursts, Result: ResultNormal}
	secs := second.At.Sub(first.At).Seconds()
	if produced > consumed && len(lagging) > 0 && len(second.Members) > 0 && secs > 0 {
		burst.Result = ResultAbnormal
		burst.CauseIDs = []DiagnosisReason{{ID: CauseProductionBurst, Params: map[string]string{
			"produce_rate": strconv.FormatFloat(float64(produced)/secs, 'f', 1, 64),
			"consume_rate": strconv.FormatFloat(float64(consumed)/secs, 'f', 1, 64),
		}}}
		burst.AdviceIDs = []DiagnosisReason{{ID: CauseProductionBurst}}
	}
	leader := DiagnosisItem{Name: ItemLeaderBalance, Result: ResultNormal}
	if len(leaders) == 1 && second.Brokers > 1 && len(lagging) > 1 {
		for b, ps := range leaders {
			leader.Result, leader.BrokerIDs, leader.Partitions = ResultAbnormal, []int32{b}, ps
			leader.CauseIDs = []DiagnosisReason{{ID: CauseLeaderSkew, Params: map[string]string{"broker": strconv.Itoa(int(b))}}}
			leader.AdviceIDs = []DiagnosisReason{{ID: CauseLeaderSkew}}
		}
	}
	dims := []DiagnosisDimension{
		dimension(DimensionConsumer, online, assign),
		dimension(DimensionPartition, slowItem, burst),
		dimension(DimensionBroker, leader),
	}
	return dims, len(lagging)
}

func dimension(name string, items ...DiagnosisItem) DiagnosisDimension {
	d := DiagnosisDimension{Name: name, Items: items}
	for _, it := range items {
		if it.Result == ResultAbnormal {
			d.AbnormalNum++
		}
	}
	return d
}

func joinInts(ps []int32) string {
	ps = slices.Sorted(slices.Values(ps))
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ","
		}
		s += strconv.Itoa(int(p))
	}
	return s
}
