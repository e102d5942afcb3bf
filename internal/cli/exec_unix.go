//go:build !windows

package cli

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/ecsrun/ecsrun/internal/execsession"
)

// watchResize sends the terminal's size to ch each time it changes, until
// the returned function is called.
func watchResize(f *os.File, ch chan execsession.Size) func() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-sig:
				if cols, rows, err := term.GetSize(int(f.Fd())); err == nil {
					select {
					case ch <- execsession.Size{Rows: uint16(rows), Cols: uint16(cols)}:
					default:
					}
				}
			}
		}
	}()
	return func() { signal.Stop(sig); close(done) }
}
