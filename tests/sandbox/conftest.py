"""Shared fixtures for the sandbox suite: a fresh world per test, cheap RSA keys, no cross-test challenge cache."""

from __future__ import annotations

import itertools

import pytest
from azure.keyvault.keys._shared import http_challenge_cache
from azure.mgmt.keyvault.aio import KeyVaultManagementClient

from byok_tui.sandbox import Sandbox, keycrypto

_real_generate = keycrypto.generate
_pools: dict[int, itertools.cycle] = {}


def _pooled_generate(size: int):
    # RSA generation dominates the suite's time; two keys per size, alternating, keep versions distinct.
    if size not in _pools:
        _pools[size] = itertools.cycle([_real_generate(size), _real_generate(size)])
    return next(_pools[size])


@pytest.fixture(autouse=True)
def _isolation(monkeypatch):
    """The Key Vault SDK caches challenges per host for the whole process (azure-wire §0 item 4)."""
    monkeypatch.setattr(keycrypto, "generate", _pooled_generate)
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


def graph_client(sb: Sandbox, principal: str | None = None, *, transport=None):
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
        sb.credential(principal), scopes=["https://graph.microsoft.com/.default"]
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
