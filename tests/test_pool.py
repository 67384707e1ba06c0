"""A connection pool shared by many reads: connections are reused, credentials are each read's own."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pulumi_css_vpcep._read import aread_vpcep_connections
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._transports.httpx_pool import ConnectionPool
from pulumi_css_vpcep.emulator import (
    SAMPLE_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    Cluster,
    Emulator,
    Fault,
    generate_connections,
)
from pulumi_css_vpcep.errors import ApiError, TransportError
from tests.connection_counter import ConnectionCounter


def test_a_hundred_sequential_reads_through_one_pool_open_few_connections(emulator: Emulator) -> None:
    emulator.state.add_cluster(Cluster(id="big", connections=generate_connections(250)))
    with ConnectionCounter(emulator.port) as counter:
        env = {**emulator.environ(), "HW_CSS_ENDPOINT": f"http://127.0.0.1:{counter.port}",
               "HW_AUTH_URL": f"http://127.0.0.1:{counter.port}/v3"}

        async def reads() -> list[int]:
            async with ConnectionPool() as pool:
                return [
                    (await aread_vpcep_connections("big" if n % 2 else SAMPLE_CLUSTER_ID, environ=env, pool=pool))
                    .total_count
                    for n in range(100)
                ]

        totals = asyncio.run(reads())
    assert totals == [3, 250] * 50
    assert emulator.state.requests["iam"] == 1
    assert emulator.state.requests["css"] == 50 + 50 * 3
    # The 250-connection cluster asks for two pages at once: at most two connections are ever needed.
    assert counter.accepted <= 2


def test_without_a_pool_every_read_opens_its_own_connection(emulator: Emulator) -> None:
    with ConnectionCounter(emulator.port) as counter:
        env = {**emulator.environ(), "HW_CSS_ENDPOINT": f"http://127.0.0.1:{counter.port}"}

        async def reads() -> None:
            for _ in range(5):
                await aread_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, environ=env)

        asyncio.run(reads())
    assert counter.accepted == 5


def test_each_read_through_a_pool_is_signed_with_its_own_credentials(emulator: Emulator) -> None:
    async def reads() -> tuple[int, ApiError]:
        async with ConnectionPool() as pool:
            good = await aread_vpcep_connections(
                SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, environ=emulator.environ(), pool=pool
            )
            with pytest.raises(ApiError) as info:
                await aread_vpcep_connections(
                    SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID,
                    environ=emulator.environ(secret_key="not-the-secret"), pool=pool,
                )
            return good.total_count, info.value

    total, refused = asyncio.run(reads())
    assert total == 3
    assert (refused.status, refused.code) == (401, "APIGW.0301")


def test_a_pool_outlives_its_reads_until_its_owner_closes_it(emulator: Emulator) -> None:
    async def reads() -> list[int]:
        pool = ConnectionPool()
        totals = [
            (await aread_vpcep_connections(SAMPLE_CLUSTER_ID, environ=emulator.environ(), pool=pool)).total_count
            for _ in range(2)
        ]
        await pool.aclose()
        with pytest.raises(RuntimeError, match="this ConnectionPool is closed"):
            await aread_vpcep_connections(SAMPLE_CLUSTER_ID, environ=emulator.environ(), pool=pool)
        return totals

    assert asyncio.run(reads()) == [3, 3]
    assert emulator.state.requests["css"] == 2  # the read through the closed pool sent nothing


def test_a_pool_keeps_the_reads_timeouts(emulator: Emulator) -> None:
    emulator.state.set_faults([Fault(kind="delay", delay=1.0)])

    async def read() -> None:
        async with ConnectionPool() as pool:
            await aread_vpcep_connections(
                SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, environ=emulator.environ(), pool=pool,
                timeout=httpx.Timeout(5.0, read=0.1), retry=RetryPolicy(max_retries=1, base_delay=0.001),
            )

    with pytest.raises(TransportError, match=r"timed out .* after 2 attempts"):
        asyncio.run(read())


def test_a_pool_serves_one_event_loop(emulator: Emulator) -> None:
    pool = ConnectionPool()

    async def read() -> int:
        result = await aread_vpcep_connections(SAMPLE_CLUSTER_ID, environ=emulator.environ(), pool=pool)
        return result.total_count

    assert asyncio.run(read()) == 3
    with pytest.raises(RuntimeError, match="one event loop"):
        asyncio.run(read())


def test_a_transport_belongs_to_the_pool_not_to_a_read_borrowing_it(emulator: Emulator) -> None:
    async def read() -> None:
        async with ConnectionPool() as pool:
            await aread_vpcep_connections(
                SAMPLE_CLUSTER_ID, environ=emulator.environ(), pool=pool, transport=httpx.AsyncHTTPTransport()
            )

    with pytest.raises(ValueError, match="give the transport to the ConnectionPool"):
        asyncio.run(read())
    assert sum(emulator.state.requests.values()) == 0
