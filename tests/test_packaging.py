"""What installing the package gives a user: executables that name themselves, and the metadata that
``pip show`` and package indexes display."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import metadata
from pathlib import Path

import pytest

from tests.provider_host import process_env

BIN = Path(sys.executable).parent
"""Where the installation put its executables: beside its Python."""


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ([str(BIN / "pulumi-resource-css-vpcep")], "usage: pulumi-resource-css-vpcep "),
        ([sys.executable, "-m", "pulumi_css_vpcep"], "usage: python -m pulumi_css_vpcep "),
    ],
    ids=["executable", "python -m"],
)
def test_the_plugins_help_names_the_program_as_it_was_started(command: list[str], usage: str) -> None:
    done = subprocess.run(
        [*command, "--help"], env=process_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(usage), done.stdout


def test_the_metadata_links_the_project_and_classifies_it() -> None:
    info = metadata("pulumi-css-vpcep")
    urls = dict(entry.split(", ", 1) for entry in info.get_all("Project-URL") or [])
    assert set(urls) >= {"Homepage", "Documentation", "Issues"}
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = info.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert any(c.startswith("Intended Audience :: ") for c in classifiers)
