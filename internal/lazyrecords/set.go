package lazyrecords

import "iter"

// Set holds records of type T by id. A record is either decoded, or
// encoded (as a store holds it) with the fields its holder needs without
// decoding it (M, its meta). A Set is not safe for concurrent use.
type Set[T, M any] struct {
	decode  func(raw []byte) (*T, error)
	onError func(id string, err error)
	decoded map[string]*T
	encoded map[string]encoded[M]
}

type encoded[M any] struct {
	raw  []byte
	meta M
}

// New returns an empty Set whose encoded records decode turns into
// records. onError, when not nil, is told of a record that cannot be
// decoded; the Set drops that record, which then reads as absent.
func New[T, M any](decode func(raw []byte) (*T, error), onError func(id string, err error)) *Set[T, M] {
	return &Set[T, M]{decode: decode, onError: onError, decoded: map[string]*T{}, encoded: map[string]encoded[M]{}}
}

// Put sets the record of id, replacing any, encoded or not.
func (s *Set[T, M]) Put(id string, v *T) {
	delete(s.encoded, id)
	s.decoded[id] = v
}

// PutEncoded sets the record of id to raw, to be decoded when asked for,
// and its meta; it replaces any record of id. The Set keeps raw.
func (s *Set[T, M]) PutEncoded(id string, raw []byte, meta M) {
	delete(s.decoded, id)
	s.encoded[id] = encoded[M]{raw: raw, meta: meta}
}

// Get returns the record of id, decoding it if it is still encoded; nil
// when there is none (or it cannot be decoded).
func (s *Set[T, M]) Get(id string) *T {
	if v, ok := s.decoded[id]; ok {
		return v
	}
	e, ok := s.encoded[id]
	if !ok {
		return nil
	}
	return s.decodeOne(id, e)
}

func (s *Set[T, M]) decodeOne(id string, e encoded[M]) *T {
	delete(s.encoded, id)
	v, err := s.decode(e.raw)
	if err != nil {
		if s.onError != nil {
			s.onError(id, err)
		}
		return nil
	}
	s.decoded[id] = v
	return v
}

// Delete removes the record of id.
func (s *Set[T, M]) Delete(id string) {
	delete(s.decoded, id)
	delete(s.encoded, id)
}

// Len returns the number of records, encoded or not.
func (s *Set[T, M]) Len() int { return len(s.decoded) + len(s.encoded) }

// Decoded yields the records decoded so far, in no particular order.
// Records may be deleted meanwhile.
func (s *Set[T, M]) Decoded() iter.Seq2[string, *T] {
	return func(yield func(string, *T) bool) {
		for id, v := range s.decoded {
			if !yield(id, v) {
				return
			}
		}
	}
}

// All decodes every record still encoded, then yields them all, in no
// particular order. Records may be deleted meanwhile.
func (s *Set[T, M]) All() iter.Seq2[string, *T] {
	s.DecodeWhere(func(string, M) bool { return true })
	return s.Decoded()
}

// Encoded yields the id and meta of each record still encoded, in no
// particular order. Records may be deleted meanwhile.
func (s *Set[T, M]) Encoded() iter.Seq2[string, M] {
	return func(yield func(string, M) bool) {
		for id, e := range s.encoded {
			if !yield(id, e.meta) {
				return
			}
		}
	}
}

// DecodeWhere decodes the records still encoded whose id and meta match.
func (s *Set[T, M]) DecodeWhere(match func(id string, meta M) bool) {
	for id, e := range s.encoded {
		if match(id, e.meta) {
			s.decodeOne(id, e)
		}
	}
}
