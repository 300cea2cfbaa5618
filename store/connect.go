package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dmsd/dmsd"
)

// ConnectTaskColumns are the columns ScanConnectTask reads, in its order.
const ConnectTaskColumns = `id, project_id, instance_id, name, status, reason, data, duplicates, created_ms`

// ScanConnectTask reads the ConnectTaskColumns of a row.
func ScanConnectTask(s Scanner) (*ConnectTaskRow, error) {
	var r ConnectTaskRow
	var data string
	err := s.Scan(&r.ID, &r.ProjectID, &r.InstanceID, &r.Name, &r.Status, &r.Reason, &data, &r.Duplicates, &r.CreatedMs)
	r.Data = []byte(data)
	return &r, err
}

// ConnectOffsetColumns are the columns of connect_offsets that
// ScanConnectOffset reads, in its order.
const ConnectOffsetColumns = `flow, topic, partition_id, next_offset, run_source, run_target, run_count`

// ScanConnectOffset reads the ConnectOffsetColumns of a row.
func ScanConnectOffset(s Scanner) (dmsd.ConnectOffset, error) {
	var o dmsd.ConnectOffset
	var p int64
	err := s.Scan(&o.Flow, &o.Topic, &p, &o.Next, &o.Copied.Source, &o.Copied.Target, &o.Copied.Count)
	o.Partition = int32(p)
	return o, err
}

// connectRecord is what the data column keeps of a task.
type connectRecord struct {
	Topics      []string         `json:"topics,omitempty"`
	TopicsRegex string           `json:"topics_regex,omitempty"`
	Peer        dmsd.ConnectPeer `json:"peer"`
}

func errConnectTaskNotFound() error {
	return dmsd.Errorf(dmsd.ECONNECTTASKNOTFOUND, "The Smart Connect task does not exist.")
}

// errConnectTaskNameTaken is the error of a task given a name another task
// of its instance has.
func errConnectTaskNameTaken(name string) error {
	return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: a Smart Connect task named %s exists already.", name)
}

func decodeConnectTask(r *ConnectTaskRow) (*dmsd.ConnectTask, error) {
	var rec connectRecord
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		return nil, err
	}
	return &dmsd.ConnectTask{
		ID: r.ID, ProjectID: r.ProjectID, InstanceID: r.InstanceID, Name: r.Name, Status: r.Status, Reason: r.Reason,
		Topics: rec.Topics, TopicsRegex: rec.TopicsRegex, Peer: rec.Peer, Duplicates: r.Duplicates,
		CreatedAt: time.UnixMilli(r.CreatedMs).UTC(),
	}, nil
}

// CreateConnectTask records a new task. It returns EINVALID if the instance
// has a task of that name, and EINSTANCENOTFOUND if the instance is gone.
func (s *Store) CreateConnectTask(ctx context.Context, t *dmsd.ConnectTask) (err error) {
	defer s.out(&err)
	data, err := s.connectData(t)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx ExecutorTx) error {
		if _, err := tx.GetInstance(ctx, t.ProjectID, t.InstanceID, true); err != nil {
			if s.isNoRows(err) {
				return errInstanceNotFound()
			}
			return err
		}
		err := tx.InsertConnectTask(ctx, &ConnectTaskRow{ID: t.ID, ProjectID: t.ProjectID, InstanceID: t.InstanceID, Name: t.Name,
			Status: t.Status, Reason: t.Reason, Data: data, CreatedMs: t.CreatedAt.UnixMilli()})
		if s.isUnique(err) {
			return errConnectTaskNameTaken(t.Name)
		}
		return err
	})
}

// FindConnectTask returns a task of an instance of a project, or
// ECONNECTTASKNOTFOUND.
func (s *Store) FindConnectTask(ctx context.Context, projectID, instanceID, taskID string) (_ *dmsd.ConnectTask, err error) {
	defer s.out(&err)
	r, err := s.d.GetExecutor().GetConnectTask(ctx, projectID, instanceID, taskID)
	if s.isNoRows(err) {
		return nil, errConnectTaskNotFound()
	} else if err != nil {
		return nil, err
	}
	return s.openConnectTask(decodeConnectTask(r))
}

// ListConnectTasks returns an instance's tasks, or every task when
// instanceID is empty, oldest first.
func (s *Store) ListConnectTasks(ctx context.Context, instanceID string) (_ []*dmsd.ConnectTask, err error) {
	defer s.out(&err)
	rows, err := s.d.GetExecutor().ListConnectTasks(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	out := make([]*dmsd.ConnectTask, 0, len(rows))
	for _, r := range rows {
		t, err := s.openConnectTask(decodeConnectTask(r))
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// SetConnectStatus sets a task's status and reason, or returns
// ECONNECTTASKNOTFOUND.
func (s *Store) SetConnectStatus(ctx context.Context, taskID, status, reason string) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		n, err := tx.SetConnectStatus(ctx, taskID, status, reason, false)
		if err == nil && n == 0 {
			return errConnectTaskNotFound()
		}
		return err
	})
}

// ReportConnectStatus sets the status and reason a task's worker sees
// (RUNNING, ERROR) unless the task was paused or deleted meanwhile, which it
// reports as false.
func (s *Store) ReportConnectStatus(ctx context.Context, taskID, status, reason string) (_ bool, err error) {
	defer s.out(&err)
	var n int64
	err = s.inTx(ctx, func(tx ExecutorTx) error {
		n, err = tx.SetConnectStatus(ctx, taskID, status, reason, true)
		return err
	})
	return n > 0, err
}

// DeleteConnectTask deletes a task and its offsets; one that is gone is
// not an error.
func (s *Store) DeleteConnectTask(ctx context.Context, taskID string) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error { return tx.DeleteConnectTask(ctx, taskID) })
}

// ConnectOffsets returns a task's offsets.
func (s *Store) ConnectOffsets(ctx context.Context, taskID string) (_ []dmsd.ConnectOffset, err error) {
	defer s.out(&err)
	return s.d.GetExecutor().ListConnectOffsets(ctx, taskID)
}

// BeginConnectBatch records n records of a flow as sent and not yet
// acknowledged.
func (s *Store) BeginConnectBatch(ctx context.Context, taskID, flow string, n int) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error { return tx.SetConnectInflight(ctx, taskID, flow, int64(n)) })
}

// CommitConnectBatch saves the offsets a flow's batch reached and clears its
// unacknowledged count in one transaction.
func (s *Store) CommitConnectBatch(ctx context.Context, taskID, flow string, offsets []dmsd.ConnectOffset) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error {
		for _, o := range offsets {
			if err := tx.UpsertConnectOffset(ctx, taskID, o); err != nil {
				return err
			}
		}
		return tx.SetConnectInflight(ctx, taskID, flow, 0)
	})
}

// RecoverConnectBatch counts a flow's unacknowledged records as possible
// duplicates, as its worker starts, in one transaction.
func (s *Store) RecoverConnectBatch(ctx context.Context, taskID, flow string) (err error) {
	defer s.out(&err)
	return s.inTx(ctx, func(tx ExecutorTx) error { return tx.MoveConnectInflight(ctx, taskID, flow) })
}

// connectData returns the data column of t: its settings, the peer's
// password sealed. It returns sealing's or encoding's error.
func (s *Store) connectData(t *dmsd.ConnectTask) ([]byte, error) {
	peer, err := s.sealPeer(t.Peer)
	if err != nil {
		return nil, err
	}
	return json.Marshal(connectRecord{Topics: t.Topics, TopicsRegex: t.TopicsRegex, Peer: peer})
}
