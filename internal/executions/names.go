package executions

import (
	"crypto/rand"
	"fmt"
	"strings"
	"unicode"
)

// The resource types of Step Functions ARNs.
const (
	arnStateMachine = "stateMachine"
	arnExecution    = "execution"
)

// checkName validates a state machine or execution name as Step Functions
// does: 1 to 80 characters, no whitespace, brackets, wildcards, special
// characters or control characters.
func checkName(name string) error {
	if name == "" || len([]rune(name)) > 80 || strings.ContainsAny(name, " <>{}[]?*\"#%\\^|~`$&,;:/") {
		return errorf(ErrInvalidName, "Invalid Name: '%s'", name)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return errorf(ErrInvalidName, "Invalid Name: '%s'", name)
		}
	}
	return nil
}

// parseArn splits arn:<partition>:states:<region>:<account>:<kind>:<rest>.
func parseArn(arn, kind string) (rest string, err error) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "states" {
		return "", errorf(ErrInvalidArn, "Invalid Arn: 'Invalid ARN prefix: %s'", arn)
	}
	if parts[5] != kind {
		return "", errorf(ErrInvalidArn, "Invalid Arn: 'Resource type not valid in this context: %s'", parts[5])
	}
	return parts[6], nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
