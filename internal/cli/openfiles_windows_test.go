package cli

import "errors"

// setOpenFileLimit is not available on Windows.
func setOpenFileLimit(uint64) error {
	return errors.New("no open file limit to set on Windows")
}
