package envfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ErrInvalid is the kind of Locate's errors: the value names no file ecsrun
// can read.
var ErrInvalid = errors.New("invalid environment file reference")

// maxLine bounds one line of an environment file.
const maxLine = 1 << 20

// Parse reads an environment file.
func Parse(r io.Reader) (map[string]string, error) {
	vars := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok || name == "" || value == "" {
			continue
		}
		vars[name] = value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("envfile: %w", err)
	}
	return vars, nil
}

// Locate returns the local file an environmentFiles value names: an S3 ARN
// (arn:PARTITION:s3:::BUCKET/KEY) or s3://BUCKET/KEY under s3Dir, or an
// absolute path or file:// URL as it is.
func Locate(value, s3Dir string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("envfile: %q: %s: %w", value, why, ErrInvalid)
	}
	var bucketKey string
	switch {
	case strings.HasPrefix(value, "arn:"):
		parts := strings.SplitN(value, ":", 6)
		if len(parts) < 6 || parts[2] != "s3" {
			return bad("an environment file ARN has the form arn:aws:s3:::BUCKET/KEY")
		}
		bucketKey = parts[5]
	case strings.HasPrefix(value, "s3://"):
		bucketKey = strings.TrimPrefix(value, "s3://")
	case strings.HasPrefix(value, "file://"):
		u, err := url.Parse(value)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return bad("a file URL has the form file:///ABSOLUTE/PATH")
		}
		return filepath.FromSlash(u.Path), nil
	case filepath.IsAbs(value):
		return filepath.Clean(value), nil
	default:
		return bad("give an S3 object ARN (arn:aws:s3:::BUCKET/KEY.env, read from the local S3 directory) or an absolute local path")
	}
	bucket, key, ok := strings.Cut(bucketKey, "/")
	if !ok || bucket == "" || key == "" {
		return bad("the S3 object needs a bucket and a key (BUCKET/KEY)")
	}
	for _, seg := range strings.Split(bucketKey, "/") {
		if seg == ".." || seg == "." {
			return bad("the S3 object key contains a . or .. segment")
		}
	}
	if s3Dir == "" {
		return bad("no local S3 directory is configured")
	}
	return filepath.Join(s3Dir, filepath.FromSlash(bucket), filepath.FromSlash(key)), nil
}

// Read locates and parses one environment file.
func Read(value, s3Dir string) (map[string]string, error) {
	path, err := Locate(value, s3Dir)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("envfile: %s: no file at %s: %w", value, path, err)
		}
		return nil, fmt.Errorf("envfile: %s: %w", value, err)
	}
	defer f.Close()
	vars, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("envfile: %s (%s): %w", value, path, err)
	}
	return vars, nil
}

// Merge combines the variables of several files in the order the container
// definition lists them: the first file that sets a variable wins.
func Merge(files ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, vars := range files {
		for k, v := range vars {
			if _, set := out[k]; !set {
				out[k] = v
			}
		}
	}
	return out
}
