package httpapi

import (
	"net/http"

	"github.com/dmsd/dmsd"
)

// volumeExpandJSON is AlterAutoVolumeExpandConfig and
// ShowVolumeExpandConfigResponse.
type volumeExpandJSON struct {
	AutoVolumeExpandEnable *bool `json:"auto_volume_expand_enable"`
	ExpandThreshold        *int  `json:"expand_threshold,omitempty"`
	MaxVolumeSize          *int  `json:"max_volume_size,omitempty"`
	ExpandIncrement        *int  `json:"expand_increment,omitempty"`
}

// volumeExpandOf returns inst's automatic storage growth, the defaults
// (off) when it has none.
func volumeExpandOf(inst *dmsd.Instance) dmsd.VolumeExpand {
	if inst.VolumeExpand != nil {
		return *inst.VolumeExpand
	}
	v := dmsd.VolumeExpandDefaults
	v.MaxSize = max(v.MaxSize, inst.StorageSpace)
	return v
}

// handleVolumeExpandShow serves ShowVolumeExpandConfig.
func handleVolumeExpandShow(store dmsd.InstanceStore) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		inst, err := visibleInstance(r, store)
		if err != nil {
			return err
		}
		v := volumeExpandOf(inst)
		encode(w, http.StatusOK, volumeExpandJSON{AutoVolumeExpandEnable: &v.Enabled, ExpandThreshold: &v.Threshold, MaxVolumeSize: &v.MaxSize, ExpandIncrement: &v.Increment})
		return nil
	})
}

// handleVolumeExpandUpdate serves UpdateVolumeExpansionConfig: a field left
// out keeps its current value.
func handleVolumeExpandUpdate(store dmsd.InstanceStore, svc dmsd.LifecycleService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, req, err := decodeForInstance[volumeExpandJSON](r)
		if err != nil {
			return err
		}
		if req.AutoVolumeExpandEnable == nil {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: auto_volume_expand_enable is required.")
		}
		inst, err := visibleInstance(r, store)
		if err != nil {
			return err
		}
		v := volumeExpandOf(inst)
		v.Enabled = *req.AutoVolumeExpandEnable
		if req.ExpandThreshold != nil {
			v.Threshold = *req.ExpandThreshold
		}
		if req.MaxVolumeSize != nil {
			v.MaxSize = *req.MaxVolumeSize
		}
		if req.ExpandIncrement != nil {
			v.Increment = *req.ExpandIncrement
		}
		if err := svc.SetVolumeExpand(r.Context(), actorFrom(r), inst.ID, v); err != nil {
			return err
		}
		encode(w, http.StatusOK, struct{}{})
		return nil
	})
}
