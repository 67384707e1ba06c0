#!/usr/bin/env bash
# Build the pinned Pulumi toolchain that `make e2e` runs, from Go modules, into a cache outside the
# repository; print the directory that holds the binaries. Later runs reuse the cache.
#
#   pulumi                          the CLI (module github.com/pulumi/pulumi/pkg/v3, tools/pulumi/cli/go.mod)
#   pulumi-language-yaml            the YAML language host (github.com/pulumi/pulumi-yaml, tools/pulumi/yaml/go.mod)
#   pulumi-resource-pulumi-python   the shell script that starts `python -m pulumi.dynamic` for dynamic
#                                   resources, as shipped in the sdk/v3 module; the CLI looks for it beside itself
#
# The Python, Node.js and Go language hosts (sdk/<language>/cmd/pulumi-language-<language>) are modules of
# their own that the module proxy does not serve: `make e2e` takes them from PULUMI_LANGUAGE_HOSTS (a
# Pulumi installation's bin folder; CI's is ../shared/pulumi-hosts/bin), and so do the SDKs that
# `pulumi package add` generates through them.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
version="$(grep -oE 'github.com/pulumi/pulumi/pkg/v3 v[^ ]+' "$here/cli/go.mod" | cut -d' ' -f2)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-css-vpcep"
dest="$cache/pulumi-$version"
bin="$dest/bin"
# A change to either module's requirements rebuilds; the same requirements reuse what was built.
fingerprint="$(cat "$here"/cli/go.mod "$here"/cli/go.sum "$here"/yaml/go.mod "$here"/yaml/go.sum "$0" | sha256sum | cut -c1-16)"

if [ -f "$dest/.built-$fingerprint" ]; then
    echo "$bin"
    exit 0
fi

say() { echo "pulumi-tools: $*" >&2; }
command -v go >/dev/null || { say "needs Go (1.26 or later) on PATH"; exit 1; }

export GOMODCACHE="$cache/gomod" GOFLAGS="-mod=readonly -trimpath" CGO_ENABLED=0 GOTOOLCHAIN=local
started=$(date +%s)
say "building Pulumi $version into $bin (first build: a few minutes)"
mkdir -p "$bin"
(cd "$here/cli" && go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
(cd "$here/yaml" && go build -o "$bin/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml)
sdk="$(cd "$here/cli" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$bin/pulumi-resource-pulumi-python"

say "built in $(($(date +%s) - started)) s; modules downloaded: $(du -sh "$GOMODCACHE/cache/download" | cut -f1)"
rm -f "$dest"/.built-*
touch "$dest/.built-$fingerprint"
echo "$bin"
