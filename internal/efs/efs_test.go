package efs

import (
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func vol(fs, root, ap string) *ecsmodel.EFSVolumeConfiguration {
	v := &ecsmodel.EFSVolumeConfiguration{FileSystemId: fs, RootDirectory: root}
	if ap != "" {
		v.TransitEncryption = ecsmodel.EFSTransitEncryptionENABLED
		v.AuthorizationConfig = &ecsmodel.EFSAuthorizationConfig{AccessPointId: ap}
	}
	return v
}

func TestResolve(t *testing.T) {
	ci := &CreationInfo{OwnerUID: 1000, OwnerGID: 1000, Permissions: 0o750}
	cfg := &Config{
		Dir:         "/state/efs",
		FileSystems: map[string]string{"fs-mapped": "/srv/shared"},
		AccessPoints: map[string]AccessPoint{
			"fsap-app":  {FileSystemID: "fs-1", RootDirectory: "/app", CreationInfo: ci},
			"fsap-bare": {FileSystemID: "fs-1", RootDirectory: "/bare"},
			"fsap-root": {FileSystemID: "fs-1"},
		},
	}
	tests := []struct {
		name        string
		v           *ecsmodel.EFSVolumeConfiguration
		fsDir, src  string
		create      bool
		missing     string
		warning     string
		errContains string
	}{
		{"default directory", vol("fs-1", "", ""), "/state/efs/fs-1", "/state/efs/fs-1", false, "rootDirectory / does not exist", "", ""},
		{"root slash", vol("fs-1", "/", ""), "/state/efs/fs-1", "/state/efs/fs-1", false, "", "", ""},
		{"root directory", vol("fs-1", "/data/x", ""), "/state/efs/fs-1", "/state/efs/fs-1/data/x", false, "mkdir -p /state/efs/fs-1/data/x", "", ""},
		{"relative root directory", vol("fs-1", "data", ""), "/state/efs/fs-1", "/state/efs/fs-1/data", false, "rootDirectory /data", "", ""},
		{"root directory cannot escape", vol("fs-1", "/../../etc", ""), "/state/efs/fs-1", "/state/efs/fs-1/etc", false, "", "", ""},
		{"mapped file system", vol("fs-mapped", "/d", ""), "/srv/shared", "/srv/shared/d", false, "", "", ""},
		{"access point with creation info", vol("fs-1", "/", "fsap-app"), "/state/efs/fs-1", "/state/efs/fs-1/app", true, "", "", ""},
		{"access point without creation info", vol("fs-1", "", "fsap-bare"), "/state/efs/fs-1", "/state/efs/fs-1/bare", false, "EFS access point fsap-bare: its root directory /bare does not exist", "", ""},
		{"access point at the root", vol("fs-1", "", "fsap-root"), "/state/efs/fs-1", "/state/efs/fs-1", false, "", "", ""},
		{"unknown access point", vol("fs-1", "", "fsap-nope"), "/state/efs/fs-1", "/state/efs/fs-1", false, "", "EFS access point fsap-nope is not configured", ""},
		{"access point of another file system", vol("fs-2", "", "fsap-app"), "", "", false, "", "", "belongs to file system fs-1, not fs-2"},
		{"id with a slash", vol("fs-1/..", "", ""), "", "", false, "", "", "is not a file system id"},
		{"id dot dot", vol("..", "", ""), "", "", false, "", "", "is not a file system id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Resolve(cfg, tt.v)
			if tt.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContains) {
					t.Fatalf("Resolve = %+v, %v; want error containing %q", p, err, tt.errContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.FileSystemDir != filepath.FromSlash(tt.fsDir) || p.Source != filepath.FromSlash(tt.src) {
				t.Errorf("Resolve = dir %q source %q; want %q %q", p.FileSystemDir, p.Source, tt.fsDir, tt.src)
			}
			if (p.Create != nil) != tt.create {
				t.Errorf("Create = %v; want set: %v", p.Create, tt.create)
			}
			if !strings.Contains(p.Missing, tt.missing) {
				t.Errorf("Missing = %q; want it to contain %q", p.Missing, tt.missing)
			}
			if (tt.warning == "") != (p.Warning == "") || !strings.Contains(p.Warning, tt.warning) {
				t.Errorf("Warning = %q; want %q", p.Warning, tt.warning)
			}
		})
	}
}

func TestLocal_Mount(t *testing.T) {
	dir := t.TempDir()
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	l := &Local{Config: Config{
		Dir: filepath.Join(dir, "efs"),
		AccessPoints: map[string]AccessPoint{
			"fsap-app":  {FileSystemID: "fs-1", RootDirectory: "/apps/one", CreationInfo: &CreationInfo{OwnerUID: uid, OwnerGID: gid, Permissions: 0o750}},
			"fsap-bare": {FileSystemID: "fs-1", RootDirectory: "/bare"},
		},
	}}
	ctx := context.Background()
	got, warn, err := l.Mount(ctx, vol("fs-1", "", ""))
	if want := filepath.Join(dir, "efs", "fs-1"); err != nil || got != want || warn != "" {
		t.Fatalf("Mount(root) = %q, %q, %v; want %q (created)", got, warn, err, want)
	}
	if _, _, err := l.Mount(ctx, vol("fs-1", "/data", "")); err == nil || !strings.Contains(err.Error(), "rootDirectory /data does not exist in EFS file system fs-1") {
		t.Errorf("Mount(missing root directory) = %v; want the missing directory named", err)
	}
	if err := os.Mkdir(filepath.Join(got, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if d, _, err := l.Mount(ctx, vol("fs-1", "/data", "")); err != nil || d != filepath.Join(got, "data") {
		t.Errorf("Mount(root directory) = %q, %v", d, err)
	}
	d, _, err := l.Mount(ctx, vol("fs-1", "", "fsap-app"))
	if err != nil || d != filepath.Join(got, "apps", "one") {
		t.Fatalf("Mount(access point) = %q, %v", d, err)
	}
	for _, p := range []string{filepath.Join(got, "apps"), d} {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() || goruntime.GOOS != "windows" && st.Mode().Perm() != 0o750 {
			t.Errorf("%s: %v, %v; want a directory with mode 0750", p, st.Mode(), err)
		}
	}
	if _, _, err := l.Mount(ctx, vol("fs-1", "", "fsap-bare")); err == nil || !strings.Contains(err.Error(), "no creationInfo") {
		t.Errorf("Mount(access point without creationInfo) = %v; want failure", err)
	}
	if err := os.WriteFile(filepath.Join(got, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Mount(ctx, vol("fs-1", "/file", "")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Mount(file) = %v; want not a directory", err)
	}
}
