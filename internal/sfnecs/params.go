package sfnecs

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// StartedBy is the startedBy value Step Functions gives the tasks of
// runTask.sync.
const StartedBy = "AWS Step Functions"

var runTaskRequestType = reflect.TypeFor[ecsmodel.RunTaskRequest]()

// pascal returns a model member name as Step Functions spells it.
func pascal(member string) string {
	r, n := utf8.DecodeRuneInString(member)
	return string(unicode.ToUpper(r)) + member[n:]
}

// fieldsOf maps the PascalCase member names of a model structure type to
// their field types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[pascal(name)] = f.Type
	}
	return out
}

func structType(t reflect.Type) (reflect.Type, bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return nil, false
		}
		t = t.Elem()
	}
	return t, t.Kind() == reflect.Struct && t.PkgPath() == runTaskRequestType.PkgPath()
}

// checkFields reports the members of v (a JSON object value) that the
// model structure t does not have, recursing into nested structures and
// lists of structures. Keys ending in ".$" are dynamic: their name is
// checked, their value is not (it is only known at run time).
func checkFields(v any, t reflect.Type, at string, out *[]workflow.Problem) {
	switch x := v.(type) {
	case map[string]any:
		st, ok := structType(t)
		if !ok {
			*out = append(*out, workflow.Problem{Path: at, Message: "must not be an object"})
			return
		}
		fields := fieldsOf(st)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name, dynamic := strings.CutSuffix(k, ".$")
			ft, known := fields[name]
			if !known {
				msg := fmt.Sprintf("the field %q is not supported by the ECS RunTask integration; ", name)
				if s := ecs.Suggest(name, sortedNames(fields)); s != "" {
					msg += fmt.Sprintf("did you mean %q?", s)
				} else {
					msg += "supported fields: " + strings.Join(sortedNames(fields), ", ")
				}
				*out = append(*out, workflow.Problem{Path: at + "/" + k, Message: msg})
				continue
			}
			if !dynamic {
				checkFields(x[k], ft, at+"/"+k, out)
			}
		}
	case []any:
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Slice {
			*out = append(*out, workflow.Problem{Path: at, Message: "must not be a list"})
			return
		}
		for i, e := range x {
			checkFields(e, t.Elem(), fmt.Sprintf("%s/%d", at, i), out)
		}
	default:
		if msg := StaticTypeProblem(fieldName(at), v, t); msg != "" {
			*out = append(*out, workflow.Problem{Path: at, Message: msg})
		}
	}
}

// fieldName is the last element of a problem path ("/Overrides/Cpu" ->
// "Cpu").
func fieldName(at string) string {
	return at[strings.LastIndexByte(at, '/')+1:]
}

func sortedNames(m map[string]reflect.Type) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CheckParameters validates a runTask state's Parameters as written in
// the definition: every field must be a RunTask request member, and
// TaskDefinition is required.
func CheckParameters(params map[string]any) []workflow.Problem {
	var out []workflow.Problem
	if params == nil {
		return []workflow.Problem{{Message: "missing required field \"TaskDefinition\" (the ECS task definition to run)"}}
	}
	checkFields(params, runTaskRequestType, "", &out)
	_, static := params["TaskDefinition"]
	_, dynamic := params["TaskDefinition.$"]
	if !static && !dynamic {
		out = append(out, workflow.Problem{Message: "missing required field \"TaskDefinition\" (the ECS task definition to run)"})
	}
	return out
}

// CheckReferences reports what RunTask refuses in any account in a
// runTask state's Parameters as written: a malformed task definition
// reference or cluster ARN. CreateStateMachine accepts them (AWS checks
// them only when the state runs), so this is not part of CheckParameters.
func CheckReferences(params map[string]any) []workflow.Problem {
	var out []workflow.Problem
	if td, ok := params["TaskDefinition"].(string); ok {
		if _, err := ecs.ParseTaskDefinitionRef(td); err != nil {
			out = append(out, workflow.Problem{Path: "/TaskDefinition", Message: fmt.Sprintf("%q is not a task definition family, family:revision or ARN: %s", td, errMessage(err))})
		}
	}
	if c, ok := params["Cluster"].(string); ok {
		if _, err := (ecs.Account{}).ClusterNameOf(c); err != nil {
			out = append(out, workflow.Problem{Path: "/Cluster", Message: errMessage(err)})
		}
	}
	return out
}

// errMessage is the message of an ECS error without its kind.
func errMessage(err error) string {
	var e *ecs.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// runTaskInput turns the effective Parameters of a runTask state into the
// RunTask request.
func runTaskInput(params any) (*awsecs.RunTaskInput, error) {
	obj, ok := params.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the parameters of an ECS RunTask state must be an object, got %s", workflow.EncodeJSON(params))
	}
	var probs []workflow.Problem
	checkFields(obj, runTaskRequestType, "", &probs)
	if len(probs) > 0 {
		msgs := make([]string, len(probs))
		for i, p := range probs {
			msgs[i] = p.String()
		}
		return nil, fmt.Errorf("invalid RunTask parameters: %s", strings.Join(msgs, "; "))
	}
	// The SDK's structures carry the members under their PascalCase names,
	// which encoding/json matches.
	b := []byte(workflow.EncodeJSON(obj))
	in := &awsecs.RunTaskInput{}
	if err := json.Unmarshal(b, in); err != nil {
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok {
			return nil, fmt.Errorf("invalid RunTask parameters: the value of %s must not be a JSON %s", te.Field, te.Value)
		}
		return nil, fmt.Errorf("invalid RunTask parameters: %v", err)
	}
	return in, nil
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}
