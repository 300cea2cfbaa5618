package httpapi

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/dmsd/dmsd"
)

const (
	// defaultGroupLimit and maxGroupLimit are the reference's for the
	// group list.
	defaultGroupLimit = 10
	maxGroupLimit     = 50
	// maxGroupPageLimit bounds the pages of a group's members, topics and
	// partitions: a topic has at most 200 partitions.
	maxGroupPageLimit = 200
)

// groupPage reads a group listing's page (pageOf, 10 by default, at most
// hi) and returns its bounds among n items.
func groupPage(q url.Values, n, hi int) (int, int, error) {
	offset, limit, err := pageOf(q, defaultGroupLimit, hi)
	if err != nil {
		return 0, 0, err
	}
	from := min(offset, n)
	return from, min(from+limit, n), nil
}

func createdMs(inst *dmsd.Instance, group string) int64 {
	if n, ok := inst.GroupNotes[group]; ok && !n.CreatedAt.IsZero() {
		return n.CreatedAt.UnixMilli()
	}
	return 0
}

// groupRoute returns the instance id and the group of r's path.
func groupRoute(r *http.Request) (string, string, error) {
	id, err := instanceIDOf(r)
	if err != nil {
		return "", "", err
	}
	g := r.PathValue("group")
	if g == "" {
		return "", "", dmsd.Errorf(dmsd.EGROUPNOTFOUND, "The consumer group ID is empty.")
	}
	return id, g, nil
}

// findGroup returns the group of r's path, by the name the path gives, and
// its instance, or the error of groupRoute or of svc.
func findGroup(r *http.Request, svc dmsd.GroupService) (string, *dmsd.Group, *dmsd.Instance, error) {
	id, name, err := groupRoute(r)
	if err != nil {
		return "", nil, nil, err
	}
	g, inst, err := svc.Group(r.Context(), actorFrom(r), id, name)
	return name, g, inst, err
}

type groupSimpleJSON struct {
	CreatedAt     int64  `json:"createdAt"`
	GroupID       string `json:"group_id"`
	State         string `json:"state"`
	CoordinatorID int32  `json:"coordinator_id"`
	GroupDesc     string `json:"group_desc"`
	Lag           int64  `json:"lag"`
}

// handleGroupList serves ListInstanceConsumerGroups.
func handleGroupList(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		groups, inst, err := svc.Groups(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		if f := r.URL.Query().Get("group"); f != "" {
			groups = slices.DeleteFunc(groups, func(g *dmsd.Group) bool { return !strings.Contains(g.Name, f) })
		}
		from, to, err := groupPage(r.URL.Query(), len(groups), maxGroupLimit)
		if err != nil {
			return err
		}
		out := make([]groupSimpleJSON, 0, to-from)
		for _, g := range groups[from:to] {
			out = append(out, groupSimpleJSON{CreatedAt: createdMs(inst, g.Name), GroupID: g.Name, State: g.State,
				CoordinatorID: g.Coordinator, GroupDesc: inst.GroupNotes[g.Name].Description, Lag: g.Lag()})
		}
		encode(w, http.StatusOK, struct {
			Groups []groupSimpleJSON `json:"groups"`
			Total  int               `json:"total"`
		}{out, len(groups)})
		return nil
	})
}

type groupJSON struct {
	State              string `json:"state"`
	CreatedAt          int64  `json:"createdAt"`
	GroupID            string `json:"group_id"`
	CoordinatorID      int32  `json:"coordinator_id"`
	AssignmentStrategy string `json:"assignment_strategy"`
	GroupDesc          string `json:"group_desc"`
}

// handleGroupShow serves ShowGroup and ListInstanceConsumerGroup.
func handleGroupShow(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		name, g, inst, err := findGroup(r, svc)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]groupJSON{"group": {State: g.State, CreatedAt: createdMs(inst, name), GroupID: name,
			CoordinatorID: g.Coordinator, AssignmentStrategy: g.Protocol, GroupDesc: inst.GroupNotes[name].Description}})
		return nil
	})
}

type assignmentJSON struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
}

type memberJSON struct {
	Host       string           `json:"host"`
	Assignment []assignmentJSON `json:"assignment"`
	MemberID   string           `json:"member_id"`
	ClientID   string           `json:"client_id"`
}

