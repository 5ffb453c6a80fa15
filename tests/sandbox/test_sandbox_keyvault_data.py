"""The Key Vault data plane through the real KeyClient and CryptographyClient."""

from __future__ import annotations

import time

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.core.rest import HttpRequest
from azure.keyvault.keys import KeyOperation
from azure.keyvault.keys.aio import KeyClient
from azure.keyvault.keys.crypto import EncryptionAlgorithm, KeyWrapAlgorithm
from azure.keyvault.keys.crypto.aio import CryptographyClient
from azure.mgmt.authorization.aio import AuthorizationManagementClient
from azure.mgmt.keyvault.aio import KeyVaultManagementClient
from cryptography.hazmat.primitives.asymmetric import rsa

from byok_tui.sandbox import Sandbox
from byok_tui.sandbox.keycrypto import int_b64
from byok_tui.sandbox.transport import MemTransport

from .conftest import create_vault

OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
ALL_KEYS = [
    "get",
    "list",
    "create",
    "update",
    "import",
    "delete",
    "recover",
    "purge",
    "encrypt",
    "decrypt",
    "wrapKey",
    "unwrapKey",
    "rotate",
]


def keys_client(sb, uri, principal=None, **kwargs):
    return KeyClient(
        uri, sb.credential(principal), transport=kwargs.pop("transport", None) or sb.transport(), **kwargs
    )


def policy(sb, object_id, keys):
    return {"tenantId": sb.tenant_id, "objectId": object_id, "permissions": {"keys": keys}}


async def policy_vault(sb, name, *extra_policies, **properties):
    """An access-policy vault where the operator may do everything with keys."""
    return await create_vault(
        sb,
        name,
        enableRbacAuthorization=False,
        accessPolicies=[policy(sb, sb.operator_object_id, ALL_KEYS), *extra_policies],
        **properties,
    )


async def assign(sb, scope, role_guid, principal):
    import uuid

    async with AuthorizationManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as client:
        return await client.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            {
                "properties": {
                    "roleDefinitionId": f"/subscriptions/{sb.subscription_id}/providers/Microsoft.Authorization/"
                    f"roleDefinitions/{role_guid}",
                    "principalId": principal,
                }
            },
        )


def recording(sb, log):
    def dispatch(method, url, headers, body):
        log.append((method, url.split("?")[0]))
        return sb.dispatch(method, url, headers, body)

    return MemTransport(dispatch)


# ---- authentication -----------------------------------------------------------------------------------


