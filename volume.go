package dmsd

import "context"

// VolumeExpand is an instance's automatic storage growth: while Enabled,
// dmsd itself extends the instance's storage by Increment percent (at
// least one step of 100 GB per broker) once a broker's logs take
// Threshold percent of its share of storage_space, up to MaxSize GB.
type VolumeExpand struct {
	Enabled   bool
	Threshold int
	Increment int
	MaxSize   int
}

// VolumeExpandDefaults are the settings a field left out of a change takes
// when the instance has none yet: the console's defaults.
var VolumeExpandDefaults = VolumeExpand{Threshold: 80, Increment: 20, MaxSize: MaxStorageSpace}

// VolumeService reads and changes automatic storage growth.
type VolumeService interface {
	// SetVolumeExpand saves v as the instance's automatic storage growth.
	// It returns EINVALID for a threshold outside 1..95, an increment
	// outside 10..100 or a maximum beyond MaxStorageSpace or below the
	// current storage, EEXTERNAL for an external cluster, and the store's
	// errors.
	SetVolumeExpand(ctx context.Context, actor Actor, instanceID string, v VolumeExpand) error
}
