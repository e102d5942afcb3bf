//go:build !linux

package natredirect

// Install is supported on Linux only.
func Install(r Redirect) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return ErrUnsupported
}

// Remove is supported on Linux only.
func Remove(table string) error { return ErrUnsupported }

// Read is supported on Linux only.
func Read(table string) ([]Rule, error) { return nil, ErrUnsupported }

// Disable is supported on Linux only.
func Disable(table string) error { return ErrUnsupported }

// Tidy is supported on Linux only.
func Tidy(table string) error { return ErrUnsupported }
