package broadcast

import "sync"

// Keyed holds one-shot notifications by key: each waiter takes a channel
// for a key, and Notify of that key closes the channels taken for it
// before. The zero value is ready to use.
type Keyed[K comparable] struct {
	mu      sync.Mutex
	waiting map[K]map[*chan struct{}]struct{}
}

// C returns a channel closed by the next Notify of key, and a function
// that gives it up (without closing it) when the caller no longer waits:
// call it when done, or the key's entry stays until its Notify.
func (k *Keyed[K]) C(key K) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.waiting == nil {
		k.waiting = map[K]map[*chan struct{}]struct{}{}
	}
	set := k.waiting[key]
	if set == nil {
		set = map[*chan struct{}]struct{}{}
		k.waiting[key] = set
	}
	set[&ch] = struct{}{}
	return ch, func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if set := k.waiting[key]; set != nil {
			delete(set, &ch)
			if len(set) == 0 {
				delete(k.waiting, key)
			}
		}
	}
}

// Notify closes the channels taken for key; later ones wait for the next
// Notify.
func (k *Keyed[K]) Notify(key K) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for ch := range k.waiting[key] {
		close(*ch)
	}
	delete(k.waiting, key)
}

// Waiting returns how many keys have a channel waiting.
func (k *Keyed[K]) Waiting() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.waiting)
}
