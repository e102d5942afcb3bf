package cli

// openFileLimit returns 0 on Windows, which has no per-process file
// descriptor limit of that kind: serve's own connection cap applies.
func openFileLimit() uint64 { return 0 }
