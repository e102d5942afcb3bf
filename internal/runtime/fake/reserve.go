package fake

import (
	"fmt"
	"sync"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// Reservation is a container name taken by a create still under way, as a
// Docker daemon holds the name of a container it has not registered yet
// (for example one an engine asked for just before it was killed): Create
// of that name fails with ErrCreate and ErrNameInUse, and Inspect of it
// answers ErrNotFound, until the reservation's Create or Run ends it.
type Reservation struct {
	rt       *Runtime
	spec     runtime.ContainerSpec
	refused  bool // a Create of the name was refused; guarded by rt.nmu
	missed   chan struct{}
	missOnce sync.Once
}

// Reserve takes spec.Name for a create under way (see Reservation). It
// fails with ErrNameInUse when a container or another reservation has the
// name.
func (r *Runtime) Reserve(spec runtime.ContainerSpec) (*Reservation, error) {
	r.nmu.Lock()
	defer r.nmu.Unlock()
	_, taken := r.ctrs.Get(spec.Name)
	if taken || r.reserved[spec.Name] != nil {
		return nil, fmt.Errorf("fake: reserve %s: %w", spec.Name, runtime.ErrNameInUse)
	}
	if r.reserved == nil {
		r.reserved = map[string]*Reservation{}
	}
	v := &Reservation{rt: r, spec: spec, missed: make(chan struct{})}
	r.reserved[spec.Name] = v
	return v, nil
}

// missed records an Inspect of name that answered ErrNotFound.
func (r *Runtime) missed(name string) {
	r.nmu.Lock()
	defer r.nmu.Unlock()
	if v := r.reserved[name]; v != nil && v.refused {
		v.missOnce.Do(func() { close(v.missed) })
	}
}

// Missed is closed once an Inspect of the name has answered ErrNotFound
// after a Create of it was refused: the moment a caller that handles a name
// conflict by looking the container up must not give up yet.
func (v *Reservation) Missed() <-chan struct{} { return v.missed }

// Create ends the reservation: the container is created, as Runtime.Create
// would (its Behavior chosen by the rules), and can be found from then on.
// It returns the container's id.
func (v *Reservation) Create() (string, error) { return v.finish(false) }

// Run ends the reservation with the container created and started at once
// (it is never seen created but not started), as an engine killed after
// its start request would have left it. It returns the container's id.
func (v *Reservation) Run() (string, error) { return v.finish(true) }

func (v *Reservation) finish(start bool) (string, error) {
	r := v.rt
	c := newCtr(v.spec, r.behavior(v.spec))
	r.nmu.Lock()
	defer r.nmu.Unlock()
	if r.reserved[v.spec.Name] != v {
		return "", fmt.Errorf("fake: create %s: reservation ended already", v.spec.Name)
	}
	delete(r.reserved, v.spec.Name)
	if start {
		if err := r.start(c); err != nil {
			return "", err
		}
	}
	if err := r.ctrs.Add(c.id, v.spec.Name, c); err != nil {
		return "", fmt.Errorf("fake: create %s: %w: %w", v.spec.Name, runtime.ErrCreate, err)
	}
	return c.id, nil
}
