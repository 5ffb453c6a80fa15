"""Management locks on a resource (azure-mgmt-resource-locks, api-version 2020-05-01).

The calls go through the resource-level operations (`…_at_resource_level`), which build the path from its
parts: `…_by_scope` percent-encodes the slashes of the scope (`/%2Fsubscriptions%2F…`), a shape Azure's
own tools never send.
"""

from __future__ import annotations

from typing import Any

from byok_tui.azure import clients
from byok_tui.azure.errors import azure_errors
from byok_tui.azure.evidence import Evidence, text
from byok_tui.connection import Connection
from byok_tui.models import LockInfo

_LOCKS = "/providers/Microsoft.Authorization/locks/"


def _parts(resource_id: str) -> dict[str, str]:
    """The path parts the resource-level operations take, from a resource id such as a vault's."""
    segments = resource_id.strip("/").split("/")
    lowered = [s.lower() for s in segments]
    try:
        rg = segments[lowered.index("resourcegroups") + 1]
        at = lowered.index("providers")
    except (ValueError, IndexError) as exc:
        raise ValueError(f"not a resource id: {resource_id!r}") from exc
    namespace, rest = segments[at + 1], segments[at + 2 :]
    if len(rest) < 2 or len(rest) % 2:
        raise ValueError(f"not a resource id: {resource_id!r}")
    return {
        "resource_group_name": rg,
        "resource_provider_namespace": namespace,
        "parent_resource_path": "/".join(rest[:-2]),
        "resource_type": rest[-2],
        "resource_name": rest[-1],
    }


def lock_info(lock: Any, request_id: str = "") -> LockInfo:
    lock_id = lock.id or ""
    cut = lock_id.lower().rfind(_LOCKS.lower())
    return LockInfo(
        id=lock_id, name=lock.name or "", level=text(lock.level), scope=lock_id[:cut] if cut >= 0 else "",
        notes=lock.notes or "", request_id=request_id,
    )  # fmt: skip


async def list_locks(conn: Connection, subscription_id: str, resource_id: str) -> list[LockInfo]:
    """Locks that hold `resource_id`: on it and above it (its resource group, its subscription)."""
    with azure_errors("list the locks on the vault"):
        async with clients.locks(conn, subscription_id) as client:
            return [lock_info(lock) async for lock in client.management_locks.list_at_resource_level(
                **_parts(resource_id), filter="atScope()")]  # fmt: skip


async def create_lock(
    conn: Connection, subscription_id: str, resource_id: str, name: str, *, level: str = "CanNotDelete",
    notes: str = "", evidence: Evidence | None = None,
) -> LockInfo:  # fmt: skip
    """Create (or update in place) the lock `name` on `resource_id`."""
    evidence = evidence or Evidence()
    body = {"properties": {"level": level, **({"notes": notes} if notes else {})}}
    with azure_errors(f"lock {resource_id.rsplit('/', 1)[-1]} against deletion"):
        async with clients.locks(conn, subscription_id) as client:
            lock = await client.management_locks.create_or_update_at_resource_level(
                **_parts(resource_id), lock_name=name, parameters=body, **evidence.kwargs()
            )
    evidence.stop()
    return lock_info(lock, evidence.request_id)


async def delete_lock(conn: Connection, subscription_id: str, resource_id: str, name: str) -> None:
    """Remove the lock `name` from `resource_id` (nothing happens when it is gone already)."""
    with azure_errors(f"remove the lock {name}"):
        async with clients.locks(conn, subscription_id) as client:
            await client.management_locks.delete_at_resource_level(**_parts(resource_id), lock_name=name)
