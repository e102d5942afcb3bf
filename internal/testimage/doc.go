// Package testimage gives tests and examples a real container image without
// any registry: it compiles the toolbox program (see the toolbox
// subdirectory) as a static binary and imports it into the Docker engine as a
// single-layer image holding only /toolbox (ENTRYPOINT ["/toolbox"]) and an
// empty /tmp.
//
// Builds are cached: once per tag per process, and across processes the image
// is reused when its label ecsrun.toolbox.sha256 matches the hash of the
// freshly compiled binary.
//
// RequireDocker skips a test when no Docker engine is reachable, or fails it
// when the environment variable ECSRUN_REQUIRE_DOCKER is 1.
package testimage
