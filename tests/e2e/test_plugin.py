"""The provider plugin under the real engine.

``examples/yaml`` runs through ``up``, ``preview``, ``refresh``, ``import`` and ``destroy`` with the
executable ``pulumi-resource-css-vpcep`` that installing this package puts on PATH, where the engine finds
it. Then the repository itself, as a user names it: ``pulumi package get-schema <repo>`` and
``pulumi package add <repo>`` (``PulumiPlugin.yaml``, run by the Python language host) in a YAML, a
Python, a TypeScript and a Go program, each of which ``pulumi up`` runs through its own language host.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pulumi import automation as auto

from pulumi_css_vpcep import __version__
from pulumi_css_vpcep._faces import camel_case
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
PREMATURE_EXIT = "exited prematurely"
"""What the CLI reports of a plugin that was gone before it closed it."""

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


def change_status(emulator: Emulator, index: int, status: str) -> tuple[str, str]:
    """Change the status of the sample cluster's connection ``index`` as another process would: through the
    emulator's control API (get the cluster, edit it, put it back). The connection's id and former status."""
    with httpx.Client(base_url=f"{emulator.url}/_emulator/", trust_env=False, timeout=10) as client:
        cluster = client.get(f"clusters/{SAMPLE_CLUSTER_ID}").raise_for_status().json()
        connection = cluster["connections"][index]
        was, connection["status"] = connection["status"], status
        client.put(f"clusters/{SAMPLE_CLUSTER_ID}", json={k: v for k, v in cluster.items() if k != "id"})
    return connection["id"], was


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

    changed, was = change_status(emulator, 1, "accepted")
    cluster = emulator.state.clusters[SAMPLE_CLUSTER_ID]
    with emulator.state.lock:
        cluster.connections.append(generate_connections(1, prefix="drift")[0])
    done = backend.cli("preview", "--diff", "--color", "never", cwd=yaml_project)
    preview = done.stdout + done.stderr
    assert re.search(r"~ 1 to update", preview), preview
    assert re.search(r"drifted from the stored outputs: connections, totalCount$", preview, re.MULTILINE), preview
    assert re.search(rf"^ +connection {changed}: status {was} -> accepted$", preview, re.MULTILINE), preview
    added = cluster.connections[-1]
    assert re.search(rf"^ +connection {added['id']} added: status {added['status']}$", preview, re.MULTILINE), preview
    assert re.search(r"^ +totalCount: 3 -> 4$", preview, re.MULTILINE), preview

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


def test_a_yaml_stack_reads_a_plugin_stacks_outputs_through_a_stack_reference(
    backend: Backend, yaml_project: Path, tmp_path: Path
) -> None:
    backend.cli("up", "--yes", "--skip-preview", cwd=yaml_project)
    source = outputs(backend, yaml_project)
    consumer = tmp_path / "yaml-consume"
    shutil.copytree(EXAMPLES / "yaml-consume", consumer)
    backend.cli("stack", "init", "dev", cwd=consumer)
    backend.cli("config", "set", "sourceStack", "organization/css-vpcep-yaml/e2e", cwd=consumer)

    backend.cli("up", "--yes", "--skip-preview", cwd=consumer)

    assert outputs(backend, consumer) == {
        "vpcServiceName": source["vpcServiceName"],
        "sourceTotalCount": source["totalCount"],
        "connections": source["connections"],
    }


def test_pulumi_package_add_takes_the_installed_plugin(backend: Backend, yaml_project: Path) -> None:
    backend.cli("package", "add", str(PLUGIN), cwd=yaml_project)

    project_file = (yaml_project / "Pulumi.yaml").read_text(encoding="utf-8")
    assert f"packages:\n  css-vpcep: css-vpcep@{__version__}" in project_file
    backend.cli("up", "--yes", "--skip-preview", cwd=yaml_project)
    assert outputs(backend, yaml_project)["totalCount"] == 3


# The repository as a package: PulumiPlugin.yaml through the Python language host


@pytest.fixture(scope="module")
def repository(python_host: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files, as a fresh clone has them: the Python host installs the plugin into a
    ``venv`` beside ``PulumiPlugin.yaml``, which must be built from this code, not left from an older run."""
    root = Path(__file__).resolve().parents[2]
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    copy = tmp_path_factory.mktemp("repository") / "pulumi-css-vpcep"
    for name in filter(None, listed):
        if (root / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, copy / name)
    return copy


