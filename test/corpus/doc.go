// Package corpus runs the real-world task definitions of
// ../shared/conformance/taskdefs (files found in public repositories, with
// the verdict Amazon ECS gives each) through the local engine, as a new
// user would: every file registers with ECS's verdict, and every accepted
// one runs to STOPPED with every container exiting 0 when its images are
// swapped for a local busybox image, with nothing configured but the
// secret values and environment files the test stores (through `ecsrun
// secrets` and the local S3 directory). Files that need what the host
// lacks (a GPU) must fail as ECS fails them.
//
// The corpus stays in ../shared (it is not copied here); without it the
// test skips.
package corpus
