#!/usr/bin/env bash
# make dist: build the sdist and the wheel with the standard build frontend, check their metadata, install the
# wheel into a clean venv and smoke-test it there, and show that the sdist alone builds the same wheel.
# Writes dist/; its tools live in .venv-dist/, the clean venv in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
SAMPLE_CLUSTER=4f3deec3-efa6-4ee3-a5b1-7a2bbd7d9e7a
tools=.venv-dist
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

[ -x "$tools/bin/python" ] || "$PYTHON" -m venv "$tools"
"$tools/bin/python" -m pip install --quiet --disable-pip-version-check 'build>=1.2' 'twine>=5'

rm -rf dist
# The sdist, then the wheel built from the unpacked sdist (what build does by default), so a file missing
# from the sdist fails here.
"$tools/bin/python" -m build --outdir dist .
# The same wheel built straight from the checkout, to compare (setuptools would reuse a stale build/).
rm -rf build
"$tools/bin/python" -m build --wheel --outdir "$scratch/from-checkout" .
"$tools/bin/twine" check --strict dist/*

wheel="$(ls dist/*.whl)"
"$tools/bin/python" - "$wheel" "$scratch"/from-checkout/*.whl <<'PY'
import hashlib, sys, zipfile
def contents(path):
    with zipfile.ZipFile(path) as archive:
        return {name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()}
from_sdist, from_checkout = contents(sys.argv[1]), contents(sys.argv[2])
if from_sdist != from_checkout:
    differ = sorted(set(from_sdist.items()) ^ set(from_checkout.items()))
    sys.exit(f"dist: the wheel built from the sdist differs from the checkout's: {differ}")
print(f"dist: the sdist builds the same wheel ({len(from_sdist)} files, equal contents)")
PY

# The wheel alone, in a clean venv, run from outside the checkout.
"$PYTHON" -m venv "$scratch/smoke"
"$scratch/smoke/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
version="$(basename "$wheel" | cut -d- -f2)"
(
    cd "$scratch"
    export PATH="$scratch/smoke/bin:$PATH"
    test "$(python -c 'import pulumi_css_vpcep; print(pulumi_css_vpcep.__version__)')" = "$version"
    help="$(pulumi-resource-css-vpcep --help)"
    [[ "$help" == "usage: pulumi-resource-css-vpcep "* ]] || { echo "dist: unexpected --help: $help" >&2; exit 1; }
    out="$(css-vpcep emulator -- css-vpcep connections --cluster-id "$SAMPLE_CLUSTER")"
    python -c 'import json, sys; r = json.loads(sys.argv[1]); assert r["total_count"] == len(r["connections"]) > 0, r' "$out"
)
echo "dist: $(cd dist && ls | tr '\n' ' ')- checked, version $version, smoke-tested in a clean venv"