async def test_challenge_comes_before_the_body_is_read(sb):
    vault = await policy_vault(sb, "kv-challenge-1")
    transport = sb.transport()
    bare = await transport.send(
        HttpRequest(
            "POST",
            "https://kv-challenge-1.vault.azure.net/keys/k/create?api-version=2025-07-01",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    )
    assert bare.status_code == 401
    assert bare.headers["WWW-Authenticate"] == (
        f'Bearer authorization="https://login.microsoftonline.com/{sb.tenant_id}", '
        'resource="https://vault.azure.net"'
    )
    assert bare.json() == {
        "error": {
            "code": "Unauthorized",
            "message": "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token.",
        }
    }
    # ...and the SDK completes the challenge by itself.
    async with keys_client(sb, vault.properties.vault_uri) as client:
        assert (await client.create_rsa_key("k", size=2048)).name == "k"


class Forged:
    async def get_token(self, *scopes, **kwargs):
        return AccessToken("eyJhbGciOiJIUzI1NiJ9.e30.forged", int(time.time()) + 3600)

    async def close(self):
        return None


async def test_tokens_the_vault_refuses(sb):
    vault = await policy_vault(sb, "kv-tokens-1")
    async with KeyClient(vault.properties.vault_uri, Forged(), transport=sb.transport()) as client:
        with pytest.raises(ClientAuthenticationError) as info:
            await client.get_key("k")
    assert info.value.status_code == 401 and info.value.error.code == "Unauthorized"

    arm_token = (await sb.credential().get_token("https://management.azure.com/.default")).token
    response = await sb.transport().send(
        HttpRequest(
            "GET",
            "https://kv-tokens-1.vault.azure.net/keys?api-version=2025-07-01",
            headers={"Authorization": f"Bearer {arm_token}"},
        )
    )
    assert response.status_code == 401 and "AKV10022: Invalid audience" in response.json()["error"]["message"]


async def test_api_versions(sb):
    vault = await policy_vault(sb, "kv-versions-1")
    async with keys_client(sb, vault.properties.vault_uri, api_version="7.4") as client:
        assert (await client.create_rsa_key("old-api", size=2048)).name == "old-api"
        response = await client.send_request(HttpRequest("GET", "/keys?api-version=1999-01-01"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "BadParameter"


# ---- keys ---------------------------------------------------------------------------------------------


async def test_key_bundle_shape_and_lookup(sb):
    vault = await policy_vault(sb, "kv-bundle-1", softDeleteRetentionInDays=30, enablePurgeProtection=True)
    async with keys_client(sb, vault.properties.vault_uri) as client:
        key = await client.create_rsa_key("cmk-1", size=3072, tags={"app": "byok"}, not_before=None)
        assert (
            key.id.startswith("https://kv-bundle-1.vault.azure.net/keys/cmk-1/")
            and len(key.properties.version) == 32
        )
        assert key.key_type == "RSA" and key.properties.enabled and key.properties.tags == {"app": "byok"}
        assert key.key_operations == ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
        assert (key.properties.recovery_level, key.properties.recoverable_days) == (
            "CustomizedRecoverable",
            30,
        )
        assert len(key.key.n) == 384 and key.key.e == b"\x01\x00\x01"
        assert not any(getattr(key.key, part, None) for part in ("d", "p", "q", "dp", "dq", "qi"))

        latest = await client.get_key("CMK-1")
        by_version = await client.get_key("cmk-1", key.properties.version)
        assert latest.id == by_version.id == key.id
        response = await client.send_request(HttpRequest("GET", "/keys/cmk-1/"))
        raw = response.json()["key"]
        assert "=" not in raw["n"] and raw["e"] == "AQAB" and set(raw) == {"kid", "kty", "key_ops", "n", "e"}
        assert response.headers["x-ms-keyvault-network-info"] == (
            "conn_type=Ipv4;addr=203.0.113.10;act_addr_fam=InterNetwork;"
        )
        assert response.headers["x-ms-keyvault-region"] == "eastus" and response.headers["x-ms-request-id"]

        for missing in (("nope",), ("cmk-1", "0" * 32)):
            with pytest.raises(ResourceNotFoundError) as info:
                await client.get_key(*missing)
            assert info.value.error.code == "KeyNotFound"
            assert "was not found in this key vault" in info.value.error.message


async def test_create_refusals(sb):
    vault = await policy_vault(sb, "kv-refuse-1")
    async with keys_client(sb, vault.properties.vault_uri) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.create_rsa_key("hsm-key", size=2048, hardware_protected=True)
        assert (info.value.status_code, info.value.error.code) == (400, "BadParameter")
        assert "Premium" in info.value.error.message
        with pytest.raises(HttpResponseError) as info:
            await client.create_rsa_key("small", size=1024)
        assert info.value.error.code == "BadParameter"
        with pytest.raises(HttpResponseError) as info:
            await client.create_rsa_key("bad_name", size=2048)
        assert info.value.error.code == "BadParameter"
        response = await client.send_request(HttpRequest("GET", "/keys?maxresults=26"))
        assert response.status_code == 400

    premium = await policy_vault(sb, "kv-premium-1", sku={"family": "A", "name": "premium"})
    async with keys_client(sb, premium.properties.vault_uri) as client:
        hsm = await client.create_rsa_key("hsm-key", size=2048, hardware_protected=True)
    assert hsm.key_type == "RSA-HSM"


async def test_versions_listing_update_and_rotate(sb):
    vault = await policy_vault(sb, "kv-lifecycle-1")
    async with keys_client(sb, vault.properties.vault_uri) as client:
        first = await client.create_rsa_key("cmk", size=2048)
        second = await client.rotate_key("cmk")
        assert second.properties.version != first.properties.version and second.key.n != first.key.n
        await client.create_rsa_key("aux", size=2048)
        pages = [
            [p.name async for p in page]
            async for page in client.list_properties_of_keys(max_page_size=1).by_page()
        ]
        assert pages == [["aux"], ["cmk"]]
        versions = [p.version async for p in client.list_properties_of_key_versions("cmk")]
        assert sorted(versions) == sorted([first.properties.version, second.properties.version])

        updated = await client.update_key_properties(
            "cmk",
            enabled=False,
            expires_on=None,
            tags={"rotated": "yes"},
            key_operations=[KeyOperation.wrap_key, KeyOperation.unwrap_key],
        )
        assert not updated.properties.enabled and updated.key_operations == ["wrapKey", "unwrapKey"]
        assert updated.properties.version == second.properties.version
        old = await client.update_key_properties("cmk", first.properties.version, tags={"old": "1"})
        assert old.properties.tags == {"old": "1"}


async def test_delete_recover_and_purge(sb):
    vault = await policy_vault(sb, "kv-softdel-1")
    async with keys_client(sb, vault.properties.vault_uri) as client:
        await client.create_rsa_key("doomed", size=2048)
        deleted = await client.delete_key("doomed")
        assert deleted.recovery_id == "https://kv-softdel-1.vault.azure.net/deletedkeys/doomed"
        assert deleted.deleted_date and deleted.scheduled_purge_date
        assert (await client.get_deleted_key("doomed")).name == "doomed"
        assert [d.name async for d in client.list_deleted_keys()] == ["doomed"]
        with pytest.raises(ResourceNotFoundError):
            await client.get_key("doomed")
        with pytest.raises(ResourceExistsError) as info:
            await client.create_rsa_key("doomed", size=2048)
        assert info.value.error.code == "Conflict"
        assert info.value.error.innererror["code"] == "ObjectIsDeletedButRecoverable"

        assert (await client.recover_deleted_key("doomed")).name == "doomed"
        await client.delete_key("doomed")
        await client.purge_deleted_key("doomed")
        with pytest.raises(ResourceNotFoundError):
            await client.get_deleted_key("doomed")
        assert (await client.create_rsa_key("doomed", size=2048)).name == "doomed"


async def test_purge_protection_blocks_key_purge(sb):
    vault = await policy_vault(sb, "kv-protected-1", enablePurgeProtection=True)
    async with keys_client(sb, vault.properties.vault_uri) as client:
        await client.create_rsa_key("kept", size=2048)
        await client.delete_key("kept")
        with pytest.raises(HttpResponseError) as info:
            await client.purge_deleted_key("kept")
    assert info.value.status_code == 403 and "purge protection is enabled" in info.value.error.message


async def test_import_an_rsa_key(sb):
    from azure.keyvault.keys import JsonWebKey

    vault = await policy_vault(sb, "kv-import-1")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.private_numbers()
    jwk = JsonWebKey(
        kty="RSA",
        n=numbers.public_numbers.n.to_bytes(256, "big"),
        e=numbers.public_numbers.e.to_bytes(3, "big"),
        d=numbers.d.to_bytes(256, "big"),
        p=numbers.p.to_bytes(128, "big"),
        q=numbers.q.to_bytes(128, "big"),
        key_ops=["wrapKey", "unwrapKey"],
    )
    async with keys_client(sb, vault.properties.vault_uri) as client:
        imported = await client.import_key("byok-imported", jwk)
        raw = (await client.send_request(HttpRequest("GET", "/keys/byok-imported/"))).json()
    assert imported.key_operations == ["wrapKey", "unwrapKey"]
    assert raw["key"]["n"] == int_b64(numbers.public_numbers.n)


# ---- crypto -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alg", [EncryptionAlgorithm.rsa_oaep, EncryptionAlgorithm.rsa_oaep_256, EncryptionAlgorithm.rsa1_5]
)
async def test_local_encrypt_remote_decrypt_and_wrap_round_trips(sb, alg):
    vault = await policy_vault(sb, "kv-crypto-1")
    async with keys_client(sb, vault.properties.vault_uri) as client:
        key = await client.create_rsa_key("cmk", size=2048)
    log: list = []
    async with CryptographyClient(key, sb.credential(), transport=recording(sb, log)) as crypto:
        sealed = await crypto.encrypt(alg, b"tenant data key")
        opened = await crypto.decrypt(alg, sealed.ciphertext)
        wrap_alg = KeyWrapAlgorithm(alg.value)
        wrapped = await crypto.wrap_key(wrap_alg, b"\x00" * 32)
        unwrapped = await crypto.unwrap_key(wrap_alg, wrapped.encrypted_key)
    assert opened.plaintext == b"tenant data key" and unwrapped.key == b"\x00" * 32
    assert opened.key_id == key.id
    ops = [url.rsplit("/", 1)[-1] for _, url in log]
    assert "encrypt" not in ops and "wrapkey" not in ops and {"decrypt", "unwrapkey"} <= set(ops)


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"])
async def test_remote_encrypt_then_remote_decrypt(sb, alg):
    vault = await policy_vault(sb, "kv-remote-1")
    async with keys_client(sb, vault.properties.vault_uri) as client:
        key = await client.create_rsa_key("cmk", size=2048)
        sealed = await client.send_request(
            HttpRequest(
                "POST", f"/keys/cmk/{key.properties.version}/encrypt", json={"alg": alg, "value": "aGVsbG8"}
            )
        )
        assert sealed.status_code == 200 and sealed.json()["kid"] == key.id
        opened = await client.send_request(
            HttpRequest("POST", "/keys/cmk//decrypt", json={"alg": alg, "value": sealed.json()["value"]})
        )
    assert opened.json() == {"kid": key.id, "value": "aGVsbG8"}


async def test_crypto_client_whose_get_is_denied_goes_remote(sb):
    worker = sb.world.add_principal(
        "Encrypt Only", "ServicePrincipal", app_id="0a0a0a0a-0000-4000-8000-000000000001"
    )
    vault = await policy_vault(sb, "kv-denied-get-1", policy(sb, worker.object_id, ["encrypt", "decrypt"]))
    async with keys_client(sb, vault.properties.vault_uri) as client:
        await client.create_rsa_key("cmk", size=2048)
    log: list = []
    key_id = "https://kv-denied-get-1.vault.azure.net/keys/cmk"
    async with CryptographyClient(
        key_id, sb.credential(worker.object_id), transport=recording(sb, log)
    ) as crypto:
        sealed = await crypto.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"remote")
        opened = await crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, sealed.ciphertext)
    assert opened.plaintext == b"remote"
    assert ("POST", "https://kv-denied-get-1.vault.azure.net/keys/cmk//encrypt") in log


