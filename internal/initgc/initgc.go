package initgc

import _ "unsafe" // go:linkname

// Percent is the garbage collector's target from the start of the binary.
const Percent = 400

//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(int32) int32

// before is the target the runtime started with: 100, or GOGC's.
var before int32

func init() {
	before = setGCPercent(Percent)
}

// Restore gives the garbage collector back the target the runtime started
// with (GOGC's when it is set) and returns it.
func Restore() int {
	setGCPercent(before)
	return int(before)
}
