package serveconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/efs"
)

// EFSDecl declares the local stand-ins of EFS file systems and access
// points, with the members of the EFS API's CreateAccessPoint.
//
//	efs:
//	  fileSystems:
//	    - fileSystemId: fs-0123456789abcdef0
//	      path: /srv/efs/shared        # default: <state directory>/efs/<id>
//	  accessPoints:
//	    - accessPointId: fsap-0123456789abcdef0
//	      fileSystemId: fs-0123456789abcdef0
//	      rootDirectory:
//	        path: /app
//	        creationInfo: {ownerUid: 1000, ownerGid: 1000, permissions: "0755"}
//	      posixUser: {uid: 1000, gid: 1000}
type EFSDecl struct {
	FileSystems  []FileSystemDecl  `json:"fileSystems"`
	AccessPoints []AccessPointDecl `json:"accessPoints"`
}

// FileSystemDecl maps an EFS file system to a host directory (absolute, or
// relative to the configuration file; see Config.ResolvePaths).
type FileSystemDecl struct {
	FileSystemID string `json:"fileSystemId"`
	Path         string `json:"path"`
}

// AccessPointDecl declares an EFS access point.
type AccessPointDecl struct {
	AccessPointID string             `json:"accessPointId"`
	FileSystemID  string             `json:"fileSystemId"`
	RootDirectory *RootDirectoryDecl `json:"rootDirectory"`
	PosixUser     *PosixUserDecl     `json:"posixUser"`
}

// RootDirectoryDecl is an access point's root directory: a path in the
// file system ("/" by default) and, to create it when missing, its owner
// and permissions.
type RootDirectoryDecl struct {
	Path         string            `json:"path"`
	CreationInfo *CreationInfoDecl `json:"creationInfo"`
}

// CreationInfoDecl is the owner and permissions (an octal string such as
// "0755") of a root directory EFS creates.
type CreationInfoDecl struct {
	OwnerUID    *int64 `json:"ownerUid"`
	OwnerGID    *int64 `json:"ownerGid"`
	Permissions Scalar `json:"permissions"`
}

// PosixUserDecl is an access point's POSIX identity.
type PosixUserDecl struct {
	UID           *int64  `json:"uid"`
	GID           *int64  `json:"gid"`
	SecondaryGIDs []int64 `json:"secondaryGids"`
}

// maxSecondaryGIDs is how many secondary group ids EFS takes.
const maxSecondaryGIDs = 16

func (d *EFSDecl) expand() (efs.Config, error) {
	var out efs.Config
	for i, f := range d.FileSystems {
		where := fmt.Sprintf("efs.fileSystems[%d]", i)
		if err := checkID(f.FileSystemID); err != nil {
			return out, fmt.Errorf("%s.fileSystemId: %v", where, err)
		}
		if _, dup := out.FileSystems[f.FileSystemID]; dup {
			return out, fmt.Errorf("%s: file system %s is declared twice", where, f.FileSystemID)
		}
		if strings.TrimSpace(f.Path) == "" {
			return out, fmt.Errorf("%s (%s): path is required: the host directory that holds the file system", where, f.FileSystemID)
		}
		if out.FileSystems == nil {
			out.FileSystems = map[string]string{}
		}
		out.FileSystems[f.FileSystemID] = filepath.Clean(f.Path)
	}
	for i, a := range d.AccessPoints {
		where := fmt.Sprintf("efs.accessPoints[%d]", i)
		if err := checkID(a.AccessPointID); err != nil {
			return out, fmt.Errorf("%s.accessPointId: %v", where, err)
		}
		where += " (" + a.AccessPointID + ")"
		if _, dup := out.AccessPoints[a.AccessPointID]; dup {
			return out, fmt.Errorf("%s: access point %s is declared twice", where, a.AccessPointID)
		}
		if err := checkID(a.FileSystemID); err != nil {
			return out, fmt.Errorf("%s.fileSystemId: %v", where, err)
		}
		ap := efs.AccessPoint{FileSystemID: a.FileSystemID, RootDirectory: "/"}
		if rd := a.RootDirectory; rd != nil {
			if rd.Path != "" {
				p, err := efsPath(rd.Path)
				if err != nil {
					return out, fmt.Errorf("%s.rootDirectory.path: %v", where, err)
				}
				ap.RootDirectory = p
			}
			if c := rd.CreationInfo; c != nil {
				ci, err := creationInfo(c)
				if err != nil {
					return out, fmt.Errorf("%s.rootDirectory.creationInfo: %v", where, err)
				}
				ap.CreationInfo = ci
			}
		}
		if u := a.PosixUser; u != nil {
			pu, err := posixUser(u)
			if err != nil {
				return out, fmt.Errorf("%s.posixUser: %v", where, err)
			}
			ap.PosixUser = pu
		}
		if out.AccessPoints == nil {
			out.AccessPoints = map[string]efs.AccessPoint{}
		}
		out.AccessPoints[a.AccessPointID] = ap
	}
	return out, nil
}

