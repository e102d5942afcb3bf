package controlplane

import (
	"encoding/base64"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// page returns the items after the position encoded in token, at most max of
// them (maxDefault when max is 0), and the token for the next page ("" at the
// end). keys must be sorted ascending and unique; paging by key keeps pages
// stable when items are added or removed between calls.
func page(keys []string, token string, max, maxDefault, maxLimit int32) (start, end int, next string, err error) {
	if max == 0 {
		max = maxDefault
	}
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
