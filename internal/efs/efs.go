package efs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Config describes the local file systems and access points.
type Config struct {
	// Dir holds the file systems no mapping names, one directory per
	// file system id.
	Dir string
	// FileSystems maps file system ids to host directories.
	FileSystems map[string]string
	// AccessPoints maps access point ids to their configuration.
	AccessPoints map[string]AccessPoint
}

// AccessPoint is an EFS access point, as CreateAccessPoint describes it.
type AccessPoint struct {
	FileSystemID string
	// RootDirectory is the directory of the file system the access point
	// exposes as its root ("/" when empty).
	RootDirectory string
	// CreationInfo, when set, lets the root directory be created when it
	// is missing, with that owner and those permissions.
	CreationInfo *CreationInfo
	// PosixUser is the identity EFS applies to every file operation
	// through the access point (not enforced locally).
	PosixUser *PosixUser
}

// CreationInfo is the owner and permissions of an access point's root
// directory when EFS creates it.
type CreationInfo struct {
	OwnerUID, OwnerGID uint32
	Permissions        fs.FileMode
}

// PosixUser is an access point's POSIX identity.
type PosixUser struct {
	UID, GID      uint32
	SecondaryGIDs []uint32
}

// Plan is what mounting one EFS volume takes.
type Plan struct {
	// FileSystemDir is the file system's host directory (created when
	// missing).
	FileSystemDir string
	// Source is the host directory to bind-mount: the file system's
	// directory, or the root or access point directory within it.
	Source string
	// Create, when set, creates Source (and missing parents below the
	// file system's directory) with this owner and these permissions when
	// it is missing; otherwise a missing Source fails the mount.
	Create *CreationInfo
	// Missing says, when Source is missing and Create is nil, what the
	// user must do.
	Missing string
	// Warning is something the user should know (an unknown access
	// point).
	Warning string
}

// Resolve decides how the EFS volume v mounts under cfg. Its errors say
// what to change in the configuration or the task definition.
func Resolve(cfg *Config, v *ecsmodel.EFSVolumeConfiguration) (Plan, error) {
	id := v.FileSystemId
	if id == "" || id != filepath.Base(id) || id == "." || id == ".." {
		return Plan{}, fmt.Errorf("EFS file system id %q is not a file system id (fs-...)", id)
	}
	var p Plan
	if dir, ok := cfg.FileSystems[id]; ok {
		p.FileSystemDir = dir
	} else {
		p.FileSystemDir = filepath.Join(cfg.Dir, id)
	}
	rel := v.RootDirectory
	apID := ""
	if v.AuthorizationConfig != nil {
		apID = v.AuthorizationConfig.AccessPointId
	}
	if apID != "" {
		ap, ok := cfg.AccessPoints[apID]
		switch {
		case !ok:
			p.Warning = fmt.Sprintf("EFS access point %s is not configured (efs.accessPoints in the serve configuration); mounting the root of file system %s", apID, id)
			rel = "/"
		case ap.FileSystemID != id:
			return Plan{}, fmt.Errorf("EFS access point %s belongs to file system %s, not %s", apID, ap.FileSystemID, id)
		default:
			rel = ap.RootDirectory
			p.Create = ap.CreationInfo
			if p.Create == nil {
				p.Missing = fmt.Sprintf("EFS access point %s: its root directory %s does not exist in file system %s and the access point has no creationInfo to create it; create it, or give the access point creationInfo", apID, clean(rel), id)
			}
		}
	}
	rel = clean(rel)
	p.Source = filepath.Join(p.FileSystemDir, filepath.FromSlash(rel))
	if p.Missing == "" && p.Create == nil {
		p.Missing = fmt.Sprintf("rootDirectory %s does not exist in EFS file system %s; create it (mkdir -p %s)", rel, id, p.Source)
	}
	return p, nil
}

// clean makes an EFS path absolute and clean, so it never leaves the file
// system ("/../x" is "/x").
func clean(p string) string { return path.Clean("/" + p) }

// Local mounts EFS volumes from host directories.
type Local struct {
	Config Config
}

// Mount returns the host directory that stands in for the EFS volume v,
// creating what Resolve planned; warning, when not empty, is for the log.
func (l *Local) Mount(_ context.Context, v *ecsmodel.EFSVolumeConfiguration) (dir, warning string, err error) {
	p, err := Resolve(&l.Config, v)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(p.FileSystemDir, 0o755); err != nil {
		return "", "", fmt.Errorf("EFS file system %s: %w", v.FileSystemId, err)
	}
	st, err := os.Stat(p.Source)
	switch {
	case err == nil && !st.IsDir():
		return "", "", fmt.Errorf("EFS file system %s: %s is not a directory", v.FileSystemId, p.Source)
	case err == nil:
		return p.Source, p.Warning, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", "", fmt.Errorf("EFS file system %s: %w", v.FileSystemId, err)
	case p.Create == nil:
		return "", "", errors.New(p.Missing)
	}
	chownErr, err := create(p.FileSystemDir, p.Source, p.Create)
	if err != nil {
		return "", "", fmt.Errorf("EFS file system %s: create access point root directory: %w", v.FileSystemId, err)
	}
	if chownErr != nil {
		warning = strings.TrimPrefix(p.Warning+"; ", "; ") + fmt.Sprintf("access point root directory %s created without its creationInfo owner %d:%d (%v)", p.Source, p.Create.OwnerUID, p.Create.OwnerGID, chownErr)
		return p.Source, warning, nil
	}
	return p.Source, p.Warning, nil
}

// create makes dir and its missing parents below base with the owner and
// permissions of ci, as EFS creates an access point's root directory. A
// failure to give them their owner (ecsrun does not run as root) is
// returned apart, as chownErr.
func create(base, dir string, ci *CreationInfo) (chownErr, err error) {
	rel, err := filepath.Rel(base, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("%s is not within %s", dir, base)
	}
	cur := base
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		err := os.Mkdir(cur, 0o700)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := os.Lchown(cur, int(ci.OwnerUID), int(ci.OwnerGID)); err != nil && chownErr == nil {
			chownErr = err
		}
		// After chown, which clears the set-id bits.
		if err := os.Chmod(cur, ci.Permissions); err != nil {
			return nil, err
		}
	}
	return chownErr, nil
}
