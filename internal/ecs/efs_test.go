package ecs

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func efsReq(e *ecsmodel.EFSVolumeConfiguration) *req {
	return with(ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), MountPoints: []ecsmodel.MountPoint{{SourceVolume: "shared", ContainerPath: "/mnt/efs"}}}),
		func(r *req) { r.Volumes = []ecsmodel.Volume{{Name: "shared", EfsVolumeConfiguration: e}} })
}

func TestNewTaskDefinition_EFS(t *testing.T) {
	const on, off = ecsmodel.EFSTransitEncryptionENABLED, ecsmodel.EFSTransitEncryptionDISABLED
	ap := func(id string) *ecsmodel.EFSAuthorizationConfig {
		return &ecsmodel.EFSAuthorizationConfig{AccessPointId: id}
	}
	iam := &ecsmodel.EFSAuthorizationConfig{Iam: ecsmodel.EFSAuthorizationConfigIAMENABLED}
	tests := []struct {
		name    string
		efs     ecsmodel.EFSVolumeConfiguration
		message string // "" for success
	}{
		{"file system only", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1"}, ""},
		{"root directory", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", RootDirectory: "/data"}, ""},
		{"no file system id", ecsmodel.EFSVolumeConfiguration{}, "fileSystemId"},
		{"blank file system id", ecsmodel.EFSVolumeConfiguration{FileSystemId: " "}, "fileSystemId should not be null or empty"},
		{"bad transit encryption", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: "YES"}, "Member must satisfy enum value set: [ENABLED, DISABLED]"},
		{"transit encryption disabled", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: off}, ""},
		{"port with encryption", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: on, TransitEncryptionPort: i32(2999)}, ""},
		{"port without encryption", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryptionPort: i32(2999)}, "TransitEncryptionPort requires that TransitEncryption is enabled"},
		{"port disabled encryption", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: off, TransitEncryptionPort: i32(2999)}, "TransitEncryptionPort requires"},
		{"port zero", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: on, TransitEncryptionPort: i32(0)}, "transitEncryptionPort 0 is not a port number"},
		{"port too big", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: on, TransitEncryptionPort: i32(70000)}, "transitEncryptionPort 70000"},
		{"iam with encryption", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: on, AuthorizationConfig: iam}, ""},
		{"iam without encryption", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", AuthorizationConfig: iam}, "EFS IAM authorization requires TransitEncryption to be enabled"},
		{"iam disabled", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", AuthorizationConfig: &ecsmodel.EFSAuthorizationConfig{Iam: ecsmodel.EFSAuthorizationConfigIAMDISABLED}}, ""},
		{"bad iam", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", AuthorizationConfig: &ecsmodel.EFSAuthorizationConfig{Iam: "on"}}, "Member must satisfy enum value set"},
		{"access point", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: on, AuthorizationConfig: ap("fsap-1")}, ""},
		{"access point root slash", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", RootDirectory: "/", TransitEncryption: on, AuthorizationConfig: ap("fsap-1")}, ""},
		{"access point without encryption", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", AuthorizationConfig: ap("fsap-1")}, "An EFS access point requires TransitEncryption to be enabled"},
		{"access point with root directory", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", RootDirectory: "/data", TransitEncryption: on, AuthorizationConfig: ap("fsap-1")}, `When using an EFS access point, the root directory must either be set to "/" or be omitted`},
		{"empty authorization config", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", AuthorizationConfig: &ecsmodel.EFSAuthorizationConfig{}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.efs
			td, err := NewTaskDefinition(efsReq(&e))
			if tt.message == "" {
				if err != nil {
					t.Fatalf("NewTaskDefinition = %v; want success", err)
				}
				if got := td.Volumes[0].EfsVolumeConfiguration; got == nil || got.FileSystemId != e.FileSystemId {
					t.Errorf("efsVolumeConfiguration = %+v; want it echoed", got)
				}
				return
			}
			if !errors.Is(err, ErrClient) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("NewTaskDefinition = %v; want ClientException containing %q", err, tt.message)
			}
			if err != nil && !strings.Contains(err.Error(), "shared") && !strings.Contains(err.Error(), "Member must") && !strings.Contains(err.Error(), "fileSystemId") {
				t.Errorf("error %q does not name the volume", err)
			}
		})
	}
}

func TestNewTaskDefinition_EFSEcho(t *testing.T) {
	tests := []struct {
		name     string
		in       ecsmodel.EFSVolumeConfiguration
		wantRoot string
	}{
		{"omitted root directory is /", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1"}, "/"},
		{"root directory kept", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", RootDirectory: "/data"}, "/data"},
		{"access point root /", ecsmodel.EFSVolumeConfiguration{FileSystemId: "fs-1", TransitEncryption: "ENABLED", AuthorizationConfig: &ecsmodel.EFSAuthorizationConfig{AccessPointId: "fsap-1"}}, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			r := efsReq(&in)
			td, err := NewTaskDefinition(r)
			if err != nil {
				t.Fatal(err)
			}
			got := td.Volumes[0]
			if got.EfsVolumeConfiguration.RootDirectory != tt.wantRoot {
				t.Errorf("rootDirectory = %q; want %q", got.EfsVolumeConfiguration.RootDirectory, tt.wantRoot)
			}
			if got.Host != nil || got.DockerVolumeConfiguration != nil {
				t.Errorf("volume = %+v; want only efsVolumeConfiguration", got)
			}
			if got.EfsVolumeConfiguration.TransitEncryption != in.TransitEncryption {
				t.Errorf("transitEncryption = %q; want %q as given", got.EfsVolumeConfiguration.TransitEncryption, in.TransitEncryption)
			}
			if r.Volumes[0].EfsVolumeConfiguration.RootDirectory != in.RootDirectory {
				t.Error("the request was modified")
			}
			if !hasAttr(td, attrEFS) {
				t.Errorf("requiresAttributes = %v; want %s", td.RequiresAttributes, attrEFS)
			}
			// ECS requires efsAuth of every EFS volume, with or without an
			// authorizationConfig (real answers in requires_test.go).
			if !hasAttr(td, attrEFSAuth) {
				t.Errorf("requiresAttributes = %v; want %s", td.RequiresAttributes, attrEFSAuth)
			}
		})
	}
}

func hasAttr(td *ecsmodel.TaskDefinition, name string) bool {
	for _, a := range td.RequiresAttributes {
		if a.Name == name {
			return true
		}
	}
	return false
}

func TestNewTaskDefinition_ConfiguredAtLaunch(t *testing.T) {
	atLaunch := func(name string) ecsmodel.Volume { return ecsmodel.Volume{Name: name, ConfiguredAtLaunch: bptr(true)} }
	tests := []struct {
		name    string
		vols    []ecsmodel.Volume
		message string
	}{
		{"one", []ecsmodel.Volume{atLaunch("ebs")}, ""},
		{"false is an ordinary volume", []ecsmodel.Volume{{Name: "a", ConfiguredAtLaunch: bptr(false)}, atLaunch("ebs")}, ""},
		{"two", []ecsmodel.Volume{atLaunch("a"), atLaunch("b")}, "Volumes 'a' and 'b' are both configured at launch"},
		{"with host", []ecsmodel.Volume{{Name: "a", ConfiguredAtLaunch: bptr(true), Host: &ecsmodel.HostVolumeProperties{SourcePath: "/x"}}}, "Invalid volume 'a'. A volume configured at launch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td, err := NewTaskDefinition(with(ec2Req(), func(r *req) { r.Volumes = tt.vols }))
			if tt.message == "" {
				if err != nil {
					t.Fatal(err)
				}
				if v := td.Volumes[len(td.Volumes)-1]; v.Host != nil || v.ConfiguredAtLaunch == nil || !*v.ConfiguredAtLaunch {
					t.Errorf("volume = %+v; want configuredAtLaunch echoed, no host", v)
				}
				return
			}
			if !errors.Is(err, ErrClient) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("NewTaskDefinition = %v; want ClientException containing %q", err, tt.message)
			}
		})
	}
}

