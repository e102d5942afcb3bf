package runtask

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// readOnlyMembers are the members of a described task definition that ECS
// sets itself; they never count as differences.
var readOnlyMembers = []string{
	"TaskDefinitionArn", "Revision", "Status", "RequiresAttributes", "Compatibilities",
	"RegisteredAt", "RegisteredBy", "DeregisteredAt", "DeleteRequestedAt",
}

// sameTaskDefinition reports whether registering file would give the same
// task definition as the registered one described (with its tags). Both are
// compared in a normalised form: ECS's defaults applied to the file (as
// RegisterTaskDefinition applies them: essential true, cpu and memory units,
// port mapping protocols and host ports), members ECS sets itself dropped,
// zero values (null, "", 0, false, empty lists and objects) dropped, the
// default network mode "bridge" dropped, and environment variables, secrets
// and tags compared as sets. When they differ, diff names the first member
// that does.
func sameTaskDefinition(file *ecsmodel.RegisterTaskDefinitionRequest, described *types.TaskDefinition, tags []types.Tag) (same bool, diff string) {
	want, err := normalisedFile(file)
	if err != nil {
		return false, err.Error()
	}
	have, err := normalisedSDK(described)
	if err != nil {
		return false, err.Error()
	}
	if d := firstDiff("", want, have); d != "" {
		return false, d
	}
	fileTags := map[string]string{}
	for _, t := range file.Tags {
		fileTags[t.Key] = t.Value
	}
	descTags := map[string]string{}
	for _, t := range tags {
		descTags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	if !reflect.DeepEqual(fileTags, descTags) {
		return false, "tags differ"
	}
	return true, ""
}

// normalisedFile applies ECS's registration defaults to the file's
// definition (when ecsrun's validation accepts it) and normalises it.
func normalisedFile(file *ecsmodel.RegisterTaskDefinitionRequest) (any, error) {
	var src any = file
	if td, err := ecs.NewTaskDefinition(file); err == nil {
		src = td
	}
	def := new(types.TaskDefinition)
	if err := convert(src, def); err != nil {
		return nil, err
	}
	for i := range def.ContainerDefinitions {
		if def.ContainerDefinitions[i].Essential == nil {
			def.ContainerDefinitions[i].Essential = aws.Bool(true)
		}
	}
	return normalisedSDK(def)
}

func normalisedSDK(def *types.TaskDefinition) (any, error) {
	c := *def
	c.RegisteredAt, c.DeregisteredAt, c.DeleteRequestedAt = nil, nil, nil
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode task definition: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode task definition: %w", err)
	}
	for _, k := range readOnlyMembers {
		delete(m, k)
	}
	if m["NetworkMode"] == string(types.NetworkModeBridge) {
		delete(m, "NetworkMode")
	}
	return normalise(m, ""), nil
}

// unorderedLists are lists compared as sets, by the member that names
// their entries.
var unorderedLists = map[string]string{
	"Environment":             "Name",
	"Secrets":                 "Name",
	"RequiresCompatibilities": "",
}

// normalise drops zero values and sorts unordered lists, recursively.
func normalise(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if n := normalise(e, k); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if n := normalise(e, ""); n != nil {
				out = append(out, n)
			}
		}
		if len(out) == 0 {
			return nil
		}
		if by, ok := unorderedLists[key]; ok {
			sort.SliceStable(out, func(i, j int) bool { return sortKey(out[i], by) < sortKey(out[j], by) })
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	case float64:
		if x == 0 {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	case nil:
		return nil
	}
	return v
}

func sortKey(v any, by string) string {
	if m, ok := v.(map[string]any); ok && by != "" {
		s, _ := m[by].(string)
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// firstDiff names the first path at which a and b differ, "" when equal.
func firstDiff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return describePath(path) + " changed"
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, dup := x[k]; !dup {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			xv, inX := x[k]
			yv, inY := y[k]
			sub := joinMember(path, k)
			switch {
			case !inY:
				return describePath(sub) + " added"
			case !inX:
				return describePath(sub) + " removed"
			}
			if d := firstDiff(sub, xv, yv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return describePath(path) + " changed"
		}
		for i := range x {
			if d := firstDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return describePath(path) + " changed"
	}
	return ""
}

func joinMember(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// describePath turns the SDK's member names into the API's camelCase
// (ContainerDefinitions[0].Image -> containerDefinitions[0].image).
func describePath(p string) string {
	parts := strings.Split(p, ".")
	for i, s := range parts {
		if s != "" {
			parts[i] = strings.ToLower(s[:1]) + s[1:]
		}
	}
	return strings.Join(parts, ".")
}
