package activities

// Waiting returns how many GetActivityTask calls wait on the activity arn.
func (m *Manager) Waiting(arn string) int {
	m.q.mu.Lock()
	defer m.q.mu.Unlock()
	if q := m.q.m[arn]; q != nil {
		return len(q.pollers)
	}
	return 0
}
