package controlplane

import (
	"encoding/base64"
	"sort"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// page returns the items after the position encoded in token, at most max of
// them, and the token for the next page ("" at the end). keys must be
// sorted ascending and unique; paging by key keeps pages stable when items
// are added or removed between calls.
func page(keys []string, token string, max, maxLimit int32) (start, end int, next string, err error) {
	if max < 1 || max > maxLimit {
		return 0, 0, "", ecs.Errorf(ecs.ErrInvalidParameter, "maxResults must be between 1 and %d.", maxLimit)
	}
	if token != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(token)
		if derr != nil || !strings.HasPrefix(string(raw), "ecsrun:") {
			return 0, 0, "", ecs.Errorf(ecs.ErrInvalidParameter, "Invalid nextToken: use the nextToken of the previous answer unchanged.")
		}
		after := strings.TrimPrefix(string(raw), "ecsrun:")
		// first key strictly greater than after
		lo, hi := 0, len(keys)
		for lo < hi {
			m := (lo + hi) / 2
			if keys[m] <= after {
				lo = m + 1
			} else {
				hi = m
			}
		}
		start = lo
	}
	end = start + int(max)
	if end >= len(keys) {
		return start, len(keys), "", nil
	}
	return start, end, base64.RawURLEncoding.EncodeToString([]byte("ecsrun:" + keys[end-1])), nil
}

// keyed is a list item with the key it pages by.
type keyed struct{ key, value string }

// pageValues sorts items by key and returns the values of the page after
// token (at most *max of them, 100 when max is nil) and the next token.
func pageValues(items []keyed, token string, max *int32) ([]string, string, error) {
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	keys := make([]string, len(items))
	for i := range items {
		keys[i] = items[i].key
	}
	n := int32(100) // ECS's default; a maxResults given must be 1 to 100
	if max != nil {
		n = *max
	}
	start, end, next, err := page(keys, token, n, 100)
	if err != nil {
		return nil, "", err
	}
	values := make([]string, 0, end-start)
	for _, it := range items[start:end] {
		values = append(values, it.value)
	}
	return values, next, nil
}
