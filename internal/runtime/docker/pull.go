package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/image"
	registrytypes "github.com/docker/docker/api/types/registry"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// Pull makes ref available according to behavior:
//
//   - default (or ""): pull; when the pull fails use the cached image, and
//     fail (ErrImageNotFound and ErrPull) only when there is none;
//   - always: pull, and fail with ErrPull when the pull fails;
//   - once, prefer-cached: use the cached image when there is one, else pull.
//
// Concurrent pulls of one reference share a single engine request. In the
// default behaviour the cache lookup runs alongside the pull attempt, so
// falling back costs no extra round trip; and once a pull has shown that a
// registry cannot be reached at all (DNS failure, refused connection, no
// answer within Options.PullStartTimeout), default pulls of cached images
// from that registry use the cache at once for Options.UnreachableTTL.
func (r *Runtime) Pull(ctx context.Context, ref string, behavior runtime.PullBehavior) (runtime.PullResult, error) {
	return r.pullImage(ctx, ref, behavior, nil)
}

var _ runtime.AuthPuller = (*Runtime)(nil)

// PullAuth is Pull with auth for ref's registry, sent to the engine as the
// pull's registry authentication (X-Registry-Auth) instead of the engine's
// own credentials, as the ECS agent pulls with repositoryCredentials.
func (r *Runtime) PullAuth(ctx context.Context, ref string, behavior runtime.PullBehavior, auth runtime.RegistryAuth) (runtime.PullResult, error) {
	return r.pullImage(ctx, ref, behavior, &auth)
}

func (r *Runtime) pullImage(ctx context.Context, ref string, behavior runtime.PullBehavior, auth *runtime.RegistryAuth) (runtime.PullResult, error) {
	switch behavior {
	case runtime.PullDefault, "":
		type lookup struct {
			res runtime.PullResult
			err error
		}
		cachedC := make(chan lookup, 1)
		go func() {
			res, err := r.cached(ctx, ref)
			cachedC <- lookup{res, err}
		}()
		if r.registryDown(ref) {
			// The registry was unreachable moments ago: fall back at once
			// when there is a cached image, else try anyway.
			c := <-cachedC
			if c.err == nil {
				c.res.Cached = true
				return c.res, nil
			}
			cachedC <- c
		}
		perr := r.pull(ctx, ref, auth)
		if perr == nil {
			<-cachedC
			return r.cached(ctx, ref) // the pull may have changed the image
		}
		c := <-cachedC
		if c.err == nil {
			c.res.Cached = true
			return c.res, nil
		}
		return runtime.PullResult{}, r.pullError(ref, c.err, perr)
	case runtime.PullAlways:
		if err := r.pull(ctx, ref, auth); err != nil {
			return runtime.PullResult{}, pullErr(ref, err)
		}
		return r.cached(ctx, ref)
	case runtime.PullOnce, runtime.PullPreferCached:
		res, err := r.cached(ctx, ref)
		if err == nil {
			res.Cached = true
			return res, nil
		}
		if !cerrdefs.IsNotFound(err) {
			return runtime.PullResult{}, wrap("pull", ref, runtime.ErrPull, nil, err)
		}
		if perr := r.pull(ctx, ref, auth); perr != nil {
			return runtime.PullResult{}, r.pullError(ref, err, perr)
		}
		return r.cached(ctx, ref)
	default:
		return runtime.PullResult{}, fmt.Errorf("docker: pull %s: %w: unknown pull behavior %q", ref, runtime.ErrPull, behavior)
	}
}

// pullError explains a failed pull of an image whose cache lookup failed
// with lookupErr.
func (r *Runtime) pullError(ref string, lookupErr, pullErr error) error {
	if cerrdefs.IsNotFound(lookupErr) {
		return fmt.Errorf("docker: pull %s: %w, %w: %w", ref, runtime.ErrImageNotFound, runtime.ErrPull, pullErr)
	}
	return wrap("pull", ref, runtime.ErrPull, nil, errors.Join(pullErr, lookupErr))
}

func pullErr(ref string, err error) error {
	return wrap("pull", ref, runtime.ErrPull, nil, err)
}

// cached looks ref up in the engine's image store.
func (r *Runtime) cached(ctx context.Context, ref string) (runtime.PullResult, error) {
	img, err := r.cli.ImageInspect(ctx, ref)
	if err != nil {
		return runtime.PullResult{}, err
	}
	return runtime.PullResult{ImageID: img.ID, Digest: digest(ref, img.RepoDigests)}, nil
}

