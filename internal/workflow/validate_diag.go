package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Diagnostic codes of ValidateStateMachineDefinition (the error codes of
// the API model's ValidateStateMachineDefinitionDiagnostic) that Parse
// gives its problems. A Problem without a Code is a
// SCHEMA_VALIDATION_FAILED one.
const (
	CodeSchemaValidationFailed  = "SCHEMA_VALIDATION_FAILED"
	CodeInvalidJSONDescription  = "INVALID_JSON_DESCRIPTION"
	CodeInvalidResource         = "INVALID_RESOURCE"
	CodeMissingEndState         = "MISSING_END_STATE"
	CodeDuplicateStateName      = "DUPLICATE_STATE_NAME"
	CodeInvalidStateName        = "INVALID_STATE_NAME"
	CodeMissingTransitionTarget = "MISSING_TRANSITION_TARGET"
	CodeInvalidLabelName        = "INVALID_LABEL_NAME"
)

// DiagnosticCode is the problem's ValidateStateMachineDefinition code.
func (p Problem) DiagnosticCode() string {
	if p.Code == "" {
		return CodeSchemaValidationFailed
	}
	return p.Code
}

// Location is where ValidateStateMachineDefinition reports the problem:
// its Path, or "/" for the definition as a whole; "" (or the line and
// column of a syntax error) when the definition is no JSON object.
func (p Problem) Location() string {
	if p.Code == CodeInvalidJSONDescription || p.Message == notAnObject {
		return p.Path
	}
	if p.Path == "" {
		return "/"
	}
	return p.Path
}

// notAnObject is AWS's message for a definition that is no JSON object.
const notAnObject = "Definition must be a valid JSON object"

// Validate checks a definition as CreateStateMachine and
// ValidateStateMachineDefinition do and returns every problem found (none
// when it is valid): text that is not a JSON object gives one problem
// (INVALID_JSON_DESCRIPTION for a JSON syntax error, located at the line
// and column), anything else what Parse finds.
func Validate(definition []byte, opts ParseOptions) []Problem {
	if len(bytes.TrimSpace(definition)) == 0 {
		return []Problem{{Message: notAnObject}}
	}
	v, err := DecodeJSON(definition)
	if err != nil {
		msg, at := jsonSyntaxProblem(definition, err)
		return []Problem{{Code: CodeInvalidJSONDescription, Message: msg, Path: at}}
	}
	if _, ok := v.(map[string]any); !ok {
		return []Problem{{Message: notAnObject}}
	}
	_, err = Parse(definition, opts)
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Problems
	}
	return nil
}

// jsonSyntaxProblem describes a JSON syntax error with its line and column.
func jsonSyntaxProblem(data []byte, err error) (string, string) {
	var se *json.SyntaxError
	off := len(data) // an unexpected end
	switch {
	case errors.As(err, &se):
		off = int(se.Offset)
	case !errors.Is(err, io.ErrUnexpectedEOF):
		return "The definition is not valid JSON: " + err.Error(), ""
	}
	if off > len(data) {
		off = len(data)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	at := fmt.Sprintf("line %d, column %d", line, col)
	return fmt.Sprintf("The definition is not valid JSON: %v at %s", err, at), at
}

// InvalidDefinitionMessage is the message of CreateStateMachine's and
// UpdateStateMachine's InvalidDefinition error, in AWS's format:
// "Invalid State Machine Definition: 'CODE: message at /path, CODE: ...'".
func InvalidDefinitionMessage(problems []Problem) string {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.DiagnosticCode() + ": " + p.Message
		if loc := p.Location(); loc != "" {
			msgs[i] += " at " + loc
		}
	}
	return "Invalid State Machine Definition: '" + strings.Join(msgs, ", ") + "'"
}

// addCode records a problem with a diagnostic code other than
// SCHEMA_VALIDATION_FAILED.
func (p *problems) addCode(code, path, format string, a ...any) {
	p.list = append(p.list, Problem{Code: code, Path: path, Message: fmt.Sprintf(format, a...)})
}

// requiredFields reports, as one problem in AWS's words, the fields of
// names that obj lacks; it returns false when some are missing.
func (p *parser) requiredFields(obj map[string]any, at string, names ...string) bool {
	var missing []string
	for _, n := range names {
		if _, ok := obj[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return true
	}
	p.probs.add(at, "These fields are required: [%s]", strings.Join(missing, ", "))
	return false
}

// stateTypes lists the state types in AWS's order, for its message.
const stateTypes = "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]"

// checkCredentials validates a Task state's Credentials: an object with
// exactly one of RoleArn and RoleArn.$ (AWS says nothing of other fields).
func (p *parser) checkCredentials(c any, at string) {
	co, ok := c.(map[string]any)
	if !ok {
		p.probs.add(at, "The value for the field 'Credentials' must be an object")
		return
	}
	_, role := co["RoleArn"]
	_, rolePath := co["RoleArn.$"]
	switch {
	case !role && !rolePath:
		p.probs.add(at, "The field 'RoleArn' is required but was missing")
	case role && rolePath:
		p.probs.add(at, "The fields 'RoleArn' and 'RoleArn.$' are mutually exclusive")
	}
	if s, ok := co["RoleArn"]; ok {
		if _, isStr := s.(string); !isStr {
			p.probs.add(at+"/RoleArn", "The value for the field 'RoleArn' must be a string")
		}
	}
	if s, ok := co["RoleArn.$"]; ok {
		str, isStr := s.(string)
		switch {
		case !isStr:
			p.probs.add(at+"/RoleArn.$", "The value for the field 'RoleArn.$' must be a valid JSONPath or a valid intrinsic function call")
		case IsIntrinsic(str):
			if _, err := ParseIntrinsic(str); err != nil {
				p.probs.add(at+"/RoleArn.$", "%v", err)
			}
		default:
			if _, err := ParsePath(trimPath(str)); err != nil {
				p.probs.add(at+"/RoleArn.$", "%v", err)
			}
		}
	}
}

// trimPath drops the white space after a path, which AWS ignores
// ("$$.Execution.Name " works as "$$.Execution.Name"). White space before
// it is not trimmed: such a value is no path.
func trimPath(s string) string { return strings.TrimRight(s, " \t\n\r") }

// checkStateNames reports the names that several states of the whole
// machine share: across Parallel branches, Map processors and the top
// level, as AWS requires names to be unique (duplicates within one States
// object are found on the JSON text, see duplicateStates).
func (p *parser) checkStateNames() {
	seen := map[string]string{}
	for _, m := range p.machines {
		for _, name := range m.sm.Order {
			sat := m.at + "/States/" + name
			if first, dup := seen[name]; dup {
				p.probs.addCode(CodeDuplicateStateName, sat, "Duplicate State name: '%s' (also at %s); state names must be unique in the whole state machine, branches and Map processors included", name, first)
				continue
			}
			seen[name] = sat
		}
	}
}

// checkExpress reports a Task resource an Express state machine cannot
// run: the .sync and .waitForTaskToken patterns and activities (AWS's
// messages, the first with its trailing space).
func (p *parser) checkExpress(resource, at string) {
	switch {
	case IsActivityArn(resource):
		p.probs.add(at, "Express state machine does not support Activity ARN")
	case strings.HasSuffix(resource, ".waitForTaskToken"):
		p.probs.add(at, "Express state machine does not support '.waitForTaskToken' service integration ")
	case strings.HasSuffix(resource, ".sync") || strings.Contains(resource, ".sync:"):
		p.probs.add(at, "Express state machine does not support '.sync' service integration")
	}
}
