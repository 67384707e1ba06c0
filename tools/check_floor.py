"""Fail unless every runtime dependency of pulumi-css-vpcep is installed at the lower bound it declares.

``make test-floor`` runs it in the venv that uv's lowest-direct resolution built, so the unit suite that
follows tests the declared bounds, not whatever a resolver happened to choose.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import requires, version


def _release(text: str) -> tuple[int, ...]:
    parts = [int(part) for part in re.findall(r"\d+", text.split("+")[0])]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def main() -> int:
    wrong = []
    for requirement in requires("pulumi-css-vpcep") or []:
        if "extra ==" in requirement:
            continue
        name = re.match(r"[A-Za-z0-9_.-]+", requirement)
        lower = re.search(r">=\s*([0-9][^,;\s]*)", requirement)
        if name is None or lower is None:
            wrong.append(f"{requirement}: no lower bound declared")
            continue
        installed = version(name.group())
        print(f"{name.group()} {installed} (declared {requirement})")
        if _release(installed) != _release(lower.group(1)):
            wrong.append(f"{name.group()}: {installed} installed, the declared lower bound is {lower.group(1)}")
    for line in wrong:
        print(f"check_floor: {line}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
