#!/bin/sh
# Run this example with `pulumi up` on a local file backend against the built-in emulator.
# Used by `make run` when a pulumi CLI is on PATH; run it from the repository root after `make run`
# (or any target) has created .venv. Everything is written to a temporary directory.
set -eu
REPO="$(pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -r examples/python-read "$WORK/"
mkdir "$WORK/state"
cd "$WORK/python-read"
export PULUMI_BACKEND_URL="file://$WORK/state"
export PULUMI_CONFIG_PASSPHRASE=local-emulator
export PULUMI_PYTHON_CMD="$REPO/.venv/bin/python"
export PULUMI_SKIP_UPDATE_CHECK=true
pulumi stack init dev --non-interactive
pulumi config set clusterId 4f3deec3-efa6-4ee3-a5b1-7a2bbd7d9e7a
"$REPO/.venv/bin/css-vpcep" emulator -- sh -c \
  'pulumi up --yes --skip-preview --non-interactive && pulumi stack output --json'
