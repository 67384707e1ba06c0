"""The Pulumi package schema of the provider plugin (package ``css-vpcep``), built in Python.

Every language's SDK is generated from this schema by ``pulumi package add``. The properties are built
from the models (``VpcepConnectionsArgs`` for the inputs, ``VpcepConnectionsResult``, ``Connection`` and
``Permission`` for the outputs): their fields' types and descriptions, the names in camelCase, as
Pulumi schemas are. A new field of a model is a new property here. This module imports nothing of Pulumi.
"""

from __future__ import annotations

import json
from typing import Any, get_args, get_origin

from pydantic import BaseModel, Field

from ._fields import camel_case
from ._settings import ASSUME_ROLE_FIELDS, CONFIG_KEYS
from ._version import __version__
from .models import Connection, Permission, VpcepConnectionsResult

PACKAGE = "css-vpcep"
HOME = "github.com/pulumi-css-vpcep/pulumi-css-vpcep"
"""The project's home: its repository, and the base of the Go SDK's import path."""
RESOURCE_TOKEN = f"{PACKAGE}:index:VpcepConnections"
FUNCTION_TOKEN = f"{PACKAGE}:index:getVpcepConnections"
CONNECTION_TOKEN = f"{PACKAGE}:index:Connection"
PERMISSION_TOKEN = f"{PACKAGE}:index:Permission"
ASSUME_ROLE_TOKEN = f"{PACKAGE}:index:AssumeRole"
WAIT_FOR_TOKEN = f"{PACKAGE}:index:WaitFor"


class VpcepConnectionsArgs(BaseModel):
    """The inputs of the resource and of the function: what to read. Each is also an output, and a change of
    any of them replaces the resource."""

    cluster_id: str = Field(description="The id of the CSS cluster whose VPC endpoint service is read.")
    project_id: str | None = Field(
        default=None,
        description="The project the cluster belongs to. When not set: the provider's `projectId`, "
        "`HW_PROJECT_ID`, or a look-up from the region through IAM.",
    )
    region: str | None = Field(
        default=None,
        description="The region of the cluster, such as `cn-north-4`. When not set: the provider's `region` "
        "or `HW_REGION_NAME`.",
    )
    endpoint: str | None = Field(
        default=None,
        description="The CSS endpoint URL (`https`; `http` only to a loopback address). When not set: "
        "`HW_CSS_ENDPOINT`, else the region's public endpoint.",
    )


class WaitForArgs(BaseModel):
    """The resource's ``waitFor`` input (``wait_for`` in Python): what its create and update wait for."""

    endpoint_ids: list[str] = Field(
        description="The consumers' VPC endpoint ids: each is the id of its connection to the cluster. One not "
        "listed yet is pending."
    )
    status: str | None = Field(
        default=None,
        description="The status to wait for, `accepted` when not set. A connection that is `rejected` or `failed` "
        "(and not waited for in that status) fails the create or update at once.",
    )


WAIT_FOR_DESCRIPTION = (
    "Create or update the resource only once each named connection has the status, so that resources using its "
    "outputs come after; bounded by the read's deadline (`customTimeouts`, else `css-vpcep:readTimeout`, 3 minutes "
    "by default). A preview reads once and does not wait. A change of it updates the resource, never replaces it."
)


