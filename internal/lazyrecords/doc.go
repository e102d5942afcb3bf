// Package lazyrecords holds records by id, some of them still encoded as
// they were read from a store: each is decoded the first time it is asked
// for. A process that opens a store of many records it rarely reads (an
// engine's stopped tasks, kept for an hour after they stop) then pays for
// reading their keys, not for decoding them all.
package lazyrecords