// ResolvePaths makes the relative host paths of the configuration
// relative to dir (the configuration file's directory).
func (c *Config) ResolvePaths(dir string) {
	for id, p := range c.EFS.FileSystems {
		if !filepath.IsAbs(p) {
			c.EFS.FileSystems[id] = filepath.Join(dir, p)
		}
	}
}

func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("required")
	case len(id) > 128 || strings.ContainsAny(id, `/\ `) || id == "." || id == "..":
		return fmt.Errorf("%q is not an EFS id (such as fs-0123456789abcdef0 or fsap-0123456789abcdef0)", id)
	}
	return nil
}

// efsPath checks an access point's root directory path as EFS does: an
// absolute path of at most 100 characters.
func efsPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") || len(p) > 100 {
		return "", fmt.Errorf("%q: give an absolute path of at most 100 characters, such as /app", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == "." || part == ".." {
			return "", fmt.Errorf("%q: . and .. are not allowed", p)
		}
	}
	return path.Clean(p), nil
}

func id32(name string, v *int64) (uint32, error) {
	if v == nil {
		return 0, fmt.Errorf("%s is required", name)
	}
	if *v < 0 || *v > 1<<32-1 {
		return 0, fmt.Errorf("%s %d is out of range (0 to 4294967295)", name, *v)
	}
	return uint32(*v), nil
}

func creationInfo(c *CreationInfoDecl) (*efs.CreationInfo, error) {
	uid, err := id32("ownerUid", c.OwnerUID)
	if err != nil {
		return nil, err
	}
	gid, err := id32("ownerGid", c.OwnerGID)
	if err != nil {
		return nil, err
	}
	perm := string(c.Permissions)
	n, err := strconv.ParseUint(perm, 8, 32)
	if len(perm) < 3 || len(perm) > 4 || err != nil {
		return nil, fmt.Errorf("permissions %q: give 3 or 4 octal digits, such as \"0755\"", perm)
	}
	mode := fs.FileMode(n & 0o777)
	for bit, m := range map[uint64]fs.FileMode{0o4000: fs.ModeSetuid, 0o2000: fs.ModeSetgid, 0o1000: fs.ModeSticky} {
		if n&bit != 0 {
			mode |= m
		}
	}
	return &efs.CreationInfo{OwnerUID: uid, OwnerGID: gid, Permissions: mode}, nil
}

func posixUser(u *PosixUserDecl) (*efs.PosixUser, error) {
	uid, err := id32("uid", u.UID)
	if err != nil {
		return nil, err
	}
	gid, err := id32("gid", u.GID)
	if err != nil {
		return nil, err
	}
	if len(u.SecondaryGIDs) > maxSecondaryGIDs {
		return nil, fmt.Errorf("secondaryGids: at most %d; got %d", maxSecondaryGIDs, len(u.SecondaryGIDs))
	}
	out := &efs.PosixUser{UID: uid, GID: gid}
	for _, g := range u.SecondaryGIDs {
		v, err := id32("secondaryGids", &g)
		if err != nil {
			return nil, err
		}
		out.SecondaryGIDs = append(out.SecondaryGIDs, v)
	}
	return out, nil
}
