"""Unit tests of the program with Pulumi's mocks: ``Mocks.call`` answers ``get_vpcep_connections``.

Under ``pulumi.runtime.set_mocks`` the function sends no request; the mocks get its token and its
camelCase inputs and answer as the css-vpcep provider would, with camelCase outputs. Run with
``pytest`` in this directory.
"""

from __future__ import annotations

import asyncio
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime

PROJECT = "css-vpcep-unit-test"
CLUSTER_ID = "my-cluster"
FUNCTION = "css-vpcep:index:getVpcepConnections"

pulumi_test: Callable[[Callable[[], pulumi.Output[Any]]], Callable[[], None]] = pulumi.runtime.test
"""``pulumi.runtime.test``, typed: runs the test and waits for the output it returns."""


class CssVpcepMocks(pulumi.runtime.Mocks):
    """Answers the css-vpcep function with two connections, one accepted; records every call."""

    def __init__(self) -> None:
        self.calls: list[pulumi.runtime.MockCallArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        self.calls.append(args)
        assert args.token == FUNCTION
        return {
            "clusterId": args.args["clusterId"],
            "projectId": "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
            "region": "cn-north-4",
            "endpoint": "https://css.cn-north-4.myhuaweicloud.com",
            "connections": [
                {"id": "ep-1", "status": "accepted", "maxSession": 3000, "vpcepDnsName": "ep-1.vpcep.example"},
                {"id": "ep-2", "status": "pendingAcceptance", "maxSession": 10, "vpcepDnsName": "ep-2.vpcep.example"},
            ],
            "permissions": [],
            "vpcServiceName": "cn-north-4.css-my-cluster",
            "vpcepUpdateSwitch": False,
            "totalCount": 2,
        }, []


mocks = CssVpcepMocks()
# set_mocks registers the stack at once, and Pulumi makes each resource's futures on the current event loop.
# Python 3.12 warns when asked for a current loop that no one set (3.14 refuses): set one first.
asyncio.set_event_loop(asyncio.new_event_loop())
pulumi.runtime.set_all_config({f"{PROJECT}:clusterId": CLUSTER_ID})
pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="test", preview=False)
program = runpy.run_path(str(Path(__file__).with_name("__main__.py")), run_name="__main__")


@pulumi_test
def test_search_hosts_are_the_accepted_endpoints() -> pulumi.Output[None]:
    def check(hosts: list[str]) -> None:
        assert hosts == ["ep-1.vpcep.example"]

    search_hosts: pulumi.Output[list[str]] = program["search_hosts"]
    return search_hosts.apply(check)


@pulumi_test
def test_total_count_is_the_services_count_as_an_integer() -> pulumi.Output[None]:
    def check(count: int) -> None:
        assert count == 2
        assert type(count) is int

    total_count: pulumi.Output[int] = program["total_count"]
    return total_count.apply(check)


@pulumi_test
def test_the_function_is_called_with_the_configured_cluster_in_camel_case() -> pulumi.Output[None]:
    def check(_: Any) -> None:
        assert [(call.token, call.args) for call in mocks.calls] == [(FUNCTION, {"clusterId": CLUSTER_ID})]

    total_count: pulumi.Output[int] = program["total_count"]
    return total_count.apply(check)
