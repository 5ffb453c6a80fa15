"""Key vaults on Azure Resource Manager (azure-mgmt-keyvault)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from byok_tui.azure import clients
from byok_tui.azure.errors import azure_errors
from byok_tui.azure.evidence import Evidence, text
from byok_tui.connection import Connection
from byok_tui.models import NameCheck, VaultInfo

# What a vault that holds a BYOK key must have. Purge protection is what Azure services that use
# customer-managed keys require (Azure SQL, Storage refuse keys without it), and Kore needs the same
# guarantee: a deleted key stays recoverable for the retention period.
SOFT_DELETE_RETENTION_DAYS = 90
BYOK_TAGS = {"purpose": "kore-byok", "created-by": "byok-tui"}
KEY_PERMISSIONS = (
    "encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify", "get", "list", "create", "update", "import",
    "delete", "backup", "restore", "recover", "purge", "release", "rotate", "getrotationpolicy",
    "setrotationpolicy",
)  # fmt: skip


def resource_group_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[i + 1]
    return ""


def vault_id(subscription_id: str, resource_group: str, name: str) -> str:
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.KeyVault/vaults/{name}"
    )


def vault_info(v: Any, request_id: str = "") -> VaultInfo:
    p = v.properties
    acls = p.network_acls
    return VaultInfo(
        name=v.name,
        id=v.id,
        location=v.location,
        resource_group=resource_group_of(v.id),
        uri=p.vault_uri or "",
        sku=text(p.sku.name).lower() if p.sku else "",
        tenant_id=p.tenant_id or "",
        # Soft delete is on unless explicitly off: Azure no longer lets new vaults turn it off.
        soft_delete=p.enable_soft_delete is not False,
        purge_protection=bool(p.enable_purge_protection),
        rbac_authorization=bool(p.enable_rbac_authorization),
        public_network_access=text(p.public_network_access) or "Enabled",
        default_action=(text(acls.default_action) if acls else "") or "Allow",
        ip_rules=tuple(r.value for r in (acls.ip_rules or [])) if acls else (),
        bypass=(text(acls.bypass) if acls else "") or "",
        access_policy_object_ids=tuple(ap.object_id for ap in (p.access_policies or [])),
        request_id=request_id,
        provisioning_state=text(p.provisioning_state) or "Succeeded",
    )


async def wait_until_ready(
    conn: Connection,
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    on_wait: Callable[[str, float], None] | None = None,
    timeout: float = 600.0,
) -> VaultInfo | None:
    """The vault once Azure reports it `Succeeded` (a vault found while it still registers its DNS name, e.g.
    on resuming right after creating it). Waits go through the connection's `sleep`, as the SDK's pollers
    go through its transport's (instant in the in-process sandbox unless it is the demo)."""
    waited = 0.0
    while True:
        found = await get_vault(conn, subscription_id, resource_group, name)
        if found is None or found.provisioning_state.lower() == "succeeded" or waited >= timeout:
            return found
        if on_wait is not None:
            on_wait(found.provisioning_state, waited)
        await conn.sleep(VAULT_POLL_SECONDS)
        waited += VAULT_POLL_SECONDS


