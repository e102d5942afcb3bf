package runtime

import "sync"

// Registry holds the containers of a runtime that keeps them itself (the
// process and fake runtimes), by id and by unique name. It is safe for
// concurrent use; the zero value is empty and ready.
type Registry[C any] struct {
	mu    sync.RWMutex
	byID  map[string]C
	names map[string]string // name -> id
}

// Add records c under id and, unless name is empty, name; ErrNameInUse
// when another container has that name.
func (r *Registry[C]) Add(id, name string, c C) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID, r.names = map[string]C{}, map[string]string{}
	}
	if name != "" {
		if _, dup := r.names[name]; dup {
			return ErrNameInUse
		}
		r.names[name] = id
	}
	r.byID[id] = c
	return nil
}

// Get finds a container by id or by name.
func (r *Registry[C]) Get(idOrName string) (C, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c, ok := r.byID[idOrName]; ok {
		return c, true
	}
	c, ok := r.byID[r.names[idOrName]]
	return c, ok
}

// Delete forgets the container id, and its name; false when it was not
// there.
func (r *Registry[C]) Delete(id, name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byID[id]; !ok {
		return false
	}
	delete(r.byID, id)
	if name != "" && r.names[name] == id {
		delete(r.names, name)
	}
	return true
}

// All returns every container, in no particular order.
func (r *Registry[C]) All() []C {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]C, 0, len(r.byID))
	for _, c := range r.byID {
		out = append(out, c)
	}
	return out
}

// HasLabels reports whether labels carry every label of want, an empty
// value in want matching any value (the filter of List and ListVolumes).
func HasLabels(labels, want map[string]string) bool {
	for k, v := range want {
		if got, ok := labels[k]; !ok || v != "" && got != v {
			return false
		}
	}
	return true
}