@pytest.fixture(scope="module")
def schema(bin_dir: Path, repository: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``pulumi package get-schema <repo>``: the CLI installs the plugin from PulumiPlugin.yaml and asks it."""
    home = tmp_path_factory.mktemp("home")
    done = Backend(bin_dir, home).cli("package", "get-schema", str(repository), cwd=home, timeout=900)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_get_schema_of_the_repository_names_the_resource_the_function_and_the_configuration(
    schema: dict[str, Any],
) -> None:
    assert schema["name"] == "css-vpcep"
    assert schema["version"] == __version__
    assert list(schema["resources"]) == ["css-vpcep:index:VpcepConnections"]
    assert list(schema["functions"]) == ["css-vpcep:index:getVpcepConnections"]
    assert {"accessKey", "secretKey", "securityToken", "region", "projectId", "cloud", "authUrl", "insecure"} <= set(
        schema["config"]["variables"]
    )
    assert schema["repository"] == "https://github.com/pulumi-css-vpcep/pulumi-css-vpcep"
    assert schema["language"]["go"]["importBasePath"] == "github.com/pulumi-css-vpcep/pulumi-css-vpcep/sdk/go/cssvpcep"
    assert schema["language"]["nodejs"]["packageName"] == "@pulumi-css-vpcep/css-vpcep"


def expected_outputs(emulator: Emulator) -> dict[str, Any]:
    """What every language's program exports for the sample cluster: ``css-vpcep connections --output json``
    in camelCase, without the null fields the engine drops from a provider's outputs."""
    done = subprocess.run(
        [str(VENV_BIN / "css-vpcep"), "connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--output", "json"],
        env={"PATH": str(VENV_BIN), **emulator.environ()}, capture_output=True, text=True, timeout=60, check=True,
    )
    read = json.loads(done.stdout)

    def plugin_shape(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{camel_case(k): v for k, v in item.items() if v is not None} for item in items]

    return {
        "resourceId": RESOURCE_ID,
        "totalCount": read["total_count"],
        "vpcServiceName": read["vpc_service_name"],
        "connections": plugin_shape(read["connections"]),
        "permissions": plugin_shape(read["permissions"]),
        "invokedTotalCount": read["total_count"],
    }


def go_environment(bin_dir: Path) -> dict[str, str]:
    """Go with the toolchain's module cache, so modules downloaded for the CLI are not downloaded again."""
    return {"GOMODCACHE": str(bin_dir.parents[1] / "gomod"), "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}


def prepare_typescript(project: Path, _bin_dir: Path) -> dict[str, str]:
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=project, check=True)
    return {}


def prepare_go(_project: Path, bin_dir: Path) -> dict[str, str]:
    return go_environment(bin_dir)


def prepare_nothing(_project: Path, _bin_dir: Path) -> dict[str, str]:
    return {}


PROGRAMS: dict[str, tuple[Path, str, Callable[[Path, Path], dict[str, str]]]] = {
    "yaml": (EXAMPLES / "yaml", "", prepare_nothing),
    "python": (Path(__file__).parent / "programs" / "python-sdk", "python_host", prepare_nothing),
    "typescript": (EXAMPLES / "typescript", "nodejs_host", prepare_typescript),
    "go": (EXAMPLES / "go", "go_host", prepare_go),
}
"""Each language's program, the language host it needs besides Python's, and what it needs first."""

MANIFESTS = {"yaml": "Pulumi.yaml", "python": "requirements.txt", "typescript": "package.json", "go": "go.mod"}
SDK_NAMES = {
    "yaml": "css-vpcep",
    "python": "sdks/css-vpcep",
    "typescript": '"@pulumi-css-vpcep/css-vpcep": "file:sdks/css-vpcep"',
    "go": "github.com/pulumi-css-vpcep/pulumi-css-vpcep/sdk/go => ./sdks/css-vpcep",
}
"""What ``pulumi package add`` records in each program's manifest: the SDK under the project's own name."""


@pytest.mark.parametrize("language", list(PROGRAMS))
def test_package_add_of_the_repository_then_up_gives_every_language_the_same_outputs(
    language: str,
    bin_dir: Path,
    backend: Backend,
    emulator: Emulator,
    repository: Path,
    request: pytest.FixtureRequest,
) -> None:
    source, host, prepare = PROGRAMS[language]
    if host:
        request.getfixturevalue(host)
    env = {"HW_CSS_ENDPOINT": emulator.url}
    stack = backend.program_stack(source, "e2e", env, name=f"{language}-program")
    # The executable on PATH must not stand in for the package: the engine takes the one `package add` names.
    stack.env["PATH"] = os.pathsep.join(p for p in backend.env["PATH"].split(os.pathsep) if p != str(VENV_BIN))
    stack.env.update(prepare(stack.work_dir, bin_dir))

    added = stack.cli("package", "add", str(repository), stack_flag=False, timeout=900)
    assert PREMATURE_EXIT not in added.text
    # The README's way to the emulator for a plugin user: the command in the virtualenv `package add` built.
    command = [str(repository / "venv" / "bin" / "css-vpcep"), "connections", "--cluster-id", SAMPLE_CLUSTER_ID]
    read = subprocess.run(command, env={"PATH": "", **emulator.environ()}, capture_output=True, timeout=60)
    assert read.returncode == 0, read.stderr

    project_file = (stack.work_dir / "Pulumi.yaml").read_text(encoding="utf-8")
    assert re.search(rf"^packages:\n  css-vpcep: {re.escape(str(repository))}$", project_file, re.MULTILINE)
    assert SDK_NAMES[language] in "".join(  # the program's manifest names the SDK by the project's own name
        path.read_text(encoding="utf-8") for path in stack.work_dir.glob(MANIFESTS[language])
    )
    if language == "typescript":  # the program type-checks against the generated SDK, as `tsc` builds it
        tsc = ["npx", "--no-install", "tsc", "--noEmit"]
        subprocess.run(tsc, cwd=stack.work_dir, env={**backend.env, **stack.env}, check=True, timeout=300)
    for key, value in emulator.pulumi_config("css-vpcep").items():
        stack.set_config(key, value, secret=key.endswith("Key"))
    up = stack.up()
    assert "pulumi-resource-css-vpcep from $PATH" not in up.text
    assert PREMATURE_EXIT not in up.text
    outputs = stack.outputs()
    assert {key: outputs[key] for key in expected_outputs(emulator)} == expected_outputs(emulator)
    stack.up("--expect-no-changes")
    emulator.state.reset_counts()
    stack.destroy()
    assert emulator.state.requests["css"] == 0
    assert stack.resources() == []

    # A refusal, of the function's invoke as of the resource, is its one line in every language.
    stack.set_config("clusterId", "no-such-cluster")
    with pytest.raises(auto.CommandError) as refused:
        stack.up()
    text = str(refused.value)
    print(f"{language}:", *[line for line in text.splitlines() if "no-such-cluster" in line], sep="\n  ")
    assert re.search(r"cluster no-such-cluster: HTTP 403 CSS\.0015: .*\(request id [0-9a-f]+\)", text), text
    if language != "python":
        # Pulumi's Python SDK raises a failed invoke as an Exception of its own, whose traceback the Python
        # host prints under the line: nothing a provider answers changes that.
        assert "Traceback" not in text


def test_pulumi_install_of_a_program_naming_the_repository_under_packages_keeps_the_plugin_until_closed(
    backend: Backend, repository: Path, tmp_path: Path
) -> None:
    # What a teammate runs after cloning a program that `package add` changed. The Python language host kills
    # the plugin it started when the CLI's install steps end, before the CLI closes it (Pulumi 3.274).
    project = tmp_path / "teammate"
    project.mkdir()
    manifest = f"name: teammate\nruntime: yaml\npackages:\n  css-vpcep: {repository}\n"
    (project / "Pulumi.yaml").write_text(manifest, encoding="utf-8")

    done = backend.cli("install", cwd=project, timeout=900)

    assert PREMATURE_EXIT not in done.stdout + done.stderr
    assert (project / "sdks" / "css-vpcep").is_dir()


def test_the_go_examples_unit_test_passes_under_pulumis_mocks(
    bin_dir: Path, backend: Backend, repository: Path, go_host: Path
) -> None:
    # `go test` needs the SDK that `pulumi package add` generates, as a user's CI would have it.
    stack = backend.program_stack(EXAMPLES / "go", "test", go_environment(bin_dir), name="go-unit-test")
    stack.cli("package", "add", str(repository), stack_flag=False, timeout=900)

    done = subprocess.run(["go", "test", "-v", "./..."], cwd=stack.work_dir, env={**backend.env, **stack.env},
                          capture_output=True, text=True, timeout=900, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert re.findall(r"^--- PASS: (\w+)", done.stdout, re.MULTILINE) == [
        "TestTheProgramRunsUnderMocks", "TestOnlyAcceptedConnectionsWithADNSNameAreExported"
    ], done.stdout


def test_a_refused_read_is_the_resources_one_line_error_under_the_cli(
    backend: Backend, emulator: Emulator, yaml_project: Path
) -> None:
    backend.cli("config", "set", "clusterId", "no-such-cluster", cwd=yaml_project)

    done = backend.cli("up", "--yes", "--skip-preview", "--color", "never", cwd=yaml_project, check=False)

    assert done.returncode != 0
    text = done.stdout + done.stderr
    line = r"error: cluster no-such-cluster: HTTP 403 CSS\.0015: .*\(request id [0-9a-f-]{8,}\)$"
    assert re.search(line, text, re.MULTILINE), text
    assert "Traceback" not in text
