"""Shared fixtures for the sandbox suite: a fresh world per test, no cross-test challenge cache (cheap RSA
keys come from tests/conftest.py, for the whole suite)."""

from __future__ import annotations

import pytest
from azure.keyvault.keys._shared import http_challenge_cache
from azure.mgmt.keyvault.aio import KeyVaultManagementClient

from byok_tui.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _isolation():
    """The Key Vault SDK caches challenges per host for the whole process (azure-wire §0 item 4)."""
    http_challenge_cache.clear()
    yield
    http_challenge_cache.clear()


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.create("default")


async def create_vault(
    sb: Sandbox, name: str, *, rg: str = "rg-contoso-prod", location: str = "eastus", **properties
):
    """A vault created through the real management client; properties are ARM names (camelCase)."""
    body = {
        "location": location,
        "properties": {"tenantId": sb.tenant_id, "sku": {"family": "A", "name": "standard"}, **properties},
    }
    async with KeyVaultManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as client:
        poller = await client.vaults.begin_create_or_update(rg, name, body)
        return await poller.result()


def graph_client(sb: Sandbox, principal: str | None = None, *, transport=None, credential=None):
    """A GraphServiceClient wired exactly as docs/sandbox.md shows (azure-wire §8.1); returns (client, http)
    so the test can close the httpx client."""
    import httpx
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphServiceClient
    from msgraph.graph_request_adapter import GraphRequestAdapter, options
    from msgraph_core import GraphClientFactory

    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(transport=transport or sb.graph_transport(), base_url=sb.graph_base_url),
        options=options,
    )
    auth = AzureIdentityAuthenticationProvider(
        credential or sb.credential(principal), scopes=["https://graph.microsoft.com/.default"]
    )
    return GraphServiceClient(request_adapter=GraphRequestAdapter(auth, client=http)), http


@pytest.fixture
def kiota_sleeps(monkeypatch) -> list[float]:
    """kiota's retry handler sleeps with asyncio.sleep for real; record the waits instead."""
    from types import SimpleNamespace

    from kiota_http.middleware import retry_handler

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(retry_handler, "asyncio", SimpleNamespace(sleep=sleep))
    return waits


class SignInClock:
    """One clock for the world and for MSAL's device-flow polling (`msal.oauth2cli.oauth2` sleeps a second at
    a time between polls, for real): sleeping advances it at once, so a 5 s poll interval costs nothing.
    `world_ahead` moves only the world's clock (Entra's side), e.g. to let a device code expire while MSAL
    still polls; `on_sleep` callbacks run once per MSAL sleep, on MSAL's thread."""

    def __init__(self, start: float):
        self.now = start
        self.world_ahead = 0.0
        self.on_sleep: list = []

    def time(self) -> float:
        return self.now

    def world(self) -> float:
        return self.now + self.world_ahead

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        for callback in list(self.on_sleep):
            callback()


@pytest.fixture
def sign_in_clock(sb, monkeypatch) -> SignInClock:
    """Drive `sb`'s world clock and MSAL's polling clock together (see SignInClock)."""
    import time
    from types import SimpleNamespace

    import msal.oauth2cli.oauth2 as oauth2

    clock = SignInClock(time.time())
    sb.world.clock = clock.world
    monkeypatch.setattr(oauth2, "time", SimpleNamespace(time=clock.time, sleep=clock.sleep))
    return clock
