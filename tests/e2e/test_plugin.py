"""The provider plugin under the real engine: ``examples/yaml`` through ``up``, ``preview``, ``refresh``,
``import`` and ``destroy``; ``pulumi package get-schema``; the Node.js, Go and Python SDKs generated from
that schema, built, and the Python one driven by a program.

The plugin is the executable ``pulumi-resource-css-vpcep`` that installing this package puts on PATH;
the engine finds it there, as it finds any provider installed beside a program.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_css_vpcep import __version__
from pulumi_css_vpcep.emulator import (
    SAMPLE_ACCESS_KEY,
    SAMPLE_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    SAMPLE_SECRET_KEY,
    Emulator,
    generate_connections,
)
from tests.e2e.engine import VENV_BIN, Backend

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PLUGIN = VENV_BIN / "pulumi-resource-css-vpcep"
RESOURCE_ID = f"{SAMPLE_REGION}:{SAMPLE_PROJECT_ID}:{SAMPLE_CLUSTER_ID}"
NODE_TOOLS = {"typescript": "5.9.3", "@types/node": "20.19.43", "@pulumi/pulumi": "3.270.0"}

pytestmark = pytest.mark.timeout(1200)


@pytest.fixture
def yaml_project(backend: Backend, emulator: Emulator, tmp_path: Path) -> Path:
    """``examples/yaml`` as stack ``e2e``: credentials and region from the plugin's configuration, the CSS
    endpoint from the environment (the plugin has no configuration key for it)."""
    project = tmp_path / "yaml"
    shutil.copytree(EXAMPLES / "yaml", project)
    backend.extra_env["HW_CSS_ENDPOINT"] = emulator.url
    backend.cli("stack", "init", "e2e", cwd=project)
    for key, value in emulator.pulumi_config("css-vpcep").items():
        secret = ["--secret"] if key.endswith(("accessKey", "secretKey")) else []
        backend.cli("config", "set", *secret, key, value, cwd=project)
    return project


def outputs(backend: Backend, project: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(backend.cli("stack", "output", "--json", cwd=project).stdout)
    return result


def test_yaml_example_reads_shows_drift_refreshes_and_forgets(
    backend: Backend, emulator: Emulator, yaml_project: Path
) -> None:
    backend.cli("up", "--yes", "--skip-preview", cwd=yaml_project)
    first = outputs(backend, yaml_project)
    assert first["resourceId"] == RESOURCE_ID
    assert first["totalCount"] == first["invokedTotalCount"] == 3
    assert [c["status"] for c in first["connections"]] == ["accepted", "pendingAcceptance", "rejected"]
    backend.cli("preview", "--expect-no-changes", cwd=yaml_project)

    cluster = emulator.state.clusters[SAMPLE_CLUSTER_ID]
    with emulator.state.lock:
        cluster.connections.append(generate_connections(1, prefix="drift")[0])
        cluster.connections[1]["status"] = "accepted"
    done = backend.cli("preview", "--diff", "--color", "never", cwd=yaml_project)
    preview = done.stdout + done.stderr
    assert re.search(r"~ 1 to update", preview), preview
    assert re.search(r"drifted from the stored outputs: connections, totalCount$", preview, re.MULTILINE), preview

    backend.cli("up", "--yes", "--skip-preview", cwd=yaml_project)
    assert outputs(backend, yaml_project)["totalCount"] == 4
    backend.cli("refresh", "--yes", "--expect-no-changes", cwd=yaml_project)

    emulator.state.reset_counts()
    backend.cli("destroy", "--yes", "--skip-preview", cwd=yaml_project)
    assert emulator.state.requests["css"] == 0
    backend.cli("stack", "rm", "--yes", cwd=yaml_project)


def test_credentials_set_without_secret_are_kept_encrypted_in_the_state(backend: Backend, yaml_project: Path) -> None:
    backend.cli("config", "set", "css-vpcep:accessKey", SAMPLE_ACCESS_KEY, cwd=yaml_project)
    backend.cli("config", "set", "--plaintext", "css-vpcep:secretKey", SAMPLE_SECRET_KEY, cwd=yaml_project)

    backend.cli("up", "--yes", "--skip-preview", cwd=yaml_project)

    # The state (checkpoints and their backups) holds the provider's checked configuration, encrypted. A value
    # set in plain text stays in plain text where Pulumi keeps configuration itself: the stack's file and the
    # update history.
    exported = backend.cli("stack", "export", cwd=yaml_project).stdout
    states = [path.read_text(encoding="utf-8") for kind in ("stacks", "backups")
              for path in (backend.state_dir / ".pulumi" / kind).rglob("*.json")]
    for text in (exported, *states):
        assert SAMPLE_SECRET_KEY not in text
        assert SAMPLE_ACCESS_KEY not in text
    assert outputs(backend, yaml_project)["totalCount"] == 3


def test_pulumi_import_reads_a_resource_back_from_its_id(backend: Backend, yaml_project: Path) -> None:
    backend.cli("up", "--yes", "--skip-preview", cwd=yaml_project)

    backend.cli("import", "css-vpcep:index:VpcepConnections", "imported", RESOURCE_ID, "--yes", cwd=yaml_project)

    resources = json.loads(backend.cli("stack", "export", cwd=yaml_project).stdout)["deployment"]["resources"]
    imported = next(r for r in resources if r["urn"].endswith("::imported"))
    created = next(r for r in resources if r["urn"].endswith("::connections"))
    assert imported["id"] == RESOURCE_ID
    assert imported["outputs"] == created["outputs"]


def test_pulumi_package_add_takes_the_installed_plugin(backend: Backend, yaml_project: Path) -> None:
    backend.cli("package", "add", str(PLUGIN), cwd=yaml_project)

    project_file = (yaml_project / "Pulumi.yaml").read_text(encoding="utf-8")
    assert f"packages:\n  css-vpcep: css-vpcep@{__version__}" in project_file
    backend.cli("up", "--yes", "--skip-preview", cwd=yaml_project)
    assert outputs(backend, yaml_project)["totalCount"] == 3


# The schema and the SDKs generated from it


@pytest.fixture(scope="module")
def schema(bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pulumi package get-schema`` of the installed plugin, written to a file."""
    home = tmp_path_factory.mktemp("home")
    backend = Backend(bin_dir, home)
    text = backend.cli("package", "get-schema", str(PLUGIN), cwd=home).stdout
    path = home / "schema.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sdks(bin_dir: Path, schema: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Node.js, Go and Python SDKs, from Pulumi's own generators at the CLI's version."""
    out = tmp_path_factory.mktemp("sdks")
    subprocess.run([str(bin_dir / "pulumi-gen-sdk"), str(schema), str(out), "nodejs", "go", "python"], check=True)
    return out


