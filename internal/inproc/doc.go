// Package inproc provides an http.RoundTripper that serves requests by calling
// an http.Handler in the same process, so the AWS SDK talks to the embedded
// engine through the same API as over the network, without a port.
package inproc