async def test_key_state_is_enforced(sb):
    vault = await policy_vault(sb, "kv-state-1")
    past = int(sb.world.now()) - 60
    async with keys_client(sb, vault.properties.vault_uri) as client:
        off = await client.create_rsa_key("off", size=2048, enabled=False)
        narrow = await client.create_rsa_key("narrow", size=2048, key_operations=["encrypt"])
        expired = await client.create_rsa_key("expired", size=2048)
        await client.update_key_properties("expired", expires_on=_dt(past))
        for key_id, op, code in (
            (off.id, "decrypt", "KeyDisabled"),
            (narrow.id, "decrypt", None),
            (expired.id, "encrypt", None),
        ):
            response = await client.send_request(
                HttpRequest("POST", key_id + "/" + op, json={"alg": "RSA-OAEP", "value": "AAAA"})
            )
            assert response.status_code == 403 and response.json()["error"]["code"] == "Forbidden"
            assert response.json()["error"].get("innererror", {}).get("code") == code
        sealed = await client.send_request(
            HttpRequest("POST", narrow.id + "/encrypt", json={"alg": "RSA-OAEP", "value": "c2VjcmV0"})
        )
        assert sealed.status_code == 200
    # Expired keys still decrypt (Key Vault: date-time controlled operations).
    async with CryptographyClient(expired.id, sb.credential(), transport=sb.transport()) as crypto:
        local = CryptographyClient.from_jwk(expired.key)
        sealed = await local.encrypt(EncryptionAlgorithm.rsa_oaep, b"old data")
        assert (
            await crypto.decrypt(EncryptionAlgorithm.rsa_oaep, sealed.ciphertext)
        ).plaintext == b"old data"


