package engine

import (
	"context"
	"slices"

	"github.com/dmsd/dmsd"
)

// extendInstance adds storage or brokers to a RUNNING instance, which is
// EXTENDING meanwhile.
var extendInstance = &Kind[extendParams]{
	Name:    "extendInstance",
	Needs:   dmsd.Extend,
	From:    running,
	During:  dmsd.InstanceExtending,
	Success: dmsd.InstanceRunning,
	Failure: dmsd.InstanceExtendFailed,
	Steps: []Step[extendParams]{
		{"EXTEND_SPEC", saveExtension},
		{"STOP_BROKERS", extendStopBrokers},
		instanceStep[extendParams]("START_BROKERS", startBrokers),
		instanceStep[extendParams]("CHECK_CLUSTER", checkCluster),
	},
}

// extendParams are the params of extendInstance: the change asked for and
// what it changes from.
type extendParams struct {
	OperType        string `json:"oper_type"`
	OldStorageSpace int    `json:"old_storage_space"`
	NewStorageSpace int    `json:"new_storage_space"`
	OldBrokerNum    int    `json:"old_broker_num,omitempty"`
	NewBrokerNum    int    `json:"new_broker_num,omitempty"`
}

// saveExtension records the new specification on the instance. For more
// brokers it keeps the existing brokers' ports and adds a 0 (a free port) for
// each new broker, so that the start that follows brings the old brokers
// back where clients know them and binds the new ones anywhere; that start
// records the new ports. Saving what is saved writes nothing.
func saveExtension(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *extendParams) error {
	changed := false
	if p.NewStorageSpace > 0 && inst.StorageSpace != p.NewStorageSpace {
		inst.StorageSpace, changed = p.NewStorageSpace, true
	}
	if p.OperType == "horizontal" && inst.BrokerNum != p.NewBrokerNum {
		inst.BrokerNum, changed = p.NewBrokerNum, true
		if len(inst.Ports) > 0 {
			for len(inst.Ports) < inst.BrokerNum {
				inst.Ports = append(inst.Ports, 0)
			}
		}
	}
	if !changed {
		return nil
	}
	return d.store.UpdateInstance(ctx, inst)
}

// extendStopBrokers stops the brokers for a horizontal extension, so that the
// next step starts them again with the new broker count on the same data;
// more storage changes nothing that runs.
func extendStopBrokers(ctx context.Context, d *deps, _ *dmsd.Task, inst *dmsd.Instance, p *extendParams) error {
	if p.OperType != "horizontal" {
		return nil
	}
	return stopBrokers(ctx, d, inst)
}

// storageStep is the granularity of storage_space the reference requires.
const storageStep = 100

