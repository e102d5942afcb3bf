package controlplane

import "testing"

func TestPrivateDNSName(t *testing.T) {
	tests := []struct{ ip, region, want string }{
		{"172.17.0.3", "us-east-1", "ip-172-17-0-3.ec2.internal"},
		{"10.0.1.5", "eu-west-1", "ip-10-0-1-5.eu-west-1.compute.internal"},
		{"not an ip", "us-east-1", ""},
	}
	for _, tt := range tests {
		if got := privateDNSName(tt.ip, tt.region); got != tt.want {
			t.Errorf("privateDNSName(%q, %q) = %q; want %q", tt.ip, tt.region, got, tt.want)
		}
	}
}