def _dt(epoch):
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


# ---- enforcement: RBAC, policies, network -------------------------------------------------------------


async def test_owner_is_not_enough_on_an_rbac_vault_until_crypto_officer(sb):
    vault = await create_vault(sb, "kv-rbac-1", enableRbacAuthorization=True)
    async with keys_client(sb, vault.properties.vault_uri) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.create_rsa_key("cmk", size=2048)
        err = info.value
        assert (err.status_code, err.error.code, err.error.innererror["code"]) == (
            403,
            "Forbidden",
            "ForbiddenByRbac",
        )
        assert err.error.message.startswith("Caller is not authorized to perform action on resource.\r\n")
        assert "Action: 'Microsoft.KeyVault/vaults/keys/create/action'" in err.error.message
        assert (
            f"Caller: appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid={sb.operator_object_id};"
            in err.error.message
        )

        granted = await assign(sb, vault.id, OFFICER, sb.operator_object_id)
        assert (await client.create_rsa_key("cmk", size=2048)).name == "cmk"
        response = await client.send_request(HttpRequest("GET", "/keys/cmk/"))
    assert response.headers["x-ms-keyvault-rbac-assignment-id"] == granted.name.replace("-", "")


async def test_role_assignments_take_time_to_reach_the_data_plane(sb):
    now = [1_800_000_000.0]
    sb.world.clock = lambda: now[0]
    sb.world.settings.rbac_propagation_seconds = 300
    vault = await create_vault(sb, "kv-propagate-1", enableRbacAuthorization=True)
    await assign(sb, vault.id, OFFICER, sb.operator_object_id)
    async with keys_client(sb, vault.properties.vault_uri) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.create_rsa_key("cmk", size=2048)
        assert info.value.error.innererror["code"] == "ForbiddenByRbac"
        now[0] += 301
        assert (await client.create_rsa_key("cmk", size=2048)).name == "cmk"


