// Package efs stands in for Amazon EFS on the local machine: each file
// system is a host directory, bind-mounted into every task that mounts it,
// so tasks share its files and they outlive the tasks.
//
// A file system's directory is <Dir>/<fileSystemId> unless the
// configuration maps the id to another host path; it is created on first
// use (an empty file system). A volume's rootDirectory selects a
// subdirectory, which must exist, as on EFS, where mounting a missing path
// fails. Access points are configured locally as on EFS (file system, root
// directory with optional creationInfo, POSIX user): the access point's
// root directory is created with creationInfo's owner and permissions when
// it is missing, and a missing one without creationInfo fails the mount, as
// EFS does. The POSIX user is not enforced: EFS rewrites the identity of
// every NFS operation, which a bind mount cannot do, so files are created
// as the container's user. An access point the configuration does not
// know mounts the file system's root, with a warning.
//
// Resolve is pure: it decides which directory a volume mounts and what
// must be created. Local.Mount does the file system work.
package efs