_CONFIG_DOCS = {
    "accessKey": "The access key (AK) that signs requests. Falls back to `HW_ACCESS_KEY`, then `HUAWEICLOUD_SDK_AK`. "
    "Set it together with `secretKey`.",
    "secretKey": "The secret key (SK) of `accessKey`. Falls back to `HW_SECRET_KEY`, then `HUAWEICLOUD_SDK_SK`.",
    "securityToken": "The security token of temporary credentials. Falls back to `HW_SECURITY_TOKEN`, then "
    "`HUAWEICLOUD_SDK_SECURITY_TOKEN`.",
    "region": "The region of the clusters, such as `cn-north-4`, when a resource or call does not name one. "
    "Falls back to `HW_REGION_NAME`.",
    "projectId": "The project id, when a resource or call does not name one. Falls back to `HW_PROJECT_ID`, then "
    "`HUAWEICLOUD_SDK_PROJECT_ID`; when no source gives one it is looked up from the region through IAM.",
    "cloud": "The domain of the cloud's endpoints. Falls back to `HW_CLOUD`; the default is `myhuaweicloud.com`.",
    "authUrl": "The IAM endpoint used to look up the project id, such as "
    "`https://iam.cn-north-4.myhuaweicloud.com/v3`. Falls back to `HW_AUTH_URL`.",
    "insecure": "Skip TLS certificate verification (a warning is given on every read). Falls back to "
    "`HW_INSECURE`; the default is false.",
    "readTimeout": "The most a whole read may take, retries and waits included, as a duration such as `90s`, "
    "`5m` or `1m30s` (or a number of seconds). Falls back to `HW_CSS_READ_TIMEOUT`; the default is `3m`. "
    "A resource's `customTimeouts` bounds its own reads instead.",
    "sharedConfigFile": "A KooCLI configuration file (`hcloud`'s `config.json`) to take the keys from when no access "
    "key is set. Falls back to `HW_SHARED_CONFIG_FILE`, else `~/.hcloud/config.json` when `profile` is set.",
    "profile": "The KooCLI profile to take the keys (and the region and project id, when nothing else gives them) "
    "from. Falls back to `HW_PROFILE`, else the file's current profile.",
    "assumeRole": "An agency to assume with the keys found: temporary keys, renewed before they expire. Falls "
    "back to `HW_ASSUME_ROLE_AGENCY_NAME`, `HW_ASSUME_ROLE_DOMAIN_NAME` or `HW_ASSUME_ROLE_DOMAIN_ID`, and "
    "`HW_ASSUME_ROLE_DURATION`.",
}
"""How each of ``settings.CONFIG_KEYS`` is documented in the schema; each is a string but ``insecure``, and
the secret key and security token are secrets."""


def _config_variable(key: str) -> dict[str, Any]:
    secret = {"secret": True} if key in ("secretKey", "securityToken") else {}
    kind = {"$ref": f"#/types/{ASSUME_ROLE_TOKEN}"} if key == "assumeRole" else {
        "type": "boolean" if key == "insecure" else "string"}
    return {**kind, **secret, "description": _CONFIG_DOCS[key]}


_ASSUME_ROLE_DOCS = {
    "agencyName": ("string", "The name of the agency."),
    "domainName": ("string", "The name of the account (domain) that created the agency; or set `domainId`."),
    "domainId": ("string", "The id of the account (domain) that created the agency."),
    "duration": ("integer", "Seconds the temporary keys live, 900 to 86400 (default 3600); they are renewed before "
                 "they expire."),
}
assert tuple(_ASSUME_ROLE_DOCS) == tuple(ASSUME_ROLE_FIELDS), "every field of assumeRole is documented"


_SCALARS = {str: "string", int: "integer", bool: "boolean"}


def _type(annotation: Any) -> dict[str, Any]:
    """A field's Python type as a schema type: ``str | None`` is a string, ``list[Connection]`` an array
    of the ``Connection`` object type."""
    if get_origin(annotation) is list:
        return {"type": "array", "items": _type(get_args(annotation)[0])}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"$ref": f"#/types/{PACKAGE}:index:{annotation.__name__}"}
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    (inner,) = (arg for arg in get_args(annotation) if arg is not type(None))  # an optional value
    return _type(inner)


