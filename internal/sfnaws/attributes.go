package sfnaws

import (
	"encoding/base64"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB attribute values are a union in the SDK; Step Functions writes
// them as DynamoDB's wire does: {"S": "text"}, {"N": "1"}, {"M": {...}}.

var attributeValueType = reflect.TypeFor[types.AttributeValue]()

func decodeAttributeValue(v any, path string) (reflect.Value, error) {
	av, err := attributeValue(v, path)
	if err != nil {
		return reflect.Value{}, err
	}
	out := reflect.New(attributeValueType).Elem()
	if av != nil {
		out.Set(reflect.ValueOf(av))
	}
	return out, nil
}

func attributeValue(v any, path string) (types.AttributeValue, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok || len(obj) != 1 {
		return nil, paramErr(path, "expected an attribute value with one member (S, N, B, SS, NS, BS, M, L, NULL or BOOL), got %s", describeAV(v))
	}
	for k, x := range obj {
		p := path + "/" + k
		switch k {
		case "S", "N":
			s, ok := x.(string)
			if !ok {
				return nil, paramErr(p, "expected a string, got %s", jsonKind(x))
			}
			if k == "S" {
				return &types.AttributeValueMemberS{Value: s}, nil
			}
			return &types.AttributeValueMemberN{Value: s}, nil
		case "B":
			b, err := decode(x, reflect.TypeFor[[]byte](), p)
			if err != nil {
				return nil, err
			}
			return &types.AttributeValueMemberB{Value: b.Bytes()}, nil
		case "BOOL", "NULL":
			b, ok := x.(bool)
			if !ok {
				return nil, paramErr(p, "expected a boolean, got %s", jsonKind(x))
			}
			if k == "BOOL" {
				return &types.AttributeValueMemberBOOL{Value: b}, nil
			}
			return &types.AttributeValueMemberNULL{Value: b}, nil
		case "SS", "NS":
			l, err := decode(x, reflect.TypeFor[[]string](), p)
			if err != nil {
				return nil, err
			}
			if k == "SS" {
				return &types.AttributeValueMemberSS{Value: l.Interface().([]string)}, nil
			}
			return &types.AttributeValueMemberNS{Value: l.Interface().([]string)}, nil
		case "BS":
			l, err := decode(x, reflect.TypeFor[[][]byte](), p)
			if err != nil {
				return nil, err
			}
			return &types.AttributeValueMemberBS{Value: l.Interface().([][]byte)}, nil
		case "M":
			m, err := decode(x, reflect.TypeFor[map[string]types.AttributeValue](), p)
			if err != nil {
				return nil, err
			}
			return &types.AttributeValueMemberM{Value: m.Interface().(map[string]types.AttributeValue)}, nil
		case "L":
			l, err := decode(x, reflect.TypeFor[[]types.AttributeValue](), p)
			if err != nil {
				return nil, err
			}
			return &types.AttributeValueMemberL{Value: l.Interface().([]types.AttributeValue)}, nil
		}
		return nil, paramErr(path, "unknown attribute value type %q (S, N, B, SS, NS, BS, M, L, NULL or BOOL)", k)
	}
	return nil, nil
}

func describeAV(v any) string {
	obj, ok := v.(map[string]any)
	if !ok {
		return jsonKind(v)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	return "an object with " + strings.Join(keys, ", ")
}

// attributeJSON is an attribute value as DynamoDB's wire writes it.
func attributeJSON(av types.AttributeValue) any {
	b64 := base64.StdEncoding.EncodeToString
	switch a := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": a.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": a.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": b64(a.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": a.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": a.Value}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": strings2any(a.Value)}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": strings2any(a.Value)}
	case *types.AttributeValueMemberBS:
		l := make([]any, len(a.Value))
		for i, b := range a.Value {
			l[i] = b64(b)
		}
		return map[string]any{"BS": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": attributeMap(a.Value)}
	case *types.AttributeValueMemberL:
		l := make([]any, len(a.Value))
		for i, x := range a.Value {
			l[i] = attributeJSON(x)
		}
		return map[string]any{"L": l}
	}
	return map[string]any{}
}

// attributeMap is an item (or key) as DynamoDB's wire writes it; nil for a
// nil map.
func attributeMap(m map[string]types.AttributeValue) any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = attributeJSON(v)
	}
	return out
}

func strings2any(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