def test_get_schema_names_the_resource_the_function_and_the_configuration(schema: Path) -> None:
    spec = json.loads(schema.read_text(encoding="utf-8"))

    assert spec["name"] == "css-vpcep"
    assert list(spec["resources"]) == ["css-vpcep:index:VpcepConnections"]
    assert list(spec["functions"]) == ["css-vpcep:index:getVpcepConnections"]
    assert {"accessKey", "secretKey", "securityToken", "region", "projectId", "cloud", "authUrl", "insecure"} <= set(
        spec["config"]["variables"]
    )


def go_environment(bin_dir: Path) -> dict[str, str]:
    """Go with the toolchain's module cache, so modules downloaded for the CLI are not downloaded again."""
    return {**os.environ, "GOMODCACHE": str(bin_dir.parents[1] / "gomod"), "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}


def test_the_generated_go_sdk_builds(bin_dir: Path, sdks: Path) -> None:
    package = sdks / "go" / "cssvpcep"
    imports = re.search(r'"([^"]+)/internal"', (package / "vpcepConnections.go").read_text(encoding="utf-8"))
    assert imports is not None
    (package / "go.mod").write_text(f"module {imports.group(1)}\n\ngo 1.24\n", encoding="utf-8")
    env = go_environment(bin_dir)

    subprocess.run(["go", "get", "github.com/pulumi/pulumi/sdk/v3@v3.274.1"], cwd=package, env=env, check=True)
    subprocess.run(["go", "mod", "tidy"], cwd=package, env=env, check=True)
    built = subprocess.run(["go", "build", "./..."], cwd=package, env=env, capture_output=True, text=True)

    assert built.returncode == 0, built.stderr


@pytest.fixture(scope="module")
def node_tools(bin_dir: Path) -> Path:
    """TypeScript, Node's types and ``@pulumi/pulumi``, installed once into the toolchain's cache.

    ``@pulumi/pulumi`` 3.249 and later declare Node 22; the SDK is only compiled here, never run, so the
    version the SDK asks for is installed all the same.
    """
    key = "-".join(f"{name.replace('/', '+')}@{version}" for name, version in NODE_TOOLS.items())
    prefix = bin_dir.parents[1] / f"node-tools-{key}"
    if not (prefix / "node_modules" / ".bin" / "tsc").exists():
        prefix.mkdir(parents=True, exist_ok=True)
        packages = [f"{name}@{version}" for name, version in NODE_TOOLS.items()]
        subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", *packages],
            check=True,
        )
    return prefix / "node_modules"


