package ecs

import (
	"errors"
	"testing"
)

func TestParseCPU(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"256", 256, false},
		{"1024", 1024, false},
		{" 512 ", 512, false},
		{"1 vCPU", 1024, false},
		{"1 vcpu", 1024, false},
		{"1vcpu", 1024, false},
		{"2 VCPU", 2048, false},
		{"0.25 vCPU", 256, false},
		{".5 vcpu", 512, false},
		{"0.125 vCPU", 128, false},
		{"16 vCPU", 16384, false},
		{"4 vcpus", 4096, false},
		{"", 0, true},
		{"0", 0, true},
		{"-256", 0, true},
		{"256.5", 0, true},
		{"abc", 0, true},
		{"1 cpu", 0, true},
		{"1 GB", 0, true},
		{"0.0001 vCPU", 0, true},
		{"1.2.3 vCPU", 0, true},
		{"99999999999999", 0, true},
		{"vCPU", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseCPU(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseCPU(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil && !errors.Is(err, ErrClient) {
			t.Errorf("ParseCPU(%q) error kind = %v, want ClientException", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("ParseCPU(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestParseMemory(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"512", 512, false},
		{"2048", 2048, false},
		{"1GB", 1024, false},
		{"1 GB", 1024, false},
		{"1gb", 1024, false},
		{"2 gb", 2048, false},
		{"0.5 GB", 512, false},
		{"1.5GB", 1536, false},
		{"4 GiB", 4096, false},
		{"512 MiB", 512, false},
		{"512MB", 512, false},
		{"120 GB", 122880, false},
		{"", 0, true},
		{"0", 0, true},
		{"0 GB", 0, true},
		{"12.5", 0, true},
		{"1 TB", 0, true},
		{"lots", 0, true},
		{"0.0001 GB", 0, true},
		{"-1GB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseMemory(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseMemory(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseMemory(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestFargateConfigurationValid(t *testing.T) {
	tests := []struct {
		cpu, mem int
		want     bool
	}{
		{256, 512, true}, {256, 1024, true}, {256, 2048, true}, {256, 1536, false}, {256, 4096, false},
		{512, 1024, true}, {512, 3072, true}, {512, 4096, true}, {512, 512, false}, {512, 5120, false},
		{1024, 2048, true}, {1024, 8192, true}, {1024, 1024, false}, {1024, 9216, false},
		{2048, 4096, true}, {2048, 16384, true}, {2048, 4608, false},
		{4096, 8192, true}, {4096, 30720, true}, {4096, 31744, false},
		{8192, 16384, true}, {8192, 20480, true}, {8192, 61440, true}, {8192, 17408, false},
		{16384, 32768, true}, {16384, 40960, true}, {16384, 122880, true}, {16384, 36864, false},
		{128, 512, false}, {3072, 8192, false},
	}
	for _, tt := range tests {
		if got := FargateConfigurationValid(tt.cpu, tt.mem); got != tt.want {
			t.Errorf("FargateConfigurationValid(%d, %d) = %v, want %v", tt.cpu, tt.mem, got, tt.want)
		}
	}
}
