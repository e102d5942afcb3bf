package controlplane

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// eniAttachment describes an awsvpc task's network interface as ECS does:
// an ElasticNetworkInterface attachment whose details carry the subnet,
// interface id, MAC address, private DNS name and private IPv4 address
// (the task's address on the local engine). Its id and interface id are
// derived from the task id, so they are stable.
func (cp *ControlPlane) eniAttachment(t *taskRecord) ecsmodel.Attachment {
	sum := sha256.Sum256([]byte(t.ID + "/eni"))
	h := hex.EncodeToString(sum[:])
	a := ecsmodel.Attachment{
		Id:   h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32],
		Type: "ElasticNetworkInterface",
	}
	res := t.Resources
	switch {
	case t.State.Status == taskstate.Stopped:
		a.Status = "DELETED"
	case t.State.Status == taskstate.Deprovisioning:
		a.Status = "DETACHED"
	case res.PrivateIPv4 != "":
		a.Status = "ATTACHED"
	default:
		a.Status = "PRECREATED"
	}
	a.Details = []ecsmodel.KeyValuePair{}
	if t.Subnet != "" {
		a.Details = append(a.Details, ecsmodel.KeyValuePair{Name: "subnetId", Value: t.Subnet})
	}
	a.Details = append(a.Details, ecsmodel.KeyValuePair{Name: "networkInterfaceId", Value: "eni-" + h[32:49]})
	if res.MACAddress != "" {
		a.Details = append(a.Details, ecsmodel.KeyValuePair{Name: "macAddress", Value: res.MACAddress})
	}
	if res.PrivateIPv4 != "" {
		a.Details = append(a.Details,
			ecsmodel.KeyValuePair{Name: "privateDnsName", Value: privateDNSName(res.PrivateIPv4, cp.acct.Region)},
			ecsmodel.KeyValuePair{Name: "privateIPv4Address", Value: res.PrivateIPv4})
	}
	return a
}

// privateDNSName is EC2's private DNS name of an IPv4 address:
// ip-10-0-1-5.ec2.internal in us-east-1, ip-10-0-1-5.<region>.compute.internal
// elsewhere.
func privateDNSName(ip, region string) string {
	if _, err := netip.ParseAddr(ip); err != nil {
		return ""
	}
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return fmt.Sprintf("%s.%s.compute.internal", host, region)
}