type groupOffsetJSON struct {
	Partition            int32  `json:"partition"`
	Lag                  int64  `json:"lag"`
	Topic                string `json:"topic"`
	MessageCurrentOffset int64  `json:"message_current_offset"`
	MessageLogEndOffset  int64  `json:"message_log_end_offset"`
}

type groupDetailJSON struct {
	GroupID             string            `json:"group_id"`
	State               string            `json:"state"`
	CoordinatorID       int32             `json:"coordinator_id"`
	Members             []memberJSON      `json:"members"`
	GroupMessageOffsets []groupOffsetJSON `json:"group_message_offsets"`
	AssignmentStrategy  string            `json:"assignment_strategy"`
}

// handleGroupDetail serves ShowGroups: the members and, per partition, the
// committed offset, end offset and lag.
func handleGroupDetail(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		name, g, _, err := findGroup(r, svc)
		if err != nil {
			return err
		}
		out := groupDetailJSON{GroupID: name, State: g.State, CoordinatorID: g.Coordinator, AssignmentStrategy: g.Protocol,
			Members: []memberJSON{}, GroupMessageOffsets: []groupOffsetJSON{}}
		for _, m := range g.Members {
			mj := memberJSON{Host: m.Host, MemberID: m.ID, ClientID: m.ClientID, Assignment: []assignmentJSON{}}
			for _, t := range slices.Sorted(maps.Keys(m.Assigned)) {
				mj.Assignment = append(mj.Assignment, assignmentJSON{Topic: t, Partitions: m.Assigned[t]})
			}
			out.Members = append(out.Members, mj)
		}
		for _, o := range g.Offsets {
			out.GroupMessageOffsets = append(out.GroupMessageOffsets, groupOffsetJSON{Partition: o.Partition, Lag: o.Lag,
				Topic: o.Topic, MessageCurrentOffset: o.Committed, MessageLogEndOffset: o.End})
		}
		encode(w, http.StatusOK, map[string]groupDetailJSON{"group": out})
		return nil
	})
}

type memberEntityJSON struct {
	MemberID string `json:"member_id"`
	ClientID string `json:"client_id"`
}

// handleGroupMembers serves ListInstanceConsumerGroupMembers.
func handleGroupMembers(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, g, _, err := findGroup(r, svc)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		members := slices.DeleteFunc(slices.Clone(g.Members), func(m dmsd.GroupMember) bool {
			return (q.Get("host") != "" && !strings.Contains(m.Host, q.Get("host"))) ||
				(q.Get("member_id") != "" && !strings.Contains(m.ID, q.Get("member_id")))
		})
		from, to, err := groupPage(q, len(members), maxGroupPageLimit)
		if err != nil {
			return err
		}
		out := make([]memberEntityJSON, 0, to-from)
		for _, m := range members[from:to] {
			out = append(out, memberEntityJSON{MemberID: m.ID, ClientID: m.ClientID})
		}
		encode(w, http.StatusOK, struct {
			Members []memberEntityJSON `json:"members"`
			Total   int                `json:"total"`
		}{out, len(members)})
		return nil
	})
}

type offsetDetailJSON struct {
	Partition             string `json:"partition"`
	MessageCurrentOffset  string `json:"message_current_offset"`
	Topic                 string `json:"topic"`
	MessageLogStartOffset int32  `json:"message_log_start_offset"`
	Lag                   int32  `json:"lag"`
	MessageLogEndOffset   int32  `json:"message_log_end_offset"`
	ConsumerID            string `json:"consumer_id"`
	Host                  string `json:"host"`
	ClientID              string `json:"client_id"`
}

