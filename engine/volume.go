package engine

import (
	"context"
	"errors"
	"time"

	"github.com/dmsd/dmsd"
)

// SetVolumeExpand saves v as the instance's automatic storage growth. It
// returns EINVALID for a threshold outside 0..95 (0: as soon as the logs
// hold anything), an increment outside 10..100 or a maximum beyond
// dmsd.MaxStorageSpace or below the current storage, EEXTERNAL for an
// external cluster (whose storage dmsd does not extend), and the store's
// errors.
func (e *Engine) SetVolumeExpand(ctx context.Context, actor dmsd.Actor, instanceID string, v dmsd.VolumeExpand) error {
	inst, err := e.allowed(ctx, actor, instanceID, extendInstance.Needs)
	if err != nil {
		return err
	}
	switch {
	case v.Threshold < 0 || v.Threshold > 95:
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: expand_threshold must be between 0 and 95 (percent).")
	case v.Increment < 10 || v.Increment > 100:
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: expand_increment must be between 10 and 100 (percent).")
	case v.MaxSize > dmsd.MaxStorageSpace || v.MaxSize < inst.StorageSpace:
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: max_volume_size must be between the current %d GB and %d GB.", inst.StorageSpace, dmsd.MaxStorageSpace)
	}
	// Only the growth is saved, on the record as it is then.
	return e.store.ModifyInstance(ctx, actor.ProjectID, instanceID, func(cur *dmsd.Instance) error {
		if err := dmsd.CheckNotReplayed(ctx); err != nil {
			return err
		}
		cur.VolumeExpand = &v
		return nil
	})
}

// expandedStorage returns the storage_space automatic growth gives inst
// (its increment in percent, at least one step per broker, a multiple of
// the step, at most the maximum), or 0 when it cannot grow.
func expandedStorage(inst *dmsd.Instance, v *dmsd.VolumeExpand) int {
	grown := inst.StorageSpace + inst.StorageSpace*v.Increment/100
	grown = (grown + storageStep - 1) / storageStep * storageStep
	grown = max(grown, inst.StorageSpace+storageStep*inst.BrokerNum)
	for grown > v.MaxSize {
		grown -= storageStep
	}
	if (grown-inst.StorageSpace)/inst.BrokerNum < storageStep {
		return 0
	}
	return grown
}

// CheckVolumes starts extendInstance, as user system, on every RUNNING
// instance of this replica whose automatic storage growth is on and one of
// whose brokers' logs take at least its threshold of the broker's share of
// storage_space. It returns the joined errors of the store and the
// clusters, having tried every instance; an instance whose task is running
// already is tried again on the next call.
func (e *Engine) CheckVolumes(ctx context.Context) error {
	all, err := e.store.ListAllInstances(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, inst := range all {
		v := inst.VolumeExpand
		if v == nil || !v.Enabled || inst.Status != dmsd.InstanceRunning || inst.Queue() != dmsd.QueueOf(e.replica) || inst.BrokerNum <= 0 {
			continue
		}
		grown := expandedStorage(inst, v)
		if grown == 0 {
			continue
		}
		c, err := e.clusters.For(inst)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		disks, err := c.DiskUsage(ctx, inst)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		share := int64(inst.StorageSpace/inst.BrokerNum) << 30
		full := false
		for _, d := range disks {
			used := d.Used()
			full = full || (used > 0 && used*100 >= int64(v.Threshold)*share)
		}
		if !full {
			continue
		}
		_, err = e.ExtendInstance(ctx, dmsd.SystemActor(inst.ProjectID), inst.ID, dmsd.Extension{OperType: "storage", NewStorageSpace: grown})
		if err != nil && dmsd.ErrorCode(err) != dmsd.ETASKRUNNING && dmsd.ErrorCode(err) != dmsd.EINSTANCESTATUS {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// MonitorVolumes calls CheckVolumes every interval until ctx ends, logging
// its errors.
func (e *Engine) MonitorVolumes(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := e.CheckVolumes(ctx); err != nil && ctx.Err() == nil {
				e.logger.Warn("the automatic storage growth check failed; it is tried again", "error", err)
			}
		}
	}
}
