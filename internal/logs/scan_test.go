package logs_test

import (
	"errors"
	"testing"

	"github.com/ecsrun/ecsrun/internal/logs"
)

func TestEventByID(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	ts := t0.UnixMilli()
	if err := st.Append(ctx, "g", "s", lines("m", ts, 2)); err != nil {
		t.Fatal(err)
	}
	if err := st.Append(ctx, "h", "s", lines("n", ts, 1)); err != nil {
		t.Fatal(err)
	}
	page, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s", StartFromHead: true})
	if err != nil || len(page.Events) != 2 {
		t.Fatalf("GetLogEvents = %+v %v", page, err)
	}
	other, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "h", Stream: "s"})
	if err != nil || len(other.Events) != 1 {
		t.Fatalf("GetLogEvents = %+v %v", other, err)
	}
	want := page.Events[1]
	got, err := st.EventByID(ctx, "g", want.ID)
	if err != nil || got.StoredEvent != want || got.Group != "g" {
		t.Fatalf("EventByID = %+v %v; want %+v", got, err, want)
	}
	for _, tt := range []struct {
		name, group string
		id          int64
		msg         string
	}{
		{"missing group", "nope", want.ID, "The specified log group does not exist."},
		{"event of another group", "g", other.Events[0].ID, "The specified log event does not exist."},
		{"no such id", "g", 1 << 40, "The specified log event does not exist."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := st.EventByID(ctx, tt.group, tt.id)
			var le *logs.Error
			if !errors.Is(err, logs.ErrNotFound) || !errors.As(err, &le) || le.Msg != tt.msg {
				t.Fatalf("EventByID(%q, %d) = %v; want ErrNotFound %q", tt.group, tt.id, err, tt.msg)
			}
		})
	}
	// A deleted stream's events are gone.
	if err := st.DeleteLogStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EventByID(ctx, "g", want.ID); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("EventByID after DeleteLogStream = %v; want ErrNotFound", err)
	}
}
