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
