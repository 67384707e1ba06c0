"""The Pulumi package schema of the provider plugin (package ``css-vpcep``), built in Python.

Every language's SDK is generated from this schema by ``pulumi package add``, so the descriptions here
are the generated SDKs' documentation. Names are camelCase, as Pulumi schemas are; the outputs are the
resource's outputs of ``models.VpcepConnectionsResult`` renamed. This module imports nothing of Pulumi.
"""

from __future__ import annotations

import json
from typing import Any

from . import __version__

__all__ = [
    "CONFIG_KEYS",
    "CONNECTION_TOKEN",
    "FUNCTION_TOKEN",
    "INPUT_KEYS",
    "PACKAGE",
    "PERMISSION_TOKEN",
    "RESOURCE_TOKEN",
    "SECRET_CONFIG_KEYS",
    "package_schema",
    "schema_json",
]

PACKAGE = "css-vpcep"
RESOURCE_TOKEN = f"{PACKAGE}:index:VpcepConnections"
FUNCTION_TOKEN = f"{PACKAGE}:index:getVpcepConnections"
CONNECTION_TOKEN = f"{PACKAGE}:index:Connection"
PERMISSION_TOKEN = f"{PACKAGE}:index:Permission"

INPUT_KEYS = ("clusterId", "projectId", "region", "endpoint")
"""The resource's and the function's inputs; each is also an output, and a change of any replaces."""

_CONFIG: dict[str, dict[str, Any]] = {
    "accessKey": {
        "type": "string",
        "description": "The access key (AK) that signs requests. Falls back to `HW_ACCESS_KEY`, then "
        "`HUAWEICLOUD_SDK_AK`. Set it together with `secretKey`.",
    },
    "secretKey": {
        "type": "string",
        "secret": True,
        "description": "The secret key (SK) of `accessKey`. Falls back to `HW_SECRET_KEY`, then "
        "`HUAWEICLOUD_SDK_SK`.",
    },
    "securityToken": {
        "type": "string",
        "secret": True,
        "description": "The security token of temporary credentials. Falls back to `HW_SECURITY_TOKEN`, then "
        "`HUAWEICLOUD_SDK_SECURITY_TOKEN`.",
    },
    "region": {
        "type": "string",
        "description": "The region of the clusters, such as `cn-north-4`, when a resource or call does not "
        "name one. Falls back to `HW_REGION_NAME`.",
    },
    "projectId": {
        "type": "string",
        "description": "The project id, when a resource or call does not name one. Falls back to "
        "`HW_PROJECT_ID`, then `HUAWEICLOUD_SDK_PROJECT_ID`; when no source gives one it is looked up "
        "from the region through IAM.",
    },
    "cloud": {
        "type": "string",
        "description": "The domain of the cloud's endpoints. Falls back to `HW_CLOUD`; the default is "
        "`myhuaweicloud.com`.",
    },
    "authUrl": {
        "type": "string",
        "description": "The IAM endpoint used to look up the project id, such as "
        "`https://iam.cn-north-4.myhuaweicloud.com/v3`. Falls back to `HW_AUTH_URL`.",
    },
    "insecure": {
        "type": "boolean",
        "description": "Skip TLS certificate verification (a warning is given on every read). Falls back to "
        "`HW_INSECURE`; the default is false.",
    },
}

CONFIG_KEYS = tuple(_CONFIG)
"""The provider's configuration variables, by their short names."""
SECRET_CONFIG_KEYS = frozenset(key for key, spec in _CONFIG.items() if spec.get("secret"))

_INPUTS: dict[str, dict[str, Any]] = {
    "clusterId": {
        "type": "string",
        "description": "The id of the CSS cluster whose VPC endpoint service is read.",
    },
    "projectId": {
        "type": "string",
        "description": "The project the cluster belongs to. When not set: the provider's `projectId`, "
        "`HW_PROJECT_ID`, or a look-up from the region through IAM.",
    },
    "region": {
        "type": "string",
        "description": "The region of the cluster, such as `cn-north-4`. When not set: the provider's "
        "`region` or `HW_REGION_NAME`.",
    },
    "endpoint": {
        "type": "string",
        "description": "The CSS endpoint URL (`https`; `http` only to a loopback address). When not set: "
        "`HW_CSS_ENDPOINT`, else the region's public endpoint.",
    },
}

