"""Installs the tests' network guard (``tests/network_guard.py``) in every Python process that the tests
start with this folder on ``PYTHONPATH`` and ``CSS_VPCEP_TESTS_LOOPBACK_ONLY`` set."""

import os
import sys

if os.environ.get("CSS_VPCEP_TESTS_LOOPBACK_ONLY"):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    try:
        from tests.network_guard import install
    finally:
        del sys.path[0]
    install()
