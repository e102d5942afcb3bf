// Package runtime defines what the agent needs from a container runtime: pull
// an image, create, start, wait for, stop, inspect, list and remove
// containers, and follow their output. Implementations live in subpackages:
// docker (the Docker Engine API), process (host processes, no image) and fake
// (scripted containers for tests and benchmarks).
package runtime
