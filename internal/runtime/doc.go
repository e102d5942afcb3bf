// Package runtime defines what the agent needs from a container runtime: pull
// an image, create, start, wait for, stop, inspect, list and remove
// containers, and follow their output. Implementations live in subpackages:
// docker (the Docker Engine API), process (host processes, no image) and fake
// (scripted containers for tests and benchmarks).
//
// Output comes as lines of at most MaxLineBytes (CutLine says where a longer
// one is cut, as the awslogs driver would). A reader whose Logs call breaks
// off resumes with a LogPosition, which knows where to read again from and
// which of the lines read again it already has.
package runtime
