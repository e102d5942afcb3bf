package request

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// EnvVar is one environment override: for one container, or for every
// essential container when Container is "".
type EnvVar struct {
	Container string `json:"container,omitempty"`
	Name      string `json:"name"`
	Value     string `json:"value"`
}

// ParseEnv reads "[CONTAINER:]KEY=VALUE". The value may hold anything,
// including '=' and ':'; the name part may not be empty.
func ParseEnv(s string) (EnvVar, error) {
	lhs, value, ok := strings.Cut(s, "=")
	if !ok {
		return EnvVar{}, fmt.Errorf("--env %q: want [CONTAINER:]KEY=VALUE", s)
	}
	return ParseEnvName(lhs, value)
}

// ParseEnvName reads the "[CONTAINER:]KEY" part of an environment override
// (the key of a project file's env map) with its value.
func ParseEnvName(lhs, value string) (EnvVar, error) {
	v := EnvVar{Name: lhs, Value: value}
	if c, k, ok := strings.Cut(lhs, ":"); ok {
		v.Container, v.Name = c, k
		if c == "" {
			return EnvVar{}, fmt.Errorf("--env %q: the container name before ':' is empty", lhs+"="+value)
		}
	}
	if v.Name == "" {
		return EnvVar{}, fmt.Errorf("--env %q: the variable name is empty; want [CONTAINER:]KEY=VALUE", lhs+"="+value)
	}
	if strings.ContainsAny(v.Name, " \t\n") {
		return EnvVar{}, fmt.Errorf("--env %q: the variable name %q contains white space", lhs+"="+value, v.Name)
	}
	return v, nil
}

// ParseTag reads "KEY=VALUE" (the value may be empty).
func ParseTag(s string) (ecsmodel.Tag, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return ecsmodel.Tag{}, fmt.Errorf("--tag %q: want KEY=VALUE", s)
	}
	return ecsmodel.Tag{Key: k, Value: v}, nil
}

// ParseCapacityProvider reads "NAME[:WEIGHT[:BASE]]", as in
// --capacity-provider FARGATE_SPOT:3 --capacity-provider FARGATE:1:1.
func ParseCapacityProvider(s string) (ecsmodel.CapacityProviderStrategyItem, error) {
	parts := strings.Split(s, ":")
	item := ecsmodel.CapacityProviderStrategyItem{CapacityProvider: parts[0]}
	if item.CapacityProvider == "" || len(parts) > 3 {
		return item, fmt.Errorf("--capacity-provider %q: want NAME[:WEIGHT[:BASE]]", s)
	}
	nums := []*int32{&item.Weight, &item.Base}
	for i, p := range parts[1:] {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n < 0 || n > 100000 {
			return item, fmt.Errorf("--capacity-provider %q: %q is not a weight or base (0 to 100000)", s, p)
		}
		*nums[i] = int32(n)
	}
	return item, nil
}

// ParseCommand reads a command: a JSON array of strings
// (["sh", "-c", "echo hi"]), or words separated by white space, where single
// and double quotes group words and a backslash escapes the next character
// (python manage.py "migrate --no-input").
func ParseCommand(s string) ([]string, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") {
		var out []string
		if err := json.Unmarshal([]byte(t), &out); err != nil {
			return nil, fmt.Errorf("--command %s: a command starting with '[' must be a JSON array of strings: %v", s, err)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("--command %s: the command is empty", s)
		}
		return out, nil
	}
	var (
		out   []string
		cur   strings.Builder
		inTok bool
		quote rune
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == 0 && (r == ' ' || r == '\t' || r == '\n'):
			if inTok {
				out = append(out, cur.String())
				cur.Reset()
				inTok = false
			}
		case r == '\\' && quote != '\'':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("--command %q: a backslash ends the command", s)
			}
			i++
			cur.WriteRune(rs[i])
			inTok = true
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
			inTok = true
		case quote != 0 && r == quote:
			quote = 0
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("--command %q: unterminated %c quote", s, quote)
	}
	if inTok {
		out = append(out, cur.String())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--command: the command is empty")
	}
	return out, nil
}

// ParseAssignPublicIP reads ENABLED or DISABLED (any case), or a boolean.
func ParseAssignPublicIP(s string) (ecsmodel.AssignPublicIp, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "enabled", "true", "yes", "on":
		return ecsmodel.AssignPublicIpENABLED, nil
	case "disabled", "false", "no", "off":
		return ecsmodel.AssignPublicIpDISABLED, nil
	}
	return "", fmt.Errorf("--assign-public-ip must be ENABLED or DISABLED, not %q", s)
}

// SplitList splits a comma-separated list, dropping empty items and
// surrounding spaces.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
