package serveconfig

import (
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/efs"
)

func TestParse_EFS(t *testing.T) {
	cfg, err := Parse([]byte(`
efs:
  fileSystems:
    - {fileSystemId: fs-1, path: /srv/efs/one}
    - {fileSystemId: fs-2, path: data/two}
  accessPoints:
    - accessPointId: fsap-app
      fileSystemId: fs-1
      rootDirectory:
        path: /apps/web/
        creationInfo: {ownerUid: 1000, ownerGid: 100, permissions: "1750"}
      posixUser: {uid: 1000, gid: 100, secondaryGids: [4, 27]}
    - accessPointId: fsap-root
      fileSystemId: fs-2
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ResolvePaths("/etc/ecsrun")
	want := efs.Config{
		FileSystems: map[string]string{"fs-1": "/srv/efs/one", "fs-2": filepath.Join("/etc/ecsrun", "data/two")},
		AccessPoints: map[string]efs.AccessPoint{
			"fsap-app": {
				FileSystemID: "fs-1", RootDirectory: "/apps/web",
				CreationInfo: &efs.CreationInfo{OwnerUID: 1000, OwnerGID: 100, Permissions: 0o750 | fs.ModeSticky},
				PosixUser:    &efs.PosixUser{UID: 1000, GID: 100, SecondaryGIDs: []uint32{4, 27}},
			},
			"fsap-root": {FileSystemID: "fs-2", RootDirectory: "/"},
		},
	}
	if !reflect.DeepEqual(cfg.EFS, want) {
		t.Errorf("EFS = %+v; want %+v", cfg.EFS, want)
	}
	none, err := Parse([]byte("clusters: [{name: x}]"))
	if err != nil || none.EFS.FileSystems != nil || none.EFS.AccessPoints != nil {
		t.Errorf("Parse without efs = %+v, %v; want no EFS", none.EFS, err)
	}
}

func TestParse_EFSErrors(t *testing.T) {
	ap := func(body string) string {
		return "efs:\n  accessPoints:\n    - {accessPointId: fsap-1, fileSystemId: fs-1, " + body + "}\n"
	}
	tests := []struct{ name, doc, want string }{
		{"no file system id", "efs:\n  fileSystems:\n    - {path: /x}\n", "efs.fileSystems[0].fileSystemId: required"},
		{"file system id with slash", "efs:\n  fileSystems:\n    - {fileSystemId: a/b, path: /x}\n", "is not an EFS id"},
		{"no path", "efs:\n  fileSystems:\n    - {fileSystemId: fs-1}\n", "path is required"},
		{"file system twice", "efs:\n  fileSystems:\n    - {fileSystemId: fs-1, path: /x}\n    - {fileSystemId: fs-1, path: /y}\n", "declared twice"},
		{"unknown member", "efs:\n  fileSystem: []\n", `unknown field "fileSystem"`},
		{"no access point id", "efs:\n  accessPoints:\n    - {fileSystemId: fs-1}\n", "accessPointId: required"},
		{"access point without file system", "efs:\n  accessPoints:\n    - {accessPointId: fsap-1}\n", "(fsap-1).fileSystemId: required"},
		{"access point twice", "efs:\n  accessPoints:\n    - {accessPointId: fsap-1, fileSystemId: fs-1}\n    - {accessPointId: fsap-1, fileSystemId: fs-2}\n", "declared twice"},
		{"relative root", ap("rootDirectory: {path: app}"), "give an absolute path"},
		{"dot dot root", ap("rootDirectory: {path: /a/../b}"), "not allowed"},
		{"creation info without owner", ap(`rootDirectory: {path: /a, creationInfo: {ownerGid: 1, permissions: "755"}}`), "ownerUid is required"},
		{"bad permissions", ap(`rootDirectory: {path: /a, creationInfo: {ownerUid: 1, ownerGid: 1, permissions: "rwx"}}`), "octal digits"},
		{"permissions too long", ap(`rootDirectory: {path: /a, creationInfo: {ownerUid: 1, ownerGid: 1, permissions: "00755"}}`), "octal digits"},
		{"negative uid", ap("posixUser: {uid: -1, gid: 1}"), "uid -1 is out of range"},
		{"posix user without gid", ap("posixUser: {uid: 1}"), "gid is required"},
		{"too many secondary gids", ap("posixUser: {uid: 1, gid: 1, secondaryGids: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}"), "at most 16"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v; want one containing %q", tt.name, err, tt.want)
		}
	}
}
