"""What installing the package gives a user: executables that name themselves, and the metadata that
``pip show`` and package indexes display."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import distribution, metadata, version
from pathlib import Path

import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2

import pulumi_css_vpcep
from tests.provider_host import process_env, provider_process

BIN = Path(sys.executable).parent
"""Where the installation put its executables: beside its Python."""
PLUGIN_MARKER = Path(pulumi_css_vpcep.__file__).parent / "pulumi-plugin.json"


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
    assert {f"Programming Language :: Python :: 3.{minor}" for minor in (11, 12, 13)} <= set(classifiers)
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert any(c.startswith("Intended Audience :: ") for c in classifiers)


def test_the_distribution_carries_the_license_and_the_plugin_marker() -> None:
    files = {str(path) for path in distribution("pulumi-css-vpcep").files or []}
    assert metadata("pulumi-css-vpcep").get_all("License-File") == ["LICENSE"]
    assert any(name.endswith("LICENSE") for name in files)
    # The Python language host reads it to know that this distribution has no plugin to download (a wheel
    # without it made `pulumi package add <repo>` fail: make e2e installs the package from a wheel).
    assert json.loads(PLUGIN_MARKER.read_text(encoding="utf-8")) == {"resource": False}


def test_one_version_in_the_distribution_the_package_the_schema_and_the_plugin_info() -> None:
    with provider_process(["-m", "pulumi_css_vpcep", "127.0.0.1:1"], process_env()) as plugin:
        info = plugin.stub.GetPluginInfo(empty_pb2.Empty())
        schema = json.loads(plugin.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema)

    assert info.version == schema["version"] == pulumi_css_vpcep.__version__ == version("pulumi-css-vpcep")
