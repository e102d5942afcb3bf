// Package runtimetest holds what the tests of every runtime.Runtime
// implementation use to drive one: create and run containers that are
// removed when the test ends, wait for them, and read or follow their
// output.
package runtimetest
