"""The live connection's pools honour HTTPS_PROXY and SSL_CERT_FILE: Graph and Kore's API (httpx) ignored the
proxy before, which broke Step 1 and the apps list on a jump host that reaches the internet only through one."""

from __future__ import annotations

import dataclasses

import pytest

from byok_tui.azure import auth, graph
from byok_tui.clouds import AZURE_PUBLIC
from byok_tui.kore import bots
from byok_tui.sandbox import Sandbox
from byok_tui.sandbox.proxy import serving_in_thread
from byok_tui.secret import Secret


@pytest.fixture
def proxied(tmp_path, monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    sb = Sandbox.create("default")
    with serving_in_thread(sb) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(proxy.ca.write(tmp_path / "ca.pem")))
        yield sb, proxy


async def test_graph_and_kore_go_through_the_proxy(proxied):
    sb, proxy = proxied
    live = auth.live_connection("environment", sb.tenant_id, AZURE_PUBLIC)
    await auth.close_credential(live.credential)
    conn = dataclasses.replace(live, credential=sb.credential())  # a token from the world; the pools are live
    try:
        before = proxy.requests
        found = await graph.find_service_principal(conn, sb.kore_client_id)
        assert found is None  # no consent yet: Graph answered, through the proxy
        apps = await bots.list_from_api(
            conn, sb.kore_host, sb.kore_api_client_id, Secret(sb.kore_api_client_secret)
        )
        assert len(apps) == len(sb.world.kore.bots)
        assert proxy.requests > before + 1
    finally:
        await auth.close_connection(conn)
