"""Failures the emulator injects, and the responses that carry them to the client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from ._http import Response, reason_phrase

__all__ = ["Fault", "FaultKind", "fault_response", "gateway_error"]

FaultKind = Literal["status", "drop", "truncate", "non_json", "html", "delay"]


@dataclass
class Fault:
    """A failure the emulator injects into matching API requests.

    ``times`` limits it to the first N matching requests; ``rate`` makes each matching request fail
    with that probability (from the emulator's seeded random generator).
    """

    # The control API builds faults from JSON with pydantic: unknown keys are refused.
    __pydantic_config__ = ConfigDict(extra="forbid")

    kind: FaultKind = "status"
    """``status`` (an error status), ``drop`` (close without answering), ``truncate`` (a body cut
    short), ``non_json`` (200 with text), ``html`` (a gateway's HTML page), ``delay`` (answer late)."""
    status: Annotated[int, Field(ge=100, le=599)] = 503
    """The status of ``status`` and ``html`` faults."""
    retry_after: str | None = None
    """A ``Retry-After`` header to send with the fault."""
    times: Annotated[int, Field(ge=0)] | None = None
    """How many requests it applies to; ``None`` for every one."""
    rate: Annotated[float, Field(ge=0, le=1)] | None = None
    """The probability it applies to a request; ``None`` for always."""
    delay: Annotated[float, Field(ge=0, le=3600)] = 0.0
    """Seconds to wait before answering (``delay`` faults)."""
    target: Literal["css", "iam", "any"] = "css"
    """Which API it applies to."""
    code: str | None = None
    """The error code in the body of a ``status`` fault."""
    message: str | None = None
    """The error message in the body of a ``status`` fault."""


def gateway_error(status: int, code: str, message: str) -> Response:
    """An error in the API gateway's and IAM's shape: ``{"error_code", "error_msg"}``."""
    return Response.json(status, {"error_code": code, "error_msg": message})


def fault_response(fault: Fault) -> Response:
    """What the client receives from ``fault`` (``delay`` faults are waited out before this)."""
    if fault.kind == "drop":
        return Response(0, drop=True)
    if fault.kind == "truncate":
        return Response(200, b'{"connections": [{"id": "cut-sh', truncate=True)
    if fault.kind == "non_json":
        return Response(200, b"service busy, try later", content_type="text/plain")
    extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    phrase = reason_phrase(fault.status)
    if fault.kind == "html":
        title = f"{fault.status} {phrase}"
        page = f"<html><head><title>{title}</title></head><body><h1>{phrase}</h1><hr>gateway</body></html>"
        return Response(fault.status, page.encode(), content_type="text/html", headers=extra)
    code = fault.code or ("APIGW.0308" if fault.status == 429 else f"APIGW.{fault.status:04d}")
    response = gateway_error(fault.status, code, fault.message or phrase)
    response.headers.update(extra)
    return response