async def test_key_scoped_and_inherited_roles(sb):
    vault = await create_vault(sb, "kv-scopes-1", enableRbacAuthorization=True)
    sb.world.assign_role(sb.operator_object_id, "Key Vault Crypto Officer", vault.id)
    app = sb.world.add_principal("Kore BYOK", "ServicePrincipal", app_id=sb.kore_client_id)
    async with keys_client(sb, vault.properties.vault_uri) as client:
        await client.create_rsa_key("for-kore", size=2048)
        await client.create_rsa_key("other", size=2048)
    sb.world.assign_role(app.object_id, "Key Vault Crypto User", f"{vault.id}/keys/for-kore")
    async with keys_client(sb, vault.properties.vault_uri, app.object_id) as client:
        assert (await client.get_key("for-kore")).name == "for-kore"
        with pytest.raises(HttpResponseError) as info:
            await client.get_key("other")
        assert info.value.error.innererror["code"] == "ForbiddenByRbac"
    sb.world.assign_role(
        app.object_id,
        "Key Vault Crypto User",
        f"/subscriptions/{sb.subscription_id}/resourceGroups/rg-contoso-prod",
    )
    async with keys_client(sb, vault.properties.vault_uri, app.object_id) as client:
        assert (await client.get_key("other")).name == "other"


async def test_access_policy_vault_needs_the_permission(sb):
    app = sb.world.add_principal("Kore BYOK", "ServicePrincipal", app_id=sb.kore_client_id)
    vault = await policy_vault(sb, "kv-policy-1", policy(sb, app.object_id, ["get"]))
    async with keys_client(sb, vault.properties.vault_uri) as client:
        key = await client.create_rsa_key("cmk", size=2048)
    async with CryptographyClient(key.id, sb.credential(app.object_id), transport=sb.transport()) as crypto:
        sealed = await crypto.encrypt(EncryptionAlgorithm.rsa_oaep, b"x")  # local: only needs get
        with pytest.raises(HttpResponseError) as info:
            await crypto.decrypt(EncryptionAlgorithm.rsa_oaep, sealed.ciphertext)
        err = info.value
        assert (err.status_code, err.error.innererror["code"]) == (403, "ForbiddenByPolicy")
        assert err.error.message.startswith(
            f"The user, group or application 'appid={sb.kore_client_id};oid={app.object_id};"
            f"iss=https://sts.windows.net/{sb.tenant_id}/' does not have keys decrypt permission on key vault "
            "'kv-policy-1;location=eastus'."
        )
        async with KeyVaultManagementClient(
            sb.credential(), sb.subscription_id, transport=sb.transport()
        ) as mgmt:
            await mgmt.vaults.update_access_policy(
                "rg-contoso-prod",
                "kv-policy-1",
                "add",
                {"properties": {"accessPolicies": [policy(sb, app.object_id, ["decrypt"])]}},
            )
        assert (await crypto.decrypt(EncryptionAlgorithm.rsa_oaep, sealed.ciphertext)).plaintext == b"x"