_OUTPUTS: dict[str, dict[str, Any]] = {
    "clusterId": {"type": "string", "description": "The CSS cluster whose endpoint connections were read."},
    "projectId": {"type": "string", "description": "The project the cluster belongs to."},
    "region": {"type": "string", "description": "The region of the cluster."},
    "endpoint": {"type": "string", "description": "The CSS endpoint that was read."},
    "connections": {
        "type": "array",
        "items": {"$ref": f"#/types/{CONNECTION_TOKEN}"},
        "description": "Every VPC endpoint connection to the cluster, in the service's order, each id once.",
    },
    "permissions": {
        "type": "array",
        "items": {"$ref": f"#/types/{PERMISSION_TOKEN}"},
        "description": "The endpoint service's whitelist, each id once.",
    },
    "vpcServiceName": {"type": "string", "description": "The name of the VPC endpoint service, if any."},
    "vpcepUpdateSwitch": {"type": "boolean", "description": "Whether endpoint updates are enabled."},
    "totalCount": {"type": "integer", "description": "The number of connections read."},
}
_REQUIRED_OUTPUTS = [key for key in _OUTPUTS if key != "vpcServiceName"]

_CONNECTION: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "description": "The VPC endpoint id."},
    "status": {
        "type": "string",
        "description": "The connection status: `accepted`, `rejected`, `pendingAcceptance`...",
    },
    "maxSession": {"type": "integer", "description": "The maximum number of connections through the endpoint."},
    "specificationName": {"type": "string", "description": "The endpoint's specification name."},
    "createdAt": {"type": "string", "description": "When the connection was created (ISO 8601)."},
    "updateAt": {"type": "string", "description": "When the connection was last updated, if ever."},
    "domainId": {"type": "string", "description": "The account id of the endpoint's owner."},
    "vpcepIp": {"type": "string", "description": "The endpoint's IPv4 address."},
    "vpcepIpv6Address": {"type": "string", "description": "The endpoint's IPv6 address."},
    "vpcepDnsName": {"type": "string", "description": "The endpoint's private domain name."},
}

_PERMISSION: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "description": "The permission id."},
    "permission": {
        "type": "string",
        "description": "The whitelisted account or organisation (`iam:domain::...`).",
    },
    "permissionType": {"type": "string", "description": "The permission type (`domainId` or `orgPath`)."},
    "createdAt": {"type": "string", "description": "When the permission was created."},
}


def package_schema() -> dict[str, Any]:
    """The package schema as a JSON-ready dict."""
    return {
        "name": PACKAGE,
        "displayName": "Huawei Cloud CSS VPC endpoint connections",
        "version": __version__,
        "description": "Read the VPC endpoint connections of a Huawei Cloud CSS cluster: the "
        "`huaweicloud_css_vpcep_connections` data source of Terraform, for every Pulumi language.",
        "keywords": ["pulumi", "huaweicloud", "css", "vpcep", "category/network", "kind/native"],
        "license": "Apache-2.0",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": _CONFIG},
        "provider": {
            "description": "The css-vpcep provider. Every setting falls back to the Terraform provider's "
            "`HW_*` environment variables. The provider never changes anything in the cloud.",
            "inputProperties": _CONFIG,
        },
        "types": {
            CONNECTION_TOKEN: {
                "type": "object",
                "description": "One VPC endpoint connection to the cluster's endpoint service.",
                "properties": _CONNECTION,
                "required": ["id"],
            },
            PERMISSION_TOKEN: {
                "type": "object",
                "description": "One entry of the endpoint service's whitelist.",
                "properties": _PERMISSION,
                "required": ["id"],
            },
        },
        "resources": {
            RESOURCE_TOKEN: {
                "description": "The VPC endpoint connections of a CSS cluster, read-only. Creating it reads "
                "the service; `pulumi preview` shows drift and `pulumi up` refreshes the outputs; a change "
                "of `clusterId`, `projectId`, `region` or `endpoint` replaces it; deleting it changes "
                "nothing in the cloud. Its id is `{region}:{projectId}:{clusterId}`, so it can be read "
                "back with `get` from the id alone.",
                "inputProperties": _INPUTS,
                "requiredInputs": ["clusterId"],
                "properties": _OUTPUTS,
                "required": _REQUIRED_OUTPUTS,
            }
        },
        "functions": {
            FUNCTION_TOKEN: {
                "description": "Read the VPC endpoint connections of a CSS cluster, as a data source: it keeps "
                "no state and runs on every preview and update.",
                "inputs": {"properties": _INPUTS, "required": ["clusterId"]},
                "outputs": {"properties": _OUTPUTS, "required": _REQUIRED_OUTPUTS},
            }
        },
        "language": {
            # The Python SDK must not take this distribution's own module name.
            "python": {"packageName": "pulumi_css_vpcep_sdk"},
            "csharp": {"rootNamespace": "Pulumi"},
        },
    }


def schema_json() -> str:
    """The package schema as the JSON text ``GetSchema`` returns."""
    return json.dumps(package_schema(), indent=2, sort_keys=False)
