package docker

import (
	"testing"
	"time"

	"github.com/docker/docker/api/types/events"
)

func TestRunEnd(t *testing.T) {
	started := time.Date(2026, 12, 7, 8, 0, 0, 500, time.UTC)
	ev := func(action events.Action, at time.Duration, attrs map[string]string) events.Message {
		return events.Message{Type: events.ContainerEventType, Action: action, TimeNano: started.Add(at).UnixNano(),
			Actor: events.Actor{ID: "c1", Attributes: attrs}}
	}
	code := func(c string) map[string]string { return map[string]string{"exitCode": c, "image": "toolbox"} }
	die := func(at time.Duration, c string) events.Message { return ev(events.ActionDie, at, code(c)) }
	oom := func(at time.Duration) events.Message { return ev(events.ActionOOM, at, nil) }
	network := die(time.Second, "0")
	network.Type = events.NetworkEventType
	for _, tc := range []struct {
		name   string
		events []events.Message
		want   died
		ended  bool
	}{
		{"this run's die", []events.Message{die(time.Second, "3")}, died{exitCode: 3, at: started.Add(time.Second)}, true},
		{"the same nanosecond as the start", []events.Message{die(0, "0")}, died{at: started}, true},
		{"killed", []events.Message{die(time.Second, "137")}, died{exitCode: 137, at: started.Add(time.Second)}, true},
		{"an oom event first", []events.Message{oom(time.Second / 2), die(time.Second, "1")}, died{exitCode: 1, at: started.Add(time.Second), oom: true}, true},
		{"an earlier run's oom event", []events.Message{oom(-time.Second), die(time.Second, "1")}, died{exitCode: 1, at: started.Add(time.Second)}, true},
		{"an earlier run's die", []events.Message{die(-time.Nanosecond, "3")}, died{}, false},
		{"an earlier run's die, then this run's", []events.Message{die(-time.Second, "3"), die(time.Second, "5")}, died{exitCode: 5, at: started.Add(time.Second)}, true},
		{"only an oom event", []events.Message{oom(time.Second)}, died{}, false},
		{"another event", []events.Message{ev(events.ActionStart, time.Second, nil)}, died{}, false},
		{"not a container's", []events.Message{network}, died{}, false},
		{"no exit code", []events.Message{ev(events.ActionDie, time.Second, map[string]string{"image": "toolbox"})}, died{}, false},
		{"an exit code that is not a number", []events.Message{die(time.Second, "x")}, died{}, false},
	} {
		e := &runEnd{startedAt: started}
		var got died
		ended := false
		for _, m := range tc.events {
			if d, ok := e.see(m); ok {
				if ended {
					t.Fatalf("%s: a second end %+v", tc.name, d)
				}
				got, ended = d, true
			}
		}
		if ended != tc.ended || got.exitCode != tc.want.exitCode || got.oom != tc.want.oom || !got.at.Equal(tc.want.at) {
			t.Errorf("%s: ended %v with %+v; want %v with %+v", tc.name, ended, got, tc.ended, tc.want)
		}
	}
}