// ExtendInstance validates the change against the instance and starts
// extendInstance on a RUNNING instance, which is EXTENDING until it ends.
// It returns EEXTERNAL for an external cluster, EINVALIDDISK for storage that
// shrinks, is not a multiple of 100 GB or exceeds dmsd.MaxStorageSpace,
// EINVALID for other bad parameters, EBROKERQUOTA for brokers past the
// project's quota, and the store's errors.
func (e *Engine) ExtendInstance(ctx context.Context, actor dmsd.Actor, instanceID string, ext dmsd.Extension) (*dmsd.Task, error) {
	inst, err := e.extendable(ctx, actor, instanceID)
	if err != nil {
		return nil, err
	}
	p := extendParams{OperType: ext.OperType, OldStorageSpace: inst.StorageSpace, NewStorageSpace: ext.NewStorageSpace}
	switch ext.OperType {
	case "storage":
		switch {
		case ext.NewStorageSpace <= inst.StorageSpace:
			return nil, dmsd.Errorf(dmsd.EINVALIDDISK, "Invalid disk space: new_storage_space %d must be larger than the current %d GB.", ext.NewStorageSpace, inst.StorageSpace)
		case ext.NewStorageSpace%storageStep != 0:
			return nil, dmsd.Errorf(dmsd.EINVALIDDISK, "Invalid disk space: new_storage_space must be a multiple of %d GB.", storageStep)
		case (ext.NewStorageSpace-inst.StorageSpace)/inst.BrokerNum < storageStep:
			return nil, dmsd.Errorf(dmsd.EINVALIDDISK, "Invalid disk space: each of the %d brokers must get at least %d GB more.", inst.BrokerNum, storageStep)
		}
	case "horizontal":
		switch {
		case ext.NewBrokerNum <= inst.BrokerNum:
			return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: new_broker_num %d must be larger than the current %d brokers.", ext.NewBrokerNum, inst.BrokerNum)
		case extendBrokersErr(inst, ext.NewBrokerNum) != nil:
			return nil, extendBrokersErr(inst, ext.NewBrokerNum)
		case ext.NewStorageSpace != 0 && ext.NewStorageSpace%storageStep != 0:
			return nil, dmsd.Errorf(dmsd.EINVALIDDISK, "Invalid disk space: new_storage_space must be a multiple of %d GB.", storageStep)
		case ext.NewStorageSpace != 0 && ext.NewStorageSpace < inst.StorageSpace:
			return nil, dmsd.Errorf(dmsd.EINVALIDDISK, "Invalid disk space: new_storage_space %d is below the current %d GB.", ext.NewStorageSpace, inst.StorageSpace)
		}
		if ext.NewStorageSpace == 0 {
			// Each broker keeps its storage, so the total grows with them.
			p.NewStorageSpace = inst.StorageSpace / inst.BrokerNum * ext.NewBrokerNum
		}
		p.OldBrokerNum, p.NewBrokerNum = inst.BrokerNum, ext.NewBrokerNum
	case "vertical":
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: oper_type vertical is not supported by this service.")
	default:
		return nil, dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: oper_type must be storage or horizontal.")
	}
	if p.NewStorageSpace > dmsd.MaxStorageSpace {
		return nil, dmsd.Errorf(dmsd.EINVALIDDISK, "Invalid disk space: new_storage_space can be at most %d GB.", dmsd.MaxStorageSpace)
	}
	var opts []submitOpt
	if ext.OperType == "horizontal" {
		opts = append(opts, withQuota(e.quota)) // more brokers count against the project's quota
	}
	return submit(ctx, e, extendInstance, actor, instanceID, p, opts...)
}

// extendable returns the instance if an extension may start on it: its
// cluster allows one (else EEXTERNAL) and it is in a status extendInstance
// starts from (else EINSTANCESTATUS, as the store's submission would
// answer). It returns the store's EINSTANCENOTFOUND.
func (e *Engine) extendable(ctx context.Context, actor dmsd.Actor, instanceID string) (*dmsd.Instance, error) {
	inst, err := e.allowed(ctx, actor, instanceID, extendInstance.Needs)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(extendInstance.From, inst.Status) {
		return nil, dmsd.Errorf(dmsd.EINSTANCESTATUS, "This operation is not allowed due to the instance status (%s).", inst.Status)
	}
	return inst, nil
}

// CheckExtendable returns the refusal ExtendInstance answers whatever the
// change asked (extendable's), or nil: ShowKafkaScalePreCheckInfo.
func (e *Engine) CheckExtendable(ctx context.Context, actor dmsd.Actor, instanceID string) error {
	_, err := e.extendable(ctx, actor, instanceID)
	return err
}

// extendBrokersErr returns EINVALID unless newBrokers is within the bounds
// of the instance's flavor in dmsd.Products, so that extension accepts what
// creation and the extension catalog allow; an instance whose flavor is no
// longer offered keeps the largest bound of any flavor.
func extendBrokersErr(inst *dmsd.Instance, newBrokers int) error {
	if p, ok := dmsd.ProductByID(inst.ProductID); ok {
		return p.ValidateBrokerNum(newBrokers)
	}
	maxB := 0
	for _, p := range dmsd.Products {
		maxB = max(maxB, p.MaxBrokers)
	}
	if newBrokers > maxB {
		return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: new_broker_num can be at most %d.", maxB)
	}
	return nil
}
