"""Fixtures of the real-engine suite (``make e2e``): the pinned toolchain and a fresh backend per test.

Under CI (``CI`` set to anything but ``false``/``0``) a skipped test is a failure: every case here must
run on CI's machine, so a missing toolchain or tool cannot pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.e2e.engine import HOSTS_VARIABLE, TOOLCHAIN_VARIABLE, Backend, language_hosts, toolchain


def _strict() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `make test` deselects these (`-m "not e2e"` in pyproject); `make e2e` selects them.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and _strict() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CI, which counts as a failure: {reason}"
    return report


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    found = toolchain()
    if found is None:
        pytest.skip(f"no pinned Pulumi toolchain: run `make e2e` (it builds one and sets {TOOLCHAIN_VARIABLE})")
    return Path(found)


@pytest.fixture
def backend(bin_dir: Path, tmp_path: Path) -> Backend:
    """A fresh ``file://`` backend and PULUMI_HOME for this test only."""
    return Backend(bin_dir, tmp_path / "pulumi")


def _host(language: str) -> Path:
    found = language_hosts(language)
    if found is None:
        pytest.skip(
            f"no pulumi-language-{language}: set {HOSTS_VARIABLE} to a folder that has it (a Pulumi installation's "
            "bin folder; .ci/run uses ../shared/pulumi-hosts/bin)"
        )
    return found


@pytest.fixture(scope="session")
def python_host() -> Path:
    """The folder of the Python language host, which runs Python programs and ``PulumiPlugin.yaml``."""
    return _host("python")


@pytest.fixture(scope="session")
def nodejs_host() -> Path:
    return _host("nodejs")


@pytest.fixture(scope="session")
def go_host() -> Path:
    return _host("go")