async def get_vault(
    conn: Connection, subscription_id: str, resource_group: str, name: str
) -> VaultInfo | None:
    from azure.core.exceptions import ResourceNotFoundError

    evidence = Evidence()
    with azure_errors(f"read key vault {name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            try:
                v = await client.vaults.get(resource_group, name, **evidence.kwargs())
            except ResourceNotFoundError:
                return None
    return vault_info(v, evidence.request_id)


async def list_vaults(conn: Connection, subscription_id: str, resource_group: str) -> list[VaultInfo]:
    with azure_errors(f"list key vaults in {resource_group}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            vaults = [vault_info(v) async for v in client.vaults.list_by_resource_group(resource_group)]
    return sorted(vaults, key=lambda v: v.name.lower())


async def check_name(conn: Connection, subscription_id: str, name: str) -> NameCheck:
    """Is the name free across Azure? Soft-deleted vaults keep their names, and Azure says so."""
    with azure_errors(f"check the name {name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            result = await client.vaults.check_name_availability(
                {"name": name, "type": "Microsoft.KeyVault/vaults"}
            )
    return NameCheck(
        available=bool(result.name_available),
        reason=text(result.reason),
        message=result.message or "",
    )


VAULT_POLL_SECONDS = 5
"""How often the create poller asks whether the vault is ready (the SDK's default is 30 s; Azure takes ~30 s)."""
WAIT_TICK_SECONDS = 1.0
"""How often `on_wait` hears how long the wait has lasted."""


async def create_vault(
    conn: Connection,
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str,
    sku: str,
    tenant_id: str,
    evidence: Evidence | None = None,
    on_wait: Callable[[str, float], None] | None = None,
) -> VaultInfo:
    """Create the vault and wait until Azure has finished it. Azure answers the PUT with
    `provisioningState: RegisteringDns` and needs about half a minute more; meanwhile `on_wait(state,
    seconds)` is called about every `WAIT_TICK_SECONDS` with the last state Azure reported."""
    evidence = evidence or Evidence()
    parameters = {
        "location": location,
        "tags": BYOK_TAGS,
        "properties": {
            "tenantId": tenant_id,
            "sku": {"family": "A", "name": sku},
            "enableRbacAuthorization": True,
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": SOFT_DELETE_RETENTION_DAYS,
            "enablePurgeProtection": True,
            "publicNetworkAccess": "Enabled",
        },
    }
    with azure_errors(f"create key vault {name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            poller = await client.vaults.begin_create_or_update(
                resource_group, name, parameters, polling_interval=VAULT_POLL_SECONDS, **evidence.kwargs()
            )
            v = await _wait_for(poller, on_wait)
    evidence.stop()
    return vault_info(v, evidence.request_id)


async def _wait_for(poller: Any, on_wait: Callable[[str, float], None] | None) -> Any:
    """`poller.result()`, telling `on_wait` the provisioning state while Azure is still working."""
    task = asyncio.ensure_future(poller.result())
    start = time.monotonic()
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=WAIT_TICK_SECONDS)
            if done:
                return task.result()
            if on_wait is not None:
                on_wait(str(poller.status() or "Creating"), time.monotonic() - start)
    finally:
        if not task.done():
            task.cancel()


async def enable_purge_protection(
    conn: Connection, subscription_id: str, resource_group: str, name: str, evidence: Evidence | None = None
) -> VaultInfo:
    evidence = evidence or Evidence()
    with azure_errors(f"turn on purge protection for {name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            v = await client.vaults.update(
                resource_group,
                name,
                {"properties": {"enablePurgeProtection": True, "enableSoftDelete": True}},
                **evidence.kwargs(),
            )
    evidence.stop()
    return vault_info(v, evidence.request_id)


async def add_access_policy(
    conn: Connection,
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    tenant_id: str,
    object_id: str,
    key_permissions: list[str],
    evidence: Evidence | None = None,
) -> None:
    """Add (merge) an access policy; Azure unions the permissions with any existing policy for the object."""
    evidence = evidence or Evidence()
    body = {
        "properties": {
            "accessPolicies": [
                {"tenantId": tenant_id, "objectId": object_id, "permissions": {"keys": key_permissions}}
            ]
        }
    }
    with azure_errors(f"add an access policy to {name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            await client.vaults.update_access_policy(resource_group, name, "add", body, **evidence.kwargs())
    evidence.stop()


async def access_policy_permissions(
    conn: Connection, subscription_id: str, resource_group: str, name: str, object_id: str
) -> set[str]:
    """Key permissions the vault's access policies give `object_id` (lower-cased)."""
    with azure_errors(f"read access policies of {name}"):
        async with clients.keyvault_mgmt(conn, subscription_id) as client:
            v = await client.vaults.get(resource_group, name)
    granted: set[str] = set()
    for policy in v.properties.access_policies or []:
        if policy.object_id.lower() == object_id.lower() and policy.permissions:
            granted |= {text(p).lower() for p in (policy.permissions.keys_property or [])}
    # "all" is a legal key permission in access policies and means every key permission.
    return granted | set(KEY_PERMISSIONS) if "all" in granted else granted