def _properties(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """A model's fields as schema properties: camelCase names, types and descriptions."""
    return {
        camel_case(name): {**_type(field.annotation), "description": field.description}
        for name, field in model.model_fields.items()
    }


def _required(model: type[BaseModel]) -> list[str]:
    """The fields that always have a value: required and never None."""
    return [
        camel_case(name) for name, field in model.model_fields.items()
        if field.is_required() and type(None) not in get_args(field.annotation)
    ]


def package_schema() -> dict[str, Any]:
    """The package schema as a JSON-ready dict."""
    config = {key: _config_variable(key) for key in CONFIG_KEYS}
    inputs = _properties(VpcepConnectionsArgs)
    outputs = _properties(VpcepConnectionsResult)
    required_outputs = _required(VpcepConnectionsResult)
    return {
        "name": PACKAGE,
        "displayName": "Huawei Cloud CSS VPC endpoint connections",
        "version": __version__,
        "description": "Read the VPC endpoint connections of a Huawei Cloud CSS cluster: the "
        "`huaweicloud_css_vpcep_connections` data source of Terraform, for every Pulumi language.",
        "keywords": ["pulumi", "huaweicloud", "css", "vpcep", "category/network", "kind/native"],
        "license": "Apache-2.0",
        "publisher": "pulumi-css-vpcep",
        "repository": f"https://{HOME}",
        "homepage": f"https://{HOME}",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": config},
        "provider": {
            "description": "The css-vpcep provider. Every setting falls back to the Terraform provider's "
            "`HW_*` environment variables. The provider never changes anything in the cloud.",
            "inputProperties": config,
        },
        "types": {
            CONNECTION_TOKEN: {
                "type": "object",
                "description": "One VPC endpoint connection to the cluster's endpoint service.",
                "properties": _properties(Connection),
                "required": ["id"],
            },
            PERMISSION_TOKEN: {
                "type": "object",
                "description": "One entry of the endpoint service's whitelist.",
                "properties": _properties(Permission),
                "required": ["id"],
            },
            ASSUME_ROLE_TOKEN: {
                "type": "object",
                "description": "An agency to assume (the provider's `assumeRole`), as the pulumi-huaweicloud "
                "provider names it.",
                "properties": {name: {"type": kind, "description": text}
                               for name, (kind, text) in _ASSUME_ROLE_DOCS.items()},
                "required": ["agencyName"],
            },
            WAIT_FOR_TOKEN: {
                "type": "object",
                "description": "What the resource's create and update wait for: connections in a status.",
                "properties": _properties(WaitForArgs),
                "required": _required(WaitForArgs),
            },
        },
        "resources": {
            RESOURCE_TOKEN: {
                "description": "The VPC endpoint connections of a CSS cluster, read-only. Creating it reads "
                "the service; `pulumi preview` shows drift and `pulumi up` refreshes the outputs; a change "
                "of `clusterId`, `projectId`, `region` or `endpoint` replaces it; deleting it changes "
                "nothing in the cloud. Its id is `{region}:{projectId}:{clusterId}`, so it can be read "
                "back with `get` from the id alone.",
                "inputProperties": {
                    **inputs, "waitFor": {"$ref": f"#/types/{WAIT_FOR_TOKEN}", "description": WAIT_FOR_DESCRIPTION}
                },
                "requiredInputs": _required(VpcepConnectionsArgs),
                "properties": outputs,
                "required": required_outputs,
            }
        },
        "functions": {
            FUNCTION_TOKEN: {
                "description": "Read the VPC endpoint connections of a CSS cluster, as a data source: it keeps "
                "no state and runs on every preview and update.",
                "inputs": {"properties": inputs, "required": _required(VpcepConnectionsArgs)},
                "outputs": {"properties": outputs, "required": required_outputs},
            }
        },
        "language": {
            # Each SDK under the project's own name: never Pulumi's scope or namespace, and in Python never
            # this distribution's own module name.
            "go": {"importBasePath": f"{HOME}/sdk/go/cssvpcep"},
            "nodejs": {"packageName": "@pulumi-css-vpcep/css-vpcep"},
            "python": {"packageName": "pulumi_css_vpcep_sdk"},
            "csharp": {"rootNamespace": "PulumiCssVpcep"},
        },
    }


def schema_json() -> str:
    """The package schema as the JSON text ``GetSchema`` returns."""
    return json.dumps(package_schema(), indent=2, sort_keys=False)
