"""The suite's own rule: nothing a test runs reaches beyond loopback (``network_guard``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests import network_guard


def test_a_connection_beyond_loopback_is_refused_and_recorded() -> None:
    with socket.socket() as sock, pytest.raises(PermissionError, match="loopback only"):
        sock.connect(("169.254.169.254", 80))
    assert network_guard.ATTEMPTS == ["169.254.169.254"]
    network_guard.ATTEMPTS.clear()  # this test's attempt is the point, not a failure


def test_a_name_beyond_loopback_does_not_resolve() -> None:
    with pytest.raises(socket.gaierror, match="loopback only"):
        socket.getaddrinfo("iam.cn-north-4.myhuaweicloud.com", 443)
    assert socket.getaddrinfo("localhost", 80)


def test_a_python_process_the_tests_start_is_guarded_too() -> None:
    script = "import socket\ntry:\n    socket.create_connection(('169.254.169.254', 80), timeout=1)\n" \
             "except PermissionError as exc:\n    print('refused', exc)\n"
    done = subprocess.run([sys.executable, "-c", script], env=dict(os.environ), capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.startswith("refused")


def test_the_tests_home_holds_no_credentials_of_the_machine() -> None:
    home = os.environ["HOME"]
    assert os.listdir(home) == []