async def test_rbac_vault_ignores_access_policies(sb):
    vault = await create_vault(
        sb,
        "kv-ignore-1",
        enableRbacAuthorization=True,
        accessPolicies=[policy(sb, sb.operator_object_id, ["all"])],
    )
    async with keys_client(sb, vault.properties.vault_uri) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.create_rsa_key("cmk", size=2048)
    assert info.value.error.innererror["code"] == "ForbiddenByRbac"


async def test_firewall_and_the_ip_rule_that_lets_you_in(sb):
    acls = {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": []}
    vault = await policy_vault(sb, "kv-firewall-1", networkAcls=acls)
    async with keys_client(sb, vault.properties.vault_uri) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.list_properties_of_keys().__anext__()
        err = info.value
        assert (err.status_code, err.error.code, err.error.innererror["code"]) == (
            403,
            "Forbidden",
            "ForbiddenByFirewall",
        )
        assert "Client address: 203.0.113.10\r\n" in err.error.message

        async with KeyVaultManagementClient(
            sb.credential(), sb.subscription_id, transport=sb.transport()
        ) as mgmt:
            await mgmt.vaults.update(
                "rg-contoso-prod",
                "kv-firewall-1",
                {"properties": {"networkAcls": {**acls, "ipRules": [{"value": "203.0.113.0/24"}]}}},
            )
            assert (await client.create_rsa_key("cmk", size=2048)).name == "cmk"

            trusted = sb.world.add_principal(
                "Trusted Service",
                "ServicePrincipal",
                ip="40.0.0.1",
                trusted_service=True,
                app_id="0a0a0a0a-0000-4000-8000-000000000002",
            )
            await mgmt.vaults.update(
                "rg-contoso-prod",
                "kv-firewall-1",
                {
                    "properties": {
                        "accessPolicies": [
                            policy(sb, sb.operator_object_id, ALL_KEYS),
                            policy(sb, trusted.object_id, ["get"]),
                        ]
                    }
                },
            )
            async with keys_client(sb, vault.properties.vault_uri, trusted.object_id) as as_trusted:
                assert (await as_trusted.get_key("cmk")).name == "cmk"
                await mgmt.vaults.update(
                    "rg-contoso-prod",
                    "kv-firewall-1",
                    {"properties": {"networkAcls": {**acls, "bypass": "None"}}},
                )
                with pytest.raises(HttpResponseError) as info:
                    await as_trusted.get_key("cmk")
                assert info.value.error.innererror["code"] == "ForbiddenByFirewall"

            await mgmt.vaults.update(
                "rg-contoso-prod",
                "kv-firewall-1",
                {
                    "properties": {
                        "publicNetworkAccess": "Disabled",
                        "networkAcls": {**acls, "ipRules": [{"value": "203.0.113.10"}]},
                    }
                },
            )
            with pytest.raises(HttpResponseError) as info:
                await client.get_key("cmk")
            assert info.value.error.innererror["code"] == "ForbiddenByConnection"


async def test_deleted_vault_has_no_data_plane(sb):
    vault = await policy_vault(sb, "kv-vanish-1")
    async with KeyVaultManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as mgmt:
        await mgmt.vaults.delete("rg-contoso-prod", "kv-vanish-1")
    from azure.core.exceptions import ServiceRequestError

    async with keys_client(sb, vault.properties.vault_uri) as client:
        with pytest.raises(ServiceRequestError):
            await client.get_key("k")


async def test_existing_vault_scenario_key_is_usable():
    sb = Sandbox.create("existing-vault")
    async with keys_client(sb, "https://kv-contoso-legacy.vault.azure.net") as client:
        key = await client.get_key("legacy-cmk")
    assert key.properties.recovery_level == "Recoverable+Purgeable" and key.key_type == "RSA"
    async with CryptographyClient(key, sb.credential(), transport=sb.transport()) as crypto:
        sealed = await crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"k" * 32)
        assert (await crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, sealed.encrypted_key)).key == b"k" * 32


async def test_the_all_permission_grants_every_key_operation(sb):
    admin = sb.world.add_principal("Policy Admin")
    vault = await policy_vault(sb, "kv-all-1", policy(sb, admin.object_id, ["all"]))
    async with keys_client(sb, vault.properties.vault_uri, admin.object_id) as client:
        key = await client.create_rsa_key("cmk", size=2048)
        await client.delete_key("cmk")
        await client.purge_deleted_key("cmk")
    assert key.name == "cmk"
