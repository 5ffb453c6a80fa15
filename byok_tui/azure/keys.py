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
            key = await client.create_rsa_key(
                name,
                size=size,
                hardware_protected=hsm,
                key_operations=list(BYOK_KEY_OPS),
                tags={"purpose": "kore-byok", "created-by": "byok-tui"},
                **evidence.kwargs(),
            )
    evidence.stop()
    return key_info(key, evidence.request_id)
