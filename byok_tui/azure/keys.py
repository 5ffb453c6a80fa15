"""Keys on the Key Vault data plane (azure-keyvault-keys)."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

from byok_tui.azure import clients
from byok_tui.azure.errors import azure_errors
from byok_tui.azure.evidence import Evidence, text
from byok_tui.connection import Connection
from byok_tui.models import KeyInfo

# The operations Kore performs with the customer's key: wrap/unwrap data keys, encrypt/decrypt.
BYOK_KEY_OPS = ("encrypt", "decrypt", "wrapKey", "unwrapKey")


def _iso(value: Any) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else ""


def _size(jwk: Any) -> int | None:
    n = getattr(jwk, "n", None)
    if not n:
        return None
    return len(n.lstrip(b"\x00")) * 8 if isinstance(n, bytes) else None


THROTTLE_ATTEMPTS = 4
THROTTLE_FIRST_DELAY = 1.0


async def retry_throttled(conn: Connection, call: Any, *, pure: bool = False) -> Any:
    """Retry a Key Vault POST that was throttled (429) or hit a passing 503.

    Key Vault sends no Retry-After with its 429, and azure-core retries a POST only on 500/503/504,
    so a throttled create, rotate, encrypt or decrypt would fail at once. The vault did not process a
    throttled request, so sending it again cannot make anything twice. A `pure` operation (encrypt,
    decrypt: no state changes) is also resent when the connection dropped before the answer came.
    The waits between attempts go through the connection's `sleep`.
    """
    from azure.core.exceptions import HttpResponseError, ServiceResponseError

    delay = THROTTLE_FIRST_DELAY
    for attempt in range(THROTTLE_ATTEMPTS):
        try:
            return await call()
        except HttpResponseError as exc:
            if exc.status_code not in (429, 503) or attempt == THROTTLE_ATTEMPTS - 1:
                raise
        except ServiceResponseError:
            if not pure or attempt == THROTTLE_ATTEMPTS - 1:
                raise
        await conn.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


def key_info(key: Any, request_id: str = "") -> KeyInfo:
    """A KeyInfo from the SDK's KeyVaultKey."""
    props = key.properties
    return KeyInfo(
        name=key.name,
        kid=key.id,
        kty=text(key.key_type),
        size=_size(key.key),
        enabled=bool(props.enabled),
        key_ops=tuple(text(op) for op in (key.key_operations or [])),
        expires_on=_iso(props.expires_on),
        not_before=_iso(props.not_before),
        recovery_level=text(props.recovery_level),
        request_id=request_id,
    )


async def get_key(
    conn: Connection, vault_uri: str, name: str, version: str | None = None, evidence: Evidence | None = None
) -> KeyInfo | None:
    """The key (latest version unless `version`), or None if the vault has no such key."""
    from azure.core.exceptions import ResourceNotFoundError

    evidence = evidence or Evidence()
    with azure_errors(f"read key {name}"):
        async with clients.keys(conn, vault_uri) as client:
            try:
                key = await client.get_key(name, version, **evidence.kwargs())
            except ResourceNotFoundError:
                return None
    evidence.stop()
    return key_info(key, evidence.request_id)


async def list_keys(conn: Connection, vault_uri: str) -> list[KeyInfo]:
    """Every enabled-or-not key in the vault with its latest version's details."""
    with azure_errors("list keys"):
        async with clients.keys(conn, vault_uri) as client:
            names = [p.name async for p in client.list_properties_of_keys() if p.name]
            # The list carries no key material (no size); fetch the latest versions side by side.
            keys = await asyncio.gather(*(client.get_key(n) for n in names))
    return sorted((key_info(k) for k in keys), key=lambda k: k.name.lower())


async def create_rsa_key(
    conn: Connection,
    vault_uri: str,
    name: str,
    *,
    size: int,
    hsm: bool = False,
    evidence: Evidence | None = None,
) -> KeyInfo:
    evidence = evidence or Evidence()
    with azure_errors(f"create key {name}"):
        async with clients.keys(conn, vault_uri) as client:
            key = await retry_throttled(conn, lambda: client.create_rsa_key(
                name,
                size=size,
                hardware_protected=hsm,
                key_operations=list(BYOK_KEY_OPS),
                tags={"purpose": "kore-byok", "created-by": "byok-tui"},
                **evidence.kwargs(),
            ))  # fmt: skip
    evidence.stop()
    return key_info(key, evidence.request_id)


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def probe(conn: Connection, vault_uri: str) -> tuple[int, str, str]:
    """An unauthenticated request, as every Key Vault client's first: (status, WWW-Authenticate, request id).

    A healthy vault answers 401 with a Bearer challenge naming the tenant and the vault resource;
    that proves DNS, TLS and the service without any permission.
    """
    from azure.core import AsyncPipelineClient
    from azure.core.pipeline.policies import AsyncRetryPolicy, HeadersPolicy, UserAgentPolicy
    from azure.core.rest import HttpRequest

    from byok_tui.azure.clients import RETRY
    from byok_tui.azure.evidence import request_id_of
    from byok_tui.azure.requestlog import RequestLogPolicy

    retry = AsyncRetryPolicy(**{k: v for k, v in RETRY.items() if k.startswith("retry_")})
    policies = [HeadersPolicy(), UserAgentPolicy(sdk_moniker="byok-tui"), retry, RequestLogPolicy()]
    with azure_errors(f"reach {vault_uri}"):
        async with AsyncPipelineClient(base_url=vault_uri, policies=policies, **_transport(conn)) as client:
            response = await client.send_request(
                HttpRequest("GET", vault_uri.rstrip("/") + "/keys?api-version=7.5")
            )
            await response.read()
    return response.status_code, response.headers.get("WWW-Authenticate", ""), request_id_of(response)


