package dmsd

// The step statuses on the wire, as the official SDK documents a step's
// statue: the stored StepStatus values predate them and stay as they are.
const (
	WireStepWaiting    = "WAITING"
	WireStepInProgress = "IN_PROGRESS"
	WireStepCompleted  = "COMPLETED"
	WireStepFailed     = "FAILED"
)

// Wire returns the SDK's name of the step status: COMPLETED for SUCCESS,
// IN_PROGRESS for EXECUTING, WAITING and FAILED as they are. An unknown
// status is returned unchanged.
func (s StepStatus) Wire() string {
	switch s {
	case StepSuccess:
		return WireStepCompleted
	case StepExecuting:
		return WireStepInProgress
	}
	return string(s)
}

// StepStatusFromWire returns the step status that Wire names w; an unknown
// name is returned unchanged as a StepStatus.
func StepStatusFromWire(w string) StepStatus {
	switch w {
	case WireStepCompleted:
		return StepSuccess
	case WireStepInProgress:
		return StepExecuting
	}
	return StepStatus(w)
}
