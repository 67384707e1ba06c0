"""Record the stack exports that ``test_operations.py`` imports to guard existing stacks.

Run it with the interpreter of a checkout of the release to record (its ``.venv`` with the package
installed), from that checkout's root, with ``tests/e2e/programs/python-reads`` and ``yaml-reads`` and this
file copied in, and the pinned toolchain in ``CSS_VPCEP_PULUMI_BIN``:

    CSS_VPCEP_PULUMI_BIN=... PULUMI_LANGUAGE_HOSTS=... .venv/bin/python tests/e2e/states/record.py OUT_DIR

Each program runs ``pulumi up`` against the emulator, with credentials and endpoints from ``HW_*`` variables
only (so the state holds no configuration), then ``pulumi stack export --show-secrets`` (the pickled dynamic
provider is a secret: in plain text, any stack can import it) is written to ``OUT_DIR/<program>.json``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from tests.e2e.engine import Backend, toolchain

PROGRAMS = {"python-reads": {"clusterId": SAMPLE_CLUSTER_ID, "count": "2"}, "yaml-reads": {}}


def main() -> None:
    out = Path(sys.argv[1])
    bin_dir = toolchain()
    assert bin_dir is not None, "set CSS_VPCEP_PULUMI_BIN"
    for name, config in PROGRAMS.items():
        with tempfile.TemporaryDirectory() as tmp, Emulator() as emulator:
            backend = Backend(bin_dir, Path(tmp) / "pulumi")
            work_dir = Path(tmp) / name
            shutil.copytree(Path("tests/e2e/programs") / name, work_dir)
            env = emulator.environ()
            backend.cli("stack", "init", "dev", cwd=work_dir, env=env)
            for key, value in config.items():
                backend.cli("config", "set", key, value, cwd=work_dir, env=env)
            backend.cli("up", "--yes", "--skip-preview", cwd=work_dir, env=env)
            exported = backend.cli("stack", "export", "--show-secrets", cwd=work_dir, env=env).stdout
            (out / f"{name}.json").write_text(exported, encoding="utf-8")


if __name__ == "__main__":
    main()
