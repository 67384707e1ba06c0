"""A local stand-in for the CSS and IAM endpoints, so everything runs without a cloud account.

It serves, on a loopback address only:

- ``GET /v1.0/{project_id}/clusters/{cluster_id}/vpcepservice/connections`` with ``offset`` and
  ``limit``, a page cap, and the service's loose types (``"maxSession": "3000"``);
- ``GET /v3/projects?name={region}`` as IAM does;
- a control API under ``/_emulator/`` (unsigned) to change data and inject faults from another
  process (its routes are listed in ``_control.py``).

Every API request must be signed (``SDK-HMAC-SHA256``) with a known key pair and a date within 15
minutes, or it is refused with 401 ``APIGW.0301`` as the gateway does. Responses are written in one
piece, connections are kept alive, and requests are served concurrently, so the emulator is not the
bottleneck of a benchmark.

Run it with ``css-vpcep emulator`` (or ``python -m pulumi_css_vpcep.emulator``); give a command after
``--`` to run it with the ``HW_*`` variables pointing at the emulator. From Python, ``with Emulator()
as emu:`` serves from a thread.

The parts, each in a private module: ``_samples`` (the sample data), ``_state`` (what is served, and
the data-file model), ``_faults`` (injected failures), ``_http`` (HTTP/1.1 framing), ``_service`` (the
CSS and IAM APIs: signatures, routing, handlers), ``_control`` (the control API), ``_server``
(``Emulator``) and ``_command`` (``css-vpcep emulator``). Importing this package does not import Pulumi or gRPC.
"""

from __future__ import annotations

from ._command import main
from ._faults import Fault
from ._samples import (
    SAMPLE_ACCESS_KEY,
    SAMPLE_CLUSTER_ID,
    SAMPLE_DISABLED_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    SAMPLE_SECRET_KEY,
    generate_connections,
)
from ._server import Emulator
from ._service import MAX_CLOCK_SKEW
from ._state import Cluster, EmulatorState, ReadTarget, sample_state

__all__ = [
    "MAX_CLOCK_SKEW",
    "SAMPLE_ACCESS_KEY",
    "SAMPLE_CLUSTER_ID",
    "SAMPLE_DISABLED_CLUSTER_ID",
    "SAMPLE_PROJECT_ID",
    "SAMPLE_REGION",
    "SAMPLE_SECRET_KEY",
    "Cluster",
    "Emulator",
    "EmulatorState",
    "Fault",
    "ReadTarget",
    "generate_connections",
    "main",
    "sample_state",
]
