"""The Sandbox object itself: scenarios, credentials, transports, persistence."""

from __future__ import annotations

import json
import os
import stat

import pytest
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.keyvault.keys.aio import KeyClient
from azure.keyvault.keys.crypto import EncryptionAlgorithm
from azure.keyvault.keys.crypto.aio import CryptographyClient
from azure.mgmt.resource.resources.aio import ResourceManagementClient

from byok_tui.clouds import AZURE_PUBLIC
from byok_tui.sandbox import Sandbox
from byok_tui.sandbox.persist import to_jsonable
from byok_tui.sandbox.tokens import b64url_decode

from .conftest import create_vault


def test_default_scenario_facts(sb):
    assert sb.tenant_id == "9e7bbb39-752e-4401-b07f-74c98790c149"
    assert sb.subscription_id == "37c739ce-b607-45bd-9934-2f6990e16d13"
    assert sb.operator_ip == "203.0.113.10"
    operator = sb.world.principal(sb.operator_object_id)
    assert (operator.display_name, operator.kind) == ("Alex Admin", "User")
    assert sb.kore_client_id in sb.world.applications
    assert not [p for p in sb.world.principals.values() if p.app_id == sb.kore_client_id]
    assert sorted(g.name for g in sb.world.resource_groups.values()) == [
        "rg-contoso-prod",
        "rg-shared-security",
    ]
    assert not sb.world.vaults and sb.world.settings.rbac_propagation_seconds == 0


def test_scenarios_are_deterministic_and_named():
    assert to_jsonable(Sandbox.create().world) == to_jsonable(Sandbox.create().world)
    with pytest.raises(ValueError, match="default, existing-vault"):
        Sandbox.create("nope")
    with pytest.raises(ValueError, match="fault"):
        Sandbox.create("default", faults="throttle")
    legacy = Sandbox.create("existing-vault").world.vault("kv-contoso-legacy")
    assert legacy.resource_group == "rg-shared-security" and not legacy.rbac
    assert legacy.properties["enablePurgeProtection"] is None and legacy.properties["enableSoftDelete"]
    assert legacy.keys["legacy-cmk"].latest.key_size == 2048


def test_connection_is_wired_for_the_adapters(sb):
    conn = sb.connection()
    assert conn.is_sandbox and conn.cloud is AZURE_PUBLIC
    assert conn.operator_object_id == sb.operator_object_id
    assert conn.transport_factory() is not conn.transport_factory()
    assert "transport" in conn.sdk_kwargs()


async def test_credential_follows_the_azure_core_protocol(sb):
    cred = sb.credential()
    token = await cred.get_token("https://management.azure.com/.default")
    info = await cred.get_token_info("https://vault.azure.net/.default", options={"tenant_id": sb.tenant_id})
    assert isinstance(token, AccessToken) and isinstance(info, AccessTokenInfo)
    assert token.expires_on >= sb.world.now() + 3000
    claims = json.loads(b64url_decode(token.token.split(".")[1]))
    assert (claims["aud"], claims["oid"], claims["tid"]) == (
        "https://management.azure.com",
        sb.operator_object_id,
        sb.tenant_id,
    )
    with pytest.raises(ClientAuthenticationError):
        await cred.get_token(
            "https://vault.azure.net/.default", tenant_id="00000000-0000-0000-0000-000000000001"
        )
    with pytest.raises(ValueError):
        await cred.get_token()
    stranger = sb.credential("11111111-1111-1111-1111-111111111111")
    with pytest.raises(ClientAuthenticationError, match="AADSTS50034"):
        await stranger.get_token("https://vault.azure.net/.default")
    async with sb.credential() as same:
        assert await same.get_token("https://vault.azure.net/.default")


async def test_transports_share_one_world_and_closing_one_is_harmless(sb):
    first = sb.transport()
    async with ResourceManagementClient(sb.credential(), sb.subscription_id, transport=first) as client:
        await client.resource_groups.create_or_update("rg-shared-1", {"location": "eastus"})
    assert first.closed
    async with ResourceManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as client:
        assert (await client.resource_groups.get("rg-shared-1")).location == "eastus"


async def test_unknown_vault_host_fails_like_dns(sb):
    async with KeyClient(
        "https://kv-nowhere.vault.azure.net", sb.credential(), transport=sb.transport()
    ) as client:
        with pytest.raises(ServiceRequestError, match="Name or service not known"):
            await client.get_key("k")


async def test_save_and_load_round_trip_keys_still_decrypt(sb, tmp_path):
    vault = await create_vault(
        sb,
        "kv-persist-1",
        enableRbacAuthorization=False,
        accessPolicies=[
            {
                "tenantId": sb.tenant_id,
                "objectId": sb.operator_object_id,
                "permissions": {"keys": ["get", "create", "decrypt"]},
            }
        ],
    )
    async with KeyClient(vault.properties.vault_uri, sb.credential(), transport=sb.transport()) as client:
        key = await client.create_rsa_key("k1", size=2048)
    async with CryptographyClient(key, sb.credential(), transport=sb.transport()) as crypto:
        sealed = (await crypto.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"across restarts")).ciphertext

    path = sb.save(tmp_path / "world.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["world.json"]  # no temp file left behind
    again = Sandbox.load(path)
    assert again.state_path == path and to_jsonable(again.world) == to_jsonable(sb.world)

    async with CryptographyClient(key.id, again.credential(), transport=again.transport()) as crypto:
        opened = await crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, sealed)
    assert opened.plaintext == b"across restarts"


async def test_autosave_writes_after_each_change(sb, tmp_path):
    path = tmp_path / "auto.json"
    sb.autosave_to(path)
    async with ResourceManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as client:
        await client.resource_groups.create_or_update("rg-autosaved", {"location": "westus2"})
        assert Sandbox.load(path).world.resource_group(sb.subscription_id, "rg-autosaved") is not None
        before = path.stat().st_mtime_ns
        await client.resource_groups.get("rg-autosaved")
        assert path.stat().st_mtime_ns == before  # reads do not rewrite the file


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"kind": "something-else"}')
    with pytest.raises(ValueError, match="not a byok-tui sandbox world"):
        Sandbox.load(path)