// digest picks the repository digest of ref's repository, else the first.
func digest(ref string, repoDigests []string) string {
	repo := ref
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	best := ""
	for _, rd := range repoDigests {
		name, d, ok := strings.Cut(rd, "@")
		if !ok {
			continue
		}
		if best == "" {
			best = d
		}
		if name == repo || strings.HasSuffix(name, "/"+repo) {
			return d
		}
	}
	return best
}

// progress is one message of the engine's pull stream.
type progress struct {
	Status      string `json:"status"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// flight is one pull in progress, shared by every caller pulling the same
// reference at the same time.
type flight struct {
	done chan struct{}
	err  error
}

// pull asks the engine to pull ref, with auth when it is set. Concurrent
// pulls of one reference with the same credentials share a single engine
// request, which does not depend on any one caller's
// context (the start and inactivity timeouts bound it). A failure that shows
// the registry cannot be reached is remembered for unreachableTTL.
func (r *Runtime) pull(ctx context.Context, ref string, auth *runtime.RegistryAuth) error {
	opts, err := pullOptions(auth)
	if err != nil {
		return err
	}
	key := ref + "\x00" + opts.RegistryAuth
	r.mu.Lock()
	f, ok := r.flights[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		r.flights[key] = f
		go func() {
			f.err = r.pullOnce(context.WithoutCancel(ctx), ref, opts)
			r.mu.Lock()
			delete(r.flights, key)
			if f.err != nil && unreachable(f.err) && r.unreachableTTL > 0 {
				r.down[registry(ref)] = time.Now().Add(r.unreachableTTL)
			} else if f.err == nil {
				delete(r.down, registry(ref))
			}
			r.mu.Unlock()
			close(f.done)
		}()
	}
	r.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// registryDown reports whether pulling ref failed recently because its
// registry could not be reached.
func (r *Runtime) registryDown(ref string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	host := registry(ref)
	until, ok := r.down[host]
	if ok && time.Now().After(until) {
		delete(r.down, host)
		return false
	}
	return ok
}

// registry returns the registry host of ref ("docker.io" for short names).
func registry(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.Domain(named)
}

// unreachable reports whether a pull error says the registry could not be
// reached at all (as opposed to answering "not found" or "denied").
func unreachable(err error) bool {
	if errors.Is(err, errNoAnswer) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"no such host", "dial tcp", "connection refused", "i/o timeout",
		"network is unreachable", "no route to host", "tls handshake timeout", "server misbehaving"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// errNoAnswer is the cause of a pull cancelled by the start timeout.
var errNoAnswer = errors.New("no answer from the registry")

// pullOptions returns the engine's pull options for auth: none (the
// engine's own credentials) when auth is nil, else the credentials encoded
// for the X-Registry-Auth header, username and password only as the ECS
// agent sends them (the engine applies them to the image's registry).
func pullOptions(auth *runtime.RegistryAuth) (image.PullOptions, error) {
	if auth == nil {
		return image.PullOptions{}, nil
	}
	enc, err := registrytypes.EncodeAuthConfig(registrytypes.AuthConfig{Username: auth.Username, Password: auth.Password})
	if err != nil {
		return image.PullOptions{}, fmt.Errorf("encode registry credentials: %w", err)
	}
	return image.PullOptions{RegistryAuth: enc}, nil
}

// pullOnce runs one engine pull, bounded by the start and inactivity
// timeouts.
func (r *Runtime) pullOnce(ctx context.Context, ref string, opts image.PullOptions) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(r.pullStartTimeout, func() {
		cancel(fmt.Errorf("%w within %v", errNoAnswer, r.pullStartTimeout))
	})
	defer timer.Stop()
	rc, err := r.cli.ImagePull(ctx, ref, opts)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			return cause
		}
		return err
	}
	defer rc.Close()
	timer.Reset(r.pullInactivityTimeout)
	dec := json.NewDecoder(rc)
	for {
		var p progress
		if err := dec.Decode(&p); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
				return cause
			}
			return err
		}
		timer.Reset(r.pullInactivityTimeout)
		if p.Error != "" {
			return errors.New(p.Error)
		}
		if p.ErrorDetail != nil && p.ErrorDetail.Message != "" {
			return errors.New(p.ErrorDetail.Message)
		}
	}
}
