package taskstate

import "fmt"

// Status is a task's last or desired status. The zero value is None.
type Status int

// Task statuses in lifecycle order.
const (
	None Status = iota
	Provisioning
	Pending
	Activating
	Running
	Deactivating
	Stopping
	Deprovisioning
	Stopped
)

var statusNames = [...]string{"NONE", "PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"}

// String returns the ECS spelling of s.
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// ParseStatus parses the ECS spelling of a task status.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if n == s {
			return Status(i), nil
		}
	}
	return None, fmt.Errorf("taskstate: unknown task status %q", s)
}

// Terminal reports whether s is final.
func (s Status) Terminal() bool { return s == Stopped }

// ContainerStatus is a container's last or desired status.
type ContainerStatus int

// Container statuses in lifecycle order.
const (
	ContainerPending ContainerStatus = iota
	ContainerRunning
	ContainerStopped
)

var containerStatusNames = [...]string{"PENDING", "RUNNING", "STOPPED"}

// String returns the ECS spelling of s.
func (s ContainerStatus) String() string {
	if s < 0 || int(s) >= len(containerStatusNames) {
		return fmt.Sprintf("ContainerStatus(%d)", int(s))
	}
	return containerStatusNames[s]
}

// ParseContainerStatus parses the ECS spelling of a container status.
func ParseContainerStatus(s string) (ContainerStatus, error) {
	for i, n := range containerStatusNames {
		if n == s {
			return ContainerStatus(i), nil
		}
	}
	return ContainerPending, fmt.Errorf("taskstate: unknown container status %q", s)
}

// Stop codes (the TaskStopCode enumeration).
const (
	StopTaskFailedToStart         = "TaskFailedToStart"
	StopEssentialContainerExited  = "EssentialContainerExited"
	StopUserInitiated             = "UserInitiated"
	StopServiceSchedulerInitiated = "ServiceSchedulerInitiated"
)

// Stopped reasons ECS writes.
const (
	ReasonEssentialExited = "Essential container in task exited"
	ReasonUserStopped     = "Task stopped by user"
)
