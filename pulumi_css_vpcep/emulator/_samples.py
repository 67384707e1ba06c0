"""The sample data the emulator serves when it is given none, and generated connections.

The sample clusters are written as a data file writes them (see ``state.DataFile``), with the loose
types the real service sends: ``"maxSession": "3000"`` beside ``1000``, and a field the documentation
does not know.
"""

from __future__ import annotations

from typing import Any

SAMPLE_REGION = "cn-north-4"
SAMPLE_PROJECT_ID = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
SAMPLE_CLUSTER_ID = "4f3deec3-efa6-4ee3-a5b1-7a2bbd7d9e7a"
SAMPLE_DISABLED_CLUSTER_ID = "9c1d0e2f-0000-4a4a-8b8b-5d6e7f8091a2"
SAMPLE_ACCESS_KEY = "EMULATORACCESSKEY000"
SAMPLE_SECRET_KEY = "emulator-secret-key-not-a-real-secret"  # noqa: S105 - the emulator's public demo key
SAMPLE_DOMAIN_NAME = "emulator-domain"
SAMPLE_DOMAIN_ID = "0e1d2c3b4a5948a7b6c5d4e3f2a1b0c9"
SAMPLE_AGENCY = "css-reader"
"""An agency of ``SAMPLE_DOMAIN_NAME`` that the sample key may assume."""
SAMPLE_IDENTITY_PROVIDER = "emulator-oidc"
SAMPLE_ID_TOKEN = "emulator-id-token-not-a-real-jwt"  # noqa: S105 - the emulator's public demo id token
"""The id token ``SAMPLE_IDENTITY_PROVIDER`` accepts."""
SAMPLE_INSTANCE_AGENCY = "ecs-css-reader"
"""The agency attached to the emulated instance (its metadata API gives its keys)."""


def generate_connections(count: int, *, prefix: str = "ep", start: int = 0) -> list[dict[str, Any]]:
    """``count`` connections in the API's shape, with the loose types the real service sends."""
    statuses = ("accepted", "accepted", "accepted", "rejected", "pendingAcceptance")
    return [
        {
            "id": f"{prefix}-{i:06d}-7a1c-4b2e-9f30-{i:012x}",
            "status": statuses[i % len(statuses)],
            "maxSession": str(1000 * (1 + i % 5)) if i % 2 else 1000 * (1 + i % 5),
            "specificationName": "default",
            "created_at": f"2024-0{1 + i % 9}-1{i % 10}T08:00:07Z",
            "update_at": None if i % 3 else f"2024-10-1{i % 10}T09:30:00Z",
            "domain_id": f"d{i % 7:031x}",
            "vpcepIp": f"192.168.{(i // 250) % 256}.{1 + i % 250}",
            "vpcepIpv6Address": None,
            "vpcepDnsName": f"{prefix}-{i:06d}.vpcep.cn-north-4.myhuaweicloud.com",
        }
        for i in range(start, start + count)
    ]


def sample_clusters() -> list[dict[str, Any]]:
    """The sample clusters, fresh on every call: one with three connections, one not enabled."""
    return [
        {
            "id": SAMPLE_CLUSTER_ID,
            "project_id": SAMPLE_PROJECT_ID,
            "connections": _sample_connections(),
            "permissions": _sample_permissions(),
            "vpcServiceName": "cn-north-4.css-4f3deec3.b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
            "vpcepUpdateSwitch": "false",
        },
        {"id": SAMPLE_DISABLED_CLUSTER_ID, "project_id": SAMPLE_PROJECT_ID, "enabled": False},
    ]


def _sample_connections() -> list[dict[str, Any]]:
    return [
        {
            "id": "8e4b1c2a-5d6f-4a7b-9c0d-1e2f3a4b5c6d",
            "status": "accepted",
            "maxSession": "3000",
            "specificationName": "default",
            "created_at": "2024-03-11T08:00:07Z",
            "update_at": None,
            "domain_id": "2f3e4d5c6b7a48999a8b7c6d5e4f3a2b",
            "vpcepIp": "192.168.0.21",
            "vpcepIpv6Address": None,
            "vpcepDnsName": "8e4b1c2a.vpcep.cn-north-4.myhuaweicloud.com",
            "vpcepReviewer": "not in the documentation: ignored",
        },
        {
            "id": "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f",
            "status": "pendingAcceptance",
            "maxSession": 1000,
            "specificationName": "default",
            "created_at": "2024-06-02T12:30:00Z",
            "update_at": "2024-06-02T12:31:10Z",
            "domain_id": "7a6b5c4d3e2f41009f8e7d6c5b4a3928",
            "vpcepIp": "192.168.0.37",
            "vpcepIpv6Address": "fd00:0:0:1::25",
            "vpcepDnsName": "b71d9e0f.vpcep.cn-north-4.myhuaweicloud.com",
        },
        {
            "id": "c93f0a1b-4c5d-4e6f-a7b8-c9d0e1f2a3b4",
            "status": "rejected",
            "maxSession": "3000",
            "specificationName": "default",
            "created_at": "2024-09-17T08:00:07Z",
            "update_at": "2024-09-18T10:00:00Z",
            "domain_id": "0c1d2e3f4a5b46c7d8e9f0a1b2c3d4e5",
        },
    ]


def _sample_permissions() -> list[dict[str, Any]]:
    return [
        {
            "id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
            "permission": "iam:domain::2f3e4d5c6b7a48999a8b7c6d5e4f3a2b",
            "permission_type": "domainId",
            "created_at": "2024-03-10T16:00:00Z",
        },
        {
            "id": "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e",
            "permission": "iam:domain::7a6b5c4d3e2f41009f8e7d6c5b4a3928",
            "permission_type": "domainId",
            "created_at": "2024-06-01T09:00:00Z",
        },
    ]
