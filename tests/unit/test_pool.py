"""The live connection pool: SDK clients come and go, the TCP connection stays."""

from __future__ import annotations

import pytest
from aiohttp import web
from azure.core import AsyncPipelineClient
from azure.core.rest import HttpRequest

from byok_tui.azure import auth
from byok_tui.azure.pool import SharedHttpx, SharedSession
from byok_tui.clouds import AZURE_PUBLIC


@pytest.fixture
async def server():
    """A local HTTP server that answers with the client's source port (one port = one TCP connection)."""

    async def whoami(request: web.Request) -> web.Response:
        return web.Response(text=str(request.transport.get_extra_info("peername")[1]))

    app = web.Application()
    app.router.add_get("/", whoami)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def _source_port(base_url: str, transport) -> str:
    # A client per call, closed after it, exactly as the adapters use the SDK clients.
    async with AsyncPipelineClient(base_url=base_url, transport=transport) as client:
        response = await client.send_request(HttpRequest("GET", base_url + "/"))
        await response.read()
        return response.text()


async def test_clients_built_one_after_another_reuse_one_tcp_connection(server):
    pool = SharedSession()
    try:
        ports = {await _source_port(server, pool()) for _ in range(4)}
    finally:
        await pool.aclose()
    assert len(ports) == 1


async def test_without_the_pool_every_client_opens_its_own_connection(server):
    """The baseline the pool exists for: azure-core's default transport, one session per client."""
    from azure.core.pipeline.transport import AioHttpTransport

    ports = {await _source_port(server, AioHttpTransport()) for _ in range(3)}
    assert len(ports) == 3


async def test_closing_a_client_leaves_the_pool_open_and_closing_the_pool_closes_it(server):
    pool = SharedSession()
    await _source_port(server, pool())
    assert pool.is_open
    await pool.aclose()
    assert not pool.is_open
    # A closed pool opens a fresh session on next use rather than failing.
    await _source_port(server, pool())
    assert pool.is_open
    await pool.aclose()


async def test_a_live_connection_has_a_pool_and_closing_the_connection_closes_it(server):
    conn = auth.live_connection("environment", "", AZURE_PUBLIC)
    assert isinstance(conn.transport_factory, SharedSession)
    await _source_port(server, conn.sdk_kwargs()["transport"])
    assert conn.transport_factory.is_open
    await auth.close_connection(conn)
    assert not conn.transport_factory.is_open


# --- Graph and Kore's API (httpx) ------------------------------------------------------------------


async def _httpx_source_port(base_url: str, transport) -> str:
    import httpx

    # A client per call, closed after it, as the Graph adapter builds its GraphServiceClient.
    async with httpx.AsyncClient(transport=transport) as client:
        return (await client.get(base_url + "/")).text


async def test_httpx_clients_built_one_after_another_reuse_one_tcp_connection(server):
    pool = SharedHttpx()
    try:
        ports = {await _httpx_source_port(server, pool()) for _ in range(4)}
    finally:
        await pool.aclose()
    assert len(ports) == 1


async def test_without_the_httpx_pool_every_client_opens_its_own_connection(server):
    ports = {await _httpx_source_port(server, None) for _ in range(3)}
    assert len(ports) == 3


async def test_a_live_connection_pools_graph_and_kore_and_closing_it_closes_the_pool(server):
    conn = auth.live_connection("environment", "", AZURE_PUBLIC)
    assert isinstance(conn.graph_transport_factory, SharedHttpx)
    assert conn.kore_transport_factory is conn.graph_transport_factory
    first = await _httpx_source_port(server, conn.graph_transport_factory())
    assert await _httpx_source_port(server, conn.kore_transport_factory()) == first
    await auth.close_connection(conn)
    assert not conn.graph_transport_factory.is_open
