#!/usr/bin/env bash
# Builds the example image ecsrun-example/hello:latest from source, offline.
set -euo pipefail
cd "$(dirname "$0")"
CGO_ENABLED=0 go build -trimpath -ldflags=-s -o bin/hello .
if ! out=$(docker build -t ecsrun-example/hello:latest . 2>&1); then
  echo "$out" >&2
  exit 1
fi
echo "built ecsrun-example/hello:latest"
