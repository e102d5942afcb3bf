package taskstate

import "time"

// Container is the state of one container of a task.
type Container struct {
	Name      string
	Essential bool
	Status    ContainerStatus
	// ExitCode is nil until the container has exited with a code.
	ExitCode *int
	// Reason explains an abnormal stop: "<ErrorName>: <message>".
	Reason string
	// HealthChecked is true when the container's definition has a health
	// check; Health is what it last reported.
	HealthChecked bool   `json:",omitempty"`
	Health        Health `json:",omitempty"`
}

// Task is the state of a task as its owner sees it. Methods return updated
// copies; a Task shares its Containers slice with the copies it returns only
// until the next change, so keep just the latest value.
type Task struct {
	Status  Status
	Desired Status
	// StopCode and StoppedReason are set when the task is first asked to stop.
	StopCode      string
	StoppedReason string
	Containers    []Container
	// Provisioned: the task's resources (network, volumes) are ready.
	Provisioned bool
	// Deprovisioned: the task's resources have been released.
	Deprovisioned bool

	CreatedAt          time.Time
	StartedAt          time.Time
	StoppingAt         time.Time
	ExecutionStoppedAt time.Time
	StoppedAt          time.Time
}

// New returns a task in PROVISIONING that should run the given containers.
func New(containers []Container, now time.Time) Task {
	cs := make([]Container, len(containers))
	copy(cs, containers)
	for i := range cs {
		cs[i].Status = ContainerPending
	}
	return Task{Status: Provisioning, Desired: Running, Containers: cs, CreatedAt: now}
}

func (t Task) clone() Task {
	cs := make([]Container, len(t.Containers))
	copy(cs, t.Containers)
	t.Containers = cs
	return t
}

func (t Task) index(name string) int {
	for i := range t.Containers {
		if t.Containers[i].Name == name {
			return i
		}
	}
	return -1
}

// ContainerStarted records that a container is running.
func (t Task) ContainerStarted(name string) Task {
	i := t.index(name)
	if i < 0 || t.Containers[i].Status != ContainerPending {
		return t
	}
	t = t.clone()
	t.Containers[i].Status = ContainerRunning
	return t
}

// ContainerStopped records that a container has stopped. An essential
// container stopping while the task should run stops the task with
// EssentialContainerExited.
func (t Task) ContainerStopped(name string, exitCode *int, reason string, now time.Time) Task {
	i := t.index(name)
	if i < 0 || t.Containers[i].Status == ContainerStopped {
		return t
	}
	t = t.clone()
	c := &t.Containers[i]
	c.Status = ContainerStopped
	if exitCode != nil {
		code := *exitCode
		c.ExitCode = &code
	}
	if reason != "" {
		c.Reason = reason
	}
	if c.Essential {
		if t.ExecutionStoppedAt.IsZero() {
			t.ExecutionStoppedAt = now
		}
		t = t.RequestStop(StopEssentialContainerExited, ReasonEssentialExited, now)
	}
	return t
}

// ContainerFailedToStart records that a container could not be pulled,
// created or started: it is stopped with reason, and the task stops with
// TaskFailedToStart.
func (t Task) ContainerFailedToStart(name, reason string, now time.Time) Task {
	i := t.index(name)
	if i >= 0 && t.Containers[i].Status != ContainerStopped {
		t = t.clone()
		t.Containers[i].Status = ContainerStopped
		t.Containers[i].Reason = reason
	}
	if t.ExecutionStoppedAt.IsZero() {
		t.ExecutionStoppedAt = now
	}
	return t.RequestStop(StopTaskFailedToStart, reason, now)
}

// FailedToStart records that the task's resources (network, volumes,
// secrets) could not be set up: every container that has not stopped is
// stopped with reason, and the task stops with TaskFailedToStart.
func (t Task) FailedToStart(reason string, now time.Time) Task {
	t = t.clone()
	for i := range t.Containers {
		if t.Containers[i].Status != ContainerStopped {
			t.Containers[i].Status = ContainerStopped
			t.Containers[i].Reason = reason
		}
	}
	if t.ExecutionStoppedAt.IsZero() {
		t.ExecutionStoppedAt = now
	}
	return t.RequestStop(StopTaskFailedToStart, reason, now)
}

// RequestStop sets the desired status to STOPPED. The first stop code and
// reason win; later requests change nothing.
func (t Task) RequestStop(code, reason string, now time.Time) Task {
	if t.Desired == Stopped {
		return t
	}
	t.Desired = Stopped
	t.StopCode = code
	t.StoppedReason = reason
	if t.StoppingAt.IsZero() {
		t.StoppingAt = now
	}
	return t
}

// AllStopped reports whether every container has stopped.
func (t Task) AllStopped() bool {
	for _, c := range t.Containers {
		if c.Status != ContainerStopped {
			return false
		}
	}
	return true
}

func (t Task) allStarted() bool {
	for _, c := range t.Containers {
		if c.Status == ContainerPending {
			return false
		}
	}
	return true
}

// Advance moves the task's last status one step toward where its containers
// and desired status allow, and reports whether it moved. Call it until it
// returns false, publishing each status.
func (t Task) Advance(now time.Time) (Task, bool) {
	next := t.next()
	if next == t.Status {
		return t, false
	}
	t.Status = next
	switch next {
	case Running:
		if t.StartedAt.IsZero() {
			t.StartedAt = now
		}
	case Stopped:
		t.StoppedAt = now
		if t.ExecutionStoppedAt.IsZero() {
			t.ExecutionStoppedAt = now
		}
	}
	return t, true
}

func (t Task) next() Status {
	if t.Status == Stopped {
		return Stopped
	}
	if t.Desired == Stopped {
		switch t.Status {
		case Running, Activating:
			return Deactivating
		case None, Provisioning, Pending, Deactivating:
			return Stopping
		case Stopping:
			if t.AllStopped() {
				return Deprovisioning
			}
		case Deprovisioning:
			if t.Deprovisioned {
				return Stopped
			}
		}
		return t.Status
	}
	switch t.Status {
	case None:
		return Provisioning
	case Provisioning:
		if t.Provisioned {
			return Pending
		}
	case Pending:
		if t.allStarted() {
			return Activating
		}
	case Activating:
		return Running
	}
	return t.Status
}
