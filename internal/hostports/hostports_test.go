package hostports

import (
	"errors"
	"net"
	"slices"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in          string
		first, last int
		ok          bool
	}{
		{"32768\t60999\n", 32768, 60999, true},
		{"8000-8010", 8000, 8010, true},
		{"10 10", 10, 10, true},
		{"9 8", 0, 0, false},
		{"0-10", 0, 0, false},
		{"1-70000", 0, 0, false},
		{"x-y", 0, 0, false},
		{"80", 0, 0, false},
	}
	for _, tt := range tests {
		first, last, ok := ParseRange(tt.in)
		if first != tt.first || last != tt.last || ok != tt.ok {
			t.Errorf("ParseRange(%q) = %d, %d, %v; want %d, %d, %v", tt.in, first, last, ok, tt.first, tt.last, tt.ok)
		}
	}
}

func TestAllocator_Range(t *testing.T) {
	taken := map[int]bool{102: true, 107: true}
	a := New(100, 110, func(p int, proto string) bool { return proto == "tcp" && !taken[p] })
	got := []int{}
	for _, n := range []int{2, 3, 2, 1} {
		p, err := a.Range(n, "tcp")
		if err != nil {
			t.Fatalf("Range(%d): %v", n, err)
		}
		got = append(got, p)
	}
	if want := []int{100, 103, 108, 110}; !slices.Equal(got, want) {
		t.Errorf("runs start at %v; want %v (each search after the last run)", got, want)
	}
	// From the start again: the first free port.
	if p, err := a.Range(1, "tcp"); err != nil || p != 100 {
		t.Errorf("Range(1) after the end = %d, %v; want 100 (wrapped)", p, err)
	}
	if _, err := a.Range(6, "tcp"); !errors.Is(err, ErrNoPorts) {
		t.Errorf("Range(6) = %v; want ErrNoPorts (no six free in a row)", err)
	}
	if _, err := a.Range(1, "udp"); !errors.Is(err, ErrNoPorts) {
		t.Errorf("Range(1, udp) = %v; want ErrNoPorts", err)
	}
}

func TestListen(t *testing.T) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if Listen(port, "tcp") {
		t.Errorf("Listen(%d) = true for a port in use", port)
	}
}
