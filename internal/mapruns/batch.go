package mapruns

// Batcher is an ItemBatcher, its values resolved (0: no limit).
type Batcher struct {
	MaxItemsPerBatch      int64
	MaxInputBytesPerBatch int64
	// BatchInput is added to every batch (nil: none).
	BatchInput any
}

// MaxInputBytesLimit is the largest MaxInputBytesPerBatch (256 KiB).
const MaxInputBytesLimit = 256 * 1024

// Batches groups items into batch inputs {"Items": [...], "BatchInput":
// ...} in order: a batch ends when it holds MaxItemsPerBatch items or when
// one more item would take its JSON encoding (size) over
// MaxInputBytesPerBatch. An item too large for a batch on its own still
// gets a batch of its own.
func Batches(items []any, b Batcher, size func(any) int) []any {
	maxBytes := b.MaxInputBytesPerBatch
	if maxBytes <= 0 || maxBytes > MaxInputBytesLimit {
		maxBytes = MaxInputBytesLimit
	}
	var out []any
	var cur []any
	flush := func() {
		if len(cur) == 0 {
			return
		}
		out = append(out, batch(cur, b.BatchInput))
		cur = nil
	}
	for _, it := range items {
		if len(cur) > 0 {
			if b.MaxItemsPerBatch > 0 && int64(len(cur)) >= b.MaxItemsPerBatch {
				flush()
			} else if int64(size(batch(append(cur[:len(cur):len(cur)], it), b.BatchInput))) > maxBytes {
				flush()
			}
		}
		cur = append(cur, it)
	}
	flush()
	if out == nil {
		out = []any{}
	}
	return out
}

func batch(items []any, input any) map[string]any {
	m := map[string]any{"Items": items}
	if input != nil {
		m["BatchInput"] = input
	}
	return m
}

// ItemCount is how many items an input of a child execution holds: the
// length of Items in a batch, 1 otherwise.
func ItemCount(input any, batched bool) int {
	if !batched {
		return 1
	}
	if m, ok := input.(map[string]any); ok {
		if it, ok := m["Items"].([]any); ok {
			return len(it)
		}
	}
	return 1
}

// Tolerance is how many failed items a Map Run tolerates; a negative
// field is not set. With neither set, no failure is tolerated.
type Tolerance struct {
	Count   int64
	Percent float64
}

// NoTolerance tolerates no failure.
var NoTolerance = Tolerance{Count: -1, Percent: -1}

// Exceeded reports whether failed items of total are more than t
// tolerates: more than Count, or more than Percent of total.
func (t Tolerance) Exceeded(failed, total int) bool {
	if failed == 0 {
		return false
	}
	if t.Count < 0 && t.Percent < 0 {
		return true
	}
	if t.Count >= 0 && int64(failed) > t.Count {
		return true
	}
	return t.Percent >= 0 && float64(failed)*100/float64(max(total, 1)) > t.Percent
}
