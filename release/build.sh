#!/usr/bin/env bash
# Builds an ecsrun release: static binaries (CGO_ENABLED=0; on macOS Go
# links the system's libSystem, as always) for Linux and macOS (amd64,
# arm64) and Windows (amd64) as archives with a SHA256SUMS
# file, and the container image of ecsrun itself (FROM scratch), all stamped
# with the version, the commit and the build date (`ecsrun version`).
#
#   release/build.sh [--snapshot] [--version V] [--out DIR] [--image NAME] [--no-image]
#
# --version defaults to `git describe --tags --always --dirty`; --out to
# dist/; --image to ecsrun/ecsrun (tagged with the version and latest).
# --snapshot builds only the binary of this machine's platform (as an
# archive, with its checksum) and the image: the fast check .ci/run runs.
# Nothing is downloaded beyond the Go modules: the image is FROM scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

snapshot=false image=ecsrun/ecsrun build_image=true out=dist version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --snapshot) snapshot=true ;;
    --version) version=$2; shift ;;
    --out) out=$2; shift ;;
    --image) image=$2; shift ;;
    --no-image) build_image=false ;;
    *) echo "release/build.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$version" ]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || echo devel)
fi
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
# SOURCE_DATE_EPOCH (reproducible builds) wins over the clock.
date=$(date -u ${SOURCE_DATE_EPOCH:+-d "@$SOURCE_DATE_EPOCH"} +%Y-%m-%dT%H:%M:%SZ)
pkg=github.com/ecsrun/ecsrun/internal/cli
ldflags="-s -w -X $pkg.Version=$version -X $pkg.Commit=$commit -X $pkg.Date=$date"

targets="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64"
if $snapshot; then
  targets="$(go env GOOS)/$(go env GOARCH)"
fi
mkdir -p "$out"
rm -rf "$out"/ecsrun_* "$out/SHA256SUMS"
for target in $targets; do
  goos=${target%/*} goarch=${target#*/}
  name="ecsrun_${version}_${goos}_${goarch}"
  dir="$out/$name"
  mkdir -p "$dir"
  exe=ecsrun
  [ "$goos" = windows ] && exe=ecsrun.exe
  echo "== $target"
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -ldflags "$ldflags" -o "$dir/$exe" ./cmd/ecsrun
  cp README.md "$dir/"
  [ -f LICENSE ] && cp LICENSE "$dir/"
  if [ "$goos" = windows ]; then
    (cd "$out" && python3 -c 'import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk(sys.argv[2]):
        for f in sorted(files):
            z.write(os.path.join(root, f))' "$name.zip" "$name")
  else
    tar -C "$out" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "$name"
  fi
done
(cd "$out" && shopt -s nullglob && sha256sum ecsrun_*.tar.gz ecsrun_*.zip > SHA256SUMS)
cat "$out/SHA256SUMS"

if $build_image; then
  # The image holds the static linux binary of this machine's architecture
  # and the CA certificates (for --target aws and HTTPS endpoints).
  arch=$(go env GOARCH)
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  cp "$out/ecsrun_${version}_linux_${arch}/ecsrun" "$ctx/ecsrun"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  cp release/Dockerfile "$ctx/Dockerfile"
  # (-q: the image id only; the legacy builder's deprecation notice on
  # standard error is shown only when the build fails.)
  if ! docker build -q --build-arg "VERSION=$version" -t "$image:$version" -t "$image:latest" "$ctx" >/dev/null 2>"$ctx/build.err"; then
    cat "$ctx/build.err" >&2; exit 1
  fi
  echo "== image $image:$version ($image:latest), linux/$arch"
  docker run --rm "$image:$version" version
fi