@pytest.fixture(scope="module")
def typescript_sdk(sdks: Path, node_tools: Path) -> Path:
    """The generated Node.js SDK, compiled with ``tsc`` into its ``bin`` folder, as its package builds it."""
    package = sdks / "nodejs"
    (package / "node_modules").symlink_to(node_tools)
    compiled = subprocess.run(
        [str(node_tools / ".bin" / "tsc"), "-p", str(package)], cwd=package, capture_output=True, text=True
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    shutil.copy(package / "package.json", package / "bin" / "package.json")
    return package / "bin"


def test_the_generated_typescript_sdk_compiles(typescript_sdk: Path) -> None:
    assert (typescript_sdk / "vpcepConnections.js").is_file()
    assert (typescript_sdk / "index.d.ts").is_file()


def test_the_typescript_example_compiles_against_the_generated_sdk(
    typescript_sdk: Path, node_tools: Path, tmp_path: Path
) -> None:
    """The example cannot run here (no Node.js language host), but it type-checks against the SDK."""
    project = tmp_path / "typescript"
    shutil.copytree(EXAMPLES / "typescript", project, ignore=shutil.ignore_patterns("node_modules"))
    modules = project / "node_modules"
    (modules / "@pulumi").mkdir(parents=True)
    (modules / "@pulumi" / "pulumi").symlink_to(node_tools / "@pulumi" / "pulumi")
    (modules / "@pulumi" / "css-vpcep").symlink_to(typescript_sdk)
    (modules / "@types").symlink_to(node_tools / "@types")

    compiled = subprocess.run(
        [str(node_tools / ".bin" / "tsc"), "-p", str(project), "--noEmit"], cwd=project, capture_output=True, text=True
    )

    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_the_generated_python_sdk_creates_invokes_and_gets_by_id(
    backend: Backend, emulator: Emulator, sdks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Installed (into a folder of its own), as the SDK reads its version from its distribution's metadata.
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(sdks / "python")],
        check=True,
    )
    monkeypatch.syspath_prepend(str(site))
    import pulumi_css_vpcep_sdk as sdk  # type: ignore[import-not-found]  # generated by this test

    def create() -> None:
        read = sdk.VpcepConnections("read", cluster_id=SAMPLE_CLUSTER_ID)
        current = sdk.get_vpcep_connections_output(cluster_id=SAMPLE_CLUSTER_ID)
        pulumi.export("id", read.id)
        pulumi.export("total_count", read.total_count)
        pulumi.export("invoked_total_count", current.total_count)

    def get_by_id() -> None:
        again = sdk.VpcepConnections.get("again", RESOURCE_ID)
        pulumi.export("total_count", again.total_count)
        pulumi.export("statuses", again.connections.apply(lambda cs: [c.status for c in cs]))

    env = {"HW_CSS_ENDPOINT": emulator.url}
    stack = backend.inline_stack("css-vpcep-sdk", "dev", create, env=env)
    for key, value in emulator.pulumi_config("css-vpcep").items():
        stack.set_config(key, value, secret=key.endswith("Key"))
    stack.up()
    assert stack.outputs() == {"id": RESOURCE_ID, "total_count": 3, "invoked_total_count": 3}

    stack.stack.workspace.program = get_by_id
    stack.up()
    assert stack.outputs() == {"total_count": 3, "statuses": ["accepted", "pendingAcceptance", "rejected"]}
    assert sys.modules["pulumi_css_vpcep_sdk"] is sdk
