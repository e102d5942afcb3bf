// Package docker implements runtime.Runtime on the Docker Engine API through
// the official Go client (client.FromEnv with API version negotiation, so it
// works with engines from API 1.41 on).
//
// Pull follows the ECS agent's ECS_IMAGE_PULL_BEHAVIOR. A pull attempt is
// bounded twice: by Options.PullStartTimeout until the engine starts
// answering (an unreachable registry fails within it, so the default
// behaviour falls back to a cached image quickly), and by
// Options.PullInactivityTimeout between two progress messages of a running
// download. Concurrent pulls of one reference share one engine request, and a
// registry found unreachable is remembered for Options.UnreachableTTL, during
// which default pulls of cached images skip the doomed attempt.
//
// Logs asks the engine for timestamps and demultiplexes stdout and stderr
// with stdcopy; the engine's partial messages (lines longer than 16 KiB) are
// joined back into one line of at most MaxLineBytes. A follow does not end
// with the engine's: once the container has stopped, Logs checks that the
// last message recorded was delivered, and else reads the end of the output
// again, since the engine's follow can end before its last messages. While a
// container runs, a follow reads its json-file log itself where it can
// (logfile.go), and ends with the container's die event or the engine's
// answer to a wait for its exit, whichever comes first (dies.go: Docker 20.10
// answers the wait about 10 ms after the event).
//
// Errors are prefixed "docker: <operation> <id>:" and wrap the kinds of the
// runtime package: ErrNotFound for a missing container, ErrImageNotFound for
// an image that is neither cached nor pullable, ErrUnavailable when the
// engine cannot be reached.
package docker