def _transport(conn: Connection) -> dict[str, Any]:
    return {"transport": conn.transport_factory()} if conn.transport_factory else {}


async def encrypt_in_vault(conn: Connection, key_id: str, plaintext: bytes) -> tuple[bytes, str, str]:
    """RSA-OAEP-256 by the vault itself: (ciphertext, kid used, request id).

    CryptographyClient would encrypt locally with the public key, which proves nothing about the
    vault or the caller's permissions; so the operation is posted explicitly.
    """
    body, request_id = await _key_operation(
        conn, key_id, "encrypt", plaintext, "encrypt with key {name} in the vault"
    )
    return _unb64url(body["value"]), body.get("kid", key_id), request_id


async def decrypt_in_vault(conn: Connection, key_id: str, ciphertext: bytes) -> tuple[bytes, str]:
    """RSA-OAEP-256 decryption in the vault (the private key never leaves it): (plaintext, request id).

    Posted like encryption: CryptographyClient would first GET the key to decide where to run, a
    round trip that proves nothing the authentication test has not already proved.
    """
    body, request_id = await _key_operation(
        conn, key_id, "decrypt", ciphertext, "decrypt with the key in the vault"
    )
    return _unb64url(body["value"]), request_id


async def _key_operation(
    conn: Connection, key_id: str, operation: str, value: bytes, doing: str
) -> tuple[dict, str]:
    """POST {key}/{version}/{operation} with RSA-OAEP-256, retried when throttled: (body, request id)."""
    from azure.core.rest import HttpRequest

    from byok_tui.azure.evidence import request_id_of

    vault_uri, rest = key_id.rstrip("/").split("/keys/", 1)
    name, _, version = rest.partition("/")
    with azure_errors(doing.format(name=name)):
        async with clients.keys(conn, vault_uri) as client:

            async def post() -> Any:
                response = await client.send_request(
                    HttpRequest(
                        "POST",
                        f"/keys/{name}/{version}/{operation}",
                        json={"alg": "RSA-OAEP-256", "value": _b64url(value)},
                    )  # fmt: skip
                )
                response.raise_for_status()
                return response

            response = await retry_throttled(conn, post, pure=True)
            body = response.json()
    return body, request_id_of(response)


async def rotate_key(conn: Connection, vault_uri: str, name: str) -> KeyInfo:
    """A new version of the key, made by the vault (as `az keyvault key rotate`)."""
    evidence = Evidence()
    with azure_errors(f"rotate key {name}"):
        async with clients.keys(conn, vault_uri) as client:
            key = await retry_throttled(conn, lambda: client.rotate_key(name, **evidence.kwargs()))
    evidence.stop()
    return key_info(key, evidence.request_id)


async def rotation_policy(conn: Connection, vault_uri: str, name: str) -> tuple[list[tuple[str, str]], str]:
    """The key's rotation policy as ([(action, trigger)], policy expiry): action "Notify" or "Rotate",
    trigger like "before expiry P30D" or "after create P90D"; expiry an ISO duration or ""."""
    with azure_errors(f"read the rotation policy of key {name}"):
        async with clients.keys(conn, vault_uri) as client:
            policy = await retry_throttled(conn, lambda: client.get_key_rotation_policy(name), pure=True)
    actions = []
    for action in policy.lifetime_actions or []:
        trigger = (f"before expiry {action.time_before_expiry}" if action.time_before_expiry
                   else f"after create {action.time_after_create}")  # fmt: skip
        actions.append((text(action.action).capitalize(), trigger))
    return actions, policy.expires_in or ""


async def set_notify_policy(conn: Connection, vault_uri: str, name: str, *, days_before_expiry: int) -> None:
    """A rotation policy that only notifies (an Event Grid `KeyNearExpiry` event) `days_before_expiry` days
    before the key expires, and never rotates it."""
    from azure.keyvault.keys import KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction

    policy = KeyRotationPolicy(lifetime_actions=[
        KeyRotationLifetimeAction(KeyRotationPolicyAction.notify, time_before_expiry=f"P{days_before_expiry}D"),
    ])  # fmt: skip
    with azure_errors(f"set the rotation policy of key {name}"):
        async with clients.keys(conn, vault_uri) as client:
            await retry_throttled(conn, lambda: client.update_key_rotation_policy(name, policy))
