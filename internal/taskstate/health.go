package taskstate

// Health is a container's or a task's health status, spelled as ECS spells
// it. The zero value means UNKNOWN.
type Health string

// Health statuses.
const (
	HealthUnknown   Health = "UNKNOWN"
	HealthHealthy   Health = "HEALTHY"
	HealthUnhealthy Health = "UNHEALTHY"
)

// String returns the ECS spelling of h (UNKNOWN for the zero value).
func (h Health) String() string {
	if h == "" {
		return string(HealthUnknown)
	}
	return string(h)
}

// ContainerHealth records a container's health status as its health check
// reports it. Health never changes the task's lifecycle: an unhealthy
// container keeps a standalone task running.
func (t Task) ContainerHealth(name string, h Health) Task {
	i := t.index(name)
	if i < 0 || t.Containers[i].Health.String() == h.String() {
		return t
	}
	t = t.clone()
	t.Containers[i].Health = h
	return t
}

// Health derives the task's health from its essential containers that have
// a health check, as ECS does: UNHEALTHY when any of them is UNHEALTHY, else
// UNKNOWN when any of them is UNKNOWN, else HEALTHY. A task none of whose
// essential containers has a health check is UNKNOWN.
func (t Task) Health() Health {
	checked := 0
	unknown := false
	for _, c := range t.Containers {
		if !c.Essential || !c.HealthChecked {
			continue
		}
		checked++
		switch c.Health.String() {
		case string(HealthUnhealthy):
			return HealthUnhealthy
		case string(HealthUnknown):
			unknown = true
		}
	}
	if checked == 0 || unknown {
		return HealthUnknown
	}
	return HealthHealthy
}