// handleGroupMessageOffsets serves ListInstanceConsumerGroupMessageOffset:
// the group's partitions of one topic (the SDK's types: partition and
// current offset as strings, the others int32).
func handleGroupMessageOffsets(svc dmsd.GroupService, topics dmsd.TopicService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, name, err := groupRoute(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		topic := q.Get("topic")
		if topic == "" {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: topic is required.")
		}
		partition := int32(-1)
		if q.Get("partition") != "" {
			p, err := strconv.ParseInt(q.Get("partition"), 10, 32)
			if err != nil || p < 0 {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition must be a partition number.")
			}
			partition = int32(p)
		}
		g, _, err := svc.Group(r.Context(), actorFrom(r), id, name)
		if err != nil {
			return err
		}
		all, _, err := topics.ListTopics(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(t *dmsd.Topic) bool { return t.Name == topic })
		switch {
		case i < 0:
			return dmsd.Errorf(dmsd.ENOTOPIC, "The topic %s does not exist.", topic)
		case partition >= int32(all[i].Partitions):
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: the topic %s has no partition %d.", topic, partition)
		}
		offsets := slices.DeleteFunc(slices.Clone(g.Offsets), func(o dmsd.GroupOffset) bool {
			return o.Topic != topic || (partition >= 0 && o.Partition != partition)
		})
		from, to, err := groupPage(q, len(offsets), maxGroupPageLimit)
		if err != nil {
			return err
		}
		out := make([]offsetDetailJSON, 0, to-from)
		for _, o := range offsets[from:to] {
			out = append(out, offsetDetailJSON{Partition: strconv.Itoa(int(o.Partition)), MessageCurrentOffset: strconv.FormatInt(o.Committed, 10),
				Topic: o.Topic, MessageLogStartOffset: clamp32(o.Start), Lag: clamp32(o.Lag), MessageLogEndOffset: clamp32(o.End),
				ConsumerID: o.MemberID, Host: o.Host, ClientID: o.ClientID})
		}
		encode(w, http.StatusOK, struct {
			GroupMessageOffsets []offsetDetailJSON `json:"group_message_offsets"`
			Total               int                `json:"total"`
		}{out, len(offsets)})
		return nil
	})
}

type groupTopicJSON struct {
	Topic      string `json:"topic"`
	Partitions int32  `json:"partitions"`
	Lag        int32  `json:"lag"`
}

// handleGroupTopics serves ListInstanceConsumerGroupTopics: per topic the
// group has offsets or assignments on, its partitions and their total lag.
func handleGroupTopics(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, name, err := groupRoute(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		key, dir := cmp.Or(q.Get("sort_key"), "topic"), cmp.Or(q.Get("sort_dir"), "asc")
		if !slices.Contains([]string{"topic", "partitions", "lag"}, key) || !slices.Contains([]string{"asc", "desc"}, dir) {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: sort_key is topic, partitions or lag, and sort_dir asc or desc.")
		}
		g, _, err := svc.Group(r.Context(), actorFrom(r), id, name)
		if err != nil {
			return err
		}
		var topics []groupTopicJSON
		lags := map[string]int64{}
		for _, o := range g.Offsets {
			if f := q.Get("topic"); f != "" && !strings.Contains(o.Topic, f) {
				continue
			}
			if len(topics) == 0 || topics[len(topics)-1].Topic != o.Topic {
				topics = append(topics, groupTopicJSON{Topic: o.Topic})
			}
			topics[len(topics)-1].Partitions++
			lags[o.Topic] += max(o.Lag, 0)
		}
		for i := range topics {
			topics[i].Lag = clamp32(lags[topics[i].Topic])
		}
		slices.SortStableFunc(topics, func(a, b groupTopicJSON) int {
			c := strings.Compare(a.Topic, b.Topic)
			switch key {
			case "partitions":
				c = cmp.Or(cmp.Compare(a.Partitions, b.Partitions), c)
			case "lag":
				c = cmp.Or(cmp.Compare(a.Lag, b.Lag), c)
			}
			if dir == "desc" {
				c = -c
			}
			return c
		})
		from, to, err := groupPage(q, len(topics), maxGroupPageLimit)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, struct {
			Topics []groupTopicJSON `json:"topics"`
			Total  int              `json:"total"`
		}{append([]groupTopicJSON{}, topics[from:to]...), len(topics)})
		return nil
	})
}

// groupDescJSON is the SDK's CreateGroupReq and GroupCreateReq.
type groupDescJSON struct {
	GroupName *string `json:"group_name"`
	GroupDesc *string `json:"group_desc"`
}

