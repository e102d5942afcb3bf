package broadcast

import "testing"

func TestKeyed_NotifyClosesThatKeysChannelsOnly(t *testing.T) {
	var k Keyed[string]
	a1, doneA1 := k.C("a")
	a2, _ := k.C("a")
	b, doneB := k.C("b")
	k.Notify("a")
	if !closed(a1) || !closed(a2) {
		t.Fatal("Notify(a) did not close a's channels")
	}
	if closed(b) {
		t.Fatal("Notify(a) closed b's channel")
	}
	doneA1() // after the close: nothing happens
	a3, doneA3 := k.C("a")
	if closed(a3) {
		t.Fatal("a channel taken after Notify is already closed")
	}
	doneA3()
	k.Notify("a") // a3 was given up: it stays open
	if closed(a3) {
		t.Fatal("Notify closed a channel given up before it")
	}
	doneB()
	if n := k.Waiting(); n != 0 {
		t.Errorf("%d keys still waiting after every channel was closed or given up", n)
	}
	k.Notify("nobody") // no waiter: no effect, no panic
}
