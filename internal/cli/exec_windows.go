package cli

import (
	"os"

	"github.com/ecsrun/ecsrun/internal/execsession"
)

// watchResize does nothing on Windows (no SIGWINCH): the terminal keeps
// its first size.
func watchResize(f *os.File, ch chan execsession.Size) func() { return func() {} }
