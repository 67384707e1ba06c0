"""What a new user meets, as the README tells it: the emulator command run twice against one stack, an endpoint
that moves between runs, a preview that reads, and the plugin's word on credentials it does not read.

Programs run in their own directories through their language hosts, as in ``test_operations.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_REGION, Emulator
from tests.e2e.engine import VENV_BIN, Backend
from tests.e2e.test_operations import new_program

pytestmark = pytest.mark.timeout(600)


def emulator_command(backend: Backend, work_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``css-vpcep emulator -- pulumi <args>``, as examples/typescript/README.md runs it."""
    done = subprocess.run(
        [str(VENV_BIN / "css-vpcep"), "emulator", "--", str(backend.bin_dir / "pulumi"), *args, "--non-interactive"],
        cwd=work_dir, env=backend.env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def test_the_emulator_command_runs_up_preview_and_refresh_of_one_stack_again_and_again(backend: Backend) -> None:
    work_dir = backend.root / "projects" / "yaml-reads"
    shutil.copytree(Path(__file__).parent / "programs" / "yaml-reads", work_dir)
    backend.cli("stack", "init", "dev", cwd=work_dir)

    emulator_command(backend, work_dir, "up", "--yes", "--skip-preview")
    emulator_command(backend, work_dir, "up", "--yes", "--skip-preview", "--expect-no-changes")
    emulator_command(backend, work_dir, "preview", "--expect-no-changes")
    emulator_command(backend, work_dir, "refresh", "--yes", "--skip-preview")

    outputs = backend.cli("stack", "output", "totalCounts", cwd=work_dir).stdout
    assert re.sub(r"\s", "", outputs) == "[3,3,3,3]"


def test_a_moved_hw_css_endpoint_is_followed_without_drift_or_replacement(
    backend: Backend, emulator: Emulator, python_host: Path
) -> None:
    program = new_program(backend, emulator, "python-reads", clusterId=SAMPLE_CLUSTER_ID, count="1")
    program.cli("up", "--yes", "--skip-preview")
    created = program.export()["deployment"]["resources"][-1]

    with Emulator() as moved:
        emulator.stop()
        program.env = moved.environ()
        program.cli("preview", "--expect-no-changes")
        program.cli("up", "--yes", "--skip-preview", "--expect-no-changes")
        assert moved.state.requests["css"] == 2  # read by the preview's diff and the update's
        program.cli("refresh", "--yes", "--skip-preview")

        read = program.export()["deployment"]["resources"][-1]
        assert read["id"] == created["id"]  # not replaced
        assert read["outputs"]["endpoint"] == moved.url  # the endpoint last used
        assert created["outputs"]["endpoint"] == emulator.url


@pytest.mark.parametrize("when", ["create", "replace"])
@pytest.mark.parametrize("face", ["python", "yaml"])
def test_a_preview_reads_so_a_wrong_cluster_id_fails_it_naming_the_cluster(
    request: pytest.FixtureRequest, backend: Backend, emulator: Emulator, face: str, when: str
) -> None:
    if face == "python":
        request.getfixturevalue("python_host")
        program = new_program(backend, emulator, "python-reads", clusterId=SAMPLE_CLUSTER_ID, count="1")
    else:
        program = new_program(backend, emulator, "yaml-reads")
    if when == "replace":
        program.cli("up", "--yes", "--skip-preview")
    if face == "python":
        program.cli("config", "set", "clusterId", "no-such-cluster")
    else:
        pulumi_yaml = program.work_dir / "Pulumi.yaml"
        pulumi_yaml.write_text(pulumi_yaml.read_text().replace(SAMPLE_CLUSTER_ID, "no-such-cluster", 1))

    done = program.cli("preview", "--color", "never", check=False)

    text = done.stdout + done.stderr
    assert done.returncode != 0, text
    # (The engine puts "Preview failed: " before a plugin's error in a preview.)
    refused = r"error: (Preview failed: )?cluster no-such-cluster: HTTP 403 CSS\.0015: .* \(request id [0-9a-f]+\)$"
    assert re.search(refused, text, re.MULTILINE), text
    assert "Traceback" not in text


def test_a_plugin_preview_shows_the_real_outputs(backend: Backend, emulator: Emulator) -> None:
    done = new_program(backend, emulator, "yaml-reads").cli("preview", "--color", "never")

    assert re.search(r"totalCounts\s*:\s*\[\s*\[0\]: 3\s*\[1\]: 3\s*\[2\]: 3\s*\[3\]: 3\s*\]", done.stdout), done.stdout


def test_the_plugin_says_which_keys_it_reads_when_it_finds_no_credentials(
    backend: Backend, emulator: Emulator
) -> None:
    program = new_program(backend, emulator, "yaml-reads")
    program.env = {"HW_REGION_NAME": SAMPLE_REGION, "HW_CSS_ENDPOINT": emulator.url}
    for key, value in emulator.pulumi_config("huaweicloud").items():  # a Python program's keys, copied
        program.cli("config", "set", "--secret", key, value)

    done = program.cli("up", "--yes", "--skip-preview", "--color", "never", check=False)

    text = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(
        r"error: no credentials: set an access key and secret key \(Pulumi config css-vpcep:accessKey, "
        r"HW_ACCESS_KEY or HUAWEICLOUD_SDK_AK\); or a KooCLI profile .*; on an ECS instance with an agency, set "
        r"HW_USE_ECS_METADATA=true \(huaweicloud:\* keys are read by the Python dynamic resource only\)$",
        text, re.MULTILINE
    ), text


def test_a_misspelt_plugin_key_fails_the_preview_naming_it_and_the_key_meant(
    backend: Backend, emulator: Emulator
) -> None:
    program = new_program(backend, emulator, "yaml-reads")
    program.cli("config", "set", "css-vpcep:regoin", SAMPLE_REGION)

    done = program.cli("preview", "--color", "never", check=False)

    text = done.stdout + done.stderr
    assert done.returncode != 0
    assert "css-vpcep:regoin is not a configuration key of css-vpcep: did you mean css-vpcep:region?" in text, text


def test_a_python_programs_region_key_in_a_plugin_program_is_named_as_not_read(
    backend: Backend, emulator: Emulator
) -> None:
    program = new_program(backend, emulator, "yaml-reads")
    program.env = {k: v for k, v in emulator.environ().items() if k != "HW_REGION_NAME"}
    program.cli("config", "set", "huaweicloud:region", SAMPLE_REGION)

    done = program.cli("preview", "--color", "never", check=False)

    text = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(
        r"error: (Preview failed: )?no region: set the region argument, Pulumi config css-vpcep:region or "
        r"HW_REGION_NAME \(huaweicloud:region, the Python dynamic resource's key, is not read here\)$",
        text, re.MULTILINE,
    ), text