func TestCheckVolumeConfigurations(t *testing.T) {
	td := &ecsmodel.TaskDefinition{Volumes: []ecsmodel.Volume{{Name: "ebs", ConfiguredAtLaunch: bptr(true)}, {Name: "plain"}}}
	ebs := func(name, snap string) []ecsmodel.TaskVolumeConfiguration {
		return []ecsmodel.TaskVolumeConfiguration{{Name: name, ManagedEBSVolume: &ecsmodel.TaskManagedEBSVolumeConfiguration{RoleArn: "arn:aws:iam::1:role/r", SnapshotId: snap}}}
	}
	tests := []struct {
		name string
		in   []ecsmodel.TaskVolumeConfiguration
		kind error
	}{
		{"none", nil, nil},
		{"matching", ebs("ebs", ""), nil},
		{"not configured at launch", ebs("plain", ""), ErrInvalidParameter},
		{"unknown volume", ebs("nope", ""), ErrInvalidParameter},
		{"snapshot", ebs("ebs", "snap-1"), ErrUnsupportedFeature},
	}
	for _, tt := range tests {
		err := CheckVolumeConfigurations(td, tt.in)
		if tt.kind == nil && err != nil || tt.kind != nil && !errors.Is(err, tt.kind) {
			t.Errorf("%s: CheckVolumeConfigurations = %v; want %v", tt.name, err, tt.kind)
		}
	}
}