// handleGroupCreate serves CreateKafkaConsumerGroup, answering the
// reference's bare "success".
func handleGroupCreate(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, req, err := decodeForInstance[groupDescJSON](r)
		if err != nil {
			return err
		}
		if req.GroupName == nil {
			return dmsd.Errorf(dmsd.EGROUPNAME, "The group ID format is invalid: group_name is required.")
		}
		if err := svc.CreateGroup(r.Context(), actorFrom(r), id, *req.GroupName, derefString(req.GroupDesc)); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		_, _ = w.Write([]byte("success"))
		return nil
	})
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// handleGroupUpdate serves UpdateInstanceConsumerGroup: one group's
// description.
func handleGroupUpdate(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, name, err := groupRoute(r)
		if err != nil {
			return err
		}
		req, err := decode[groupDescJSON](r)
		if err != nil {
			return err
		}
		switch {
		case req.GroupName != nil && *req.GroupName != name:
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: group_name differs from the path's group, and groups cannot be renamed.")
		case req.GroupDesc == nil:
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: group_desc is required.")
		}
		if err := svc.DescribeGroups(r.Context(), actorFrom(r), id, map[string]string{name: *req.GroupDesc}); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleGroupsUpdate serves UpdateInstanceGroup: several groups'
// descriptions at once, all or none.
func handleGroupsUpdate(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, req, err := decodeForInstance[struct {
			Groups []groupDescJSON `json:"groups"`
		}](r)
		if err != nil {
			return err
		}
		descs := map[string]string{}
		for _, g := range req.Groups {
			if g.GroupName == nil || g.GroupDesc == nil {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: every group needs group_name and group_desc.")
			}
			if _, dup := descs[*g.GroupName]; dup {
				return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: group %s is given twice.", *g.GroupName)
			}
			descs[*g.GroupName] = *g.GroupDesc
		}
		if err := svc.DescribeGroups(r.Context(), actorFrom(r), id, descs); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleGroupDelete serves DeleteGroup and DeleteInstanceConsumerGroup.
func handleGroupDelete(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, name, err := groupRoute(r)
		if err != nil {
			return err
		}
		res, err := svc.DeleteGroups(r.Context(), actorFrom(r), id, []string{name})
		if err == nil {
			err = res[name]
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

type failedGroupJSON struct {
	GroupID      string `json:"group_id"`
	ErrorMessage string `json:"error_message"`
}

// handleGroupBatchDelete serves BatchDeleteGroup: each group that was not
// deleted is listed with Kafka's reason.
func handleGroupBatchDelete(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, req, err := decodeForInstance[struct {
			GroupIDs []string `json:"group_ids"`
		}](r)
		if err != nil {
			return err
		}
		res, err := svc.DeleteGroups(r.Context(), actorFrom(r), id, req.GroupIDs)
		if err != nil {
			return err
		}
		failed := []failedGroupJSON{}
		for _, n := range slices.Sorted(maps.Keys(res)) {
			if e := res[n]; e != nil {
				failed = append(failed, failedGroupJSON{GroupID: n, ErrorMessage: publicMessage(r, e)})
			}
		}
		encode(w, http.StatusOK, struct {
			FailedGroups []failedGroupJSON `json:"failed_groups"`
			Total        int               `json:"total"`
		}{failed, len(failed)})
		return nil
	})
}

// publicMessage returns err's message for a DMS error, and UNKNOWN
// (logging err) for an internal one, whose text is not for callers.
func publicMessage(r *http.Request, err error) string {
	if _, ok := statusOf[dmsd.ErrorCode(err)]; ok && dmsd.ErrorCode(err) != dmsd.EINTERNAL {
		return dmsd.ErrorMessage(err)
	}
	loggerFrom(r).Error("internal error", "method", r.Method, "path", r.URL.Path, "error", err)
	return "UNKNOWN"
}

type offsetDeletionJSON struct {
	Name      string  `json:"name"`
	Success   bool    `json:"success"`
	ErrorCode *string `json:"error_code,omitempty"`
}

// handleGroupOffsetsDelete serves DeleteConsumerGroupOffsets.
func handleGroupOffsetsDelete(svc dmsd.GroupService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, name, err := groupRoute(r)
		if err != nil {
			return err
		}
		req, err := decode[struct {
			Topics []string `json:"topics"`
		}](r)
		if err != nil {
			return err
		}
		res, err := svc.DeleteGroupOffsets(r.Context(), actorFrom(r), id, name, req.Topics)
		if err != nil {
			return err
		}
		out := []offsetDeletionJSON{}
		for _, t := range slices.Sorted(maps.Keys(res)) {
			d := offsetDeletionJSON{Name: t, Success: res[t] == nil}
			if e := res[t]; e != nil {
				code := dmsd.ErrorCode(e)
				if _, ok := statusOf[code]; !ok {
					publicMessage(r, e)
					code = dmsd.EINTERNAL
				}
				d.ErrorCode = &code
			}
			out = append(out, d)
		}
		encode(w, http.StatusOK, map[string][]offsetDeletionJSON{"topics": out})
		return nil
	})
}
