"""Microsoft.Authorization/locks: management locks, and the refusals they cause.

A lock sits on a scope (subscription, resource group or resource) and counts for everything below it.
`CanNotDelete` and `ReadOnly` both refuse a DELETE at or under the locked scope with 409 `ScopeLocked`
(the wording below is ARM's: the scope asked for, then the locked scope(s), resource-group segment
lower-cased as ARM prints it). Deleting a resource group also fails when anything inside it is locked.
Locks themselves are never locked: deleting one needs `Microsoft.Authorization/locks/delete` (Owner,
User Access Administrator), which Contributor lacks.

The sandbox enforces locks on the deletes the wizard cares about (a vault, a resource group, a role
assignment); `ReadOnly`'s refusal of writes is not emulated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from byok_tui.sandbox.errors import ApiError, arm_bad_request, arm_error
from byok_tui.sandbox.roles import normalize_scope, scope_covers
from byok_tui.sandbox.router import Reply, Request
from byok_tui.sandbox.world import ManagementLock, World

if TYPE_CHECKING:
    from byok_tui.sandbox.arm import ArmContext

LOCK_READ = "Microsoft.Authorization/locks/read"
LOCK_WRITE = "Microsoft.Authorization/locks/write"
LOCK_DELETE = "Microsoft.Authorization/locks/delete"
LEVELS = ("CanNotDelete", "ReadOnly")
NOTES_MAX = 512
NAME_MAX = 260


def lock_json(lock: ManagementLock) -> dict[str, Any]:
    properties: dict[str, Any] = {"level": lock.level}
    if lock.notes:
        properties["notes"] = lock.notes
    return {
        "properties": properties,
        "id": lock.id,
        "type": "Microsoft.Authorization/locks",
        "name": lock.name,
    }


def _printed(scope: str) -> str:
    """A scope the way ARM prints a locked one: `resourcegroups` in lower case."""
    parts = scope.split("/")
    return "/".join(p.lower() if p.lower() == "resourcegroups" else p for p in parts)


def scope_locked(target: str, locks: list[ManagementLock]) -> ApiError:
    scopes = ",".join(f"'{_printed(s)}'" for s in dict.fromkeys(lock.scope for lock in locks))
    return arm_error(
        409,
        "ScopeLocked",
        f"The scope '{target}' cannot perform delete operation because following scope(s) are locked: "
        f"{scopes}. Please remove the lock and try again.",
    )


def locks_over(world: World, scope: str) -> list[ManagementLock]:
    """Locks at `scope` or above it: those that refuse deleting it."""
    return [lock for lock in world.locks.values() if scope_covers(lock.scope, scope)]


def refuse_delete(world: World, target: str, *, contents: bool = False) -> None:
    """409 ScopeLocked when a lock at or above `target` (or, with `contents`, anywhere under it) exists."""
    found = locks_over(world, target)
    if contents:
        found += [
            lock for lock in world.locks.values() if scope_covers(target, lock.scope) and lock not in found
        ]
    if found:
        raise scope_locked(target, found)


def drop_locks_under(world: World, scope: str) -> None:
    """A deleted scope takes its locks with it (only reachable once nothing under it is locked)."""
    for key in [k for k, lock in world.locks.items() if scope_covers(scope, lock.scope)]:
        del world.locks[key]


# ---- handlers: {scope}/providers/Microsoft.Authorization/locks[/{name}] ------------------------------


def list_locks(ctx: ArmContext, req: Request, scope: str) -> Reply:
    """At the scope, above it (inherited) and below it; `$filter=atScope()` keeps those at or above."""
    ctx.require(LOCK_READ, scope)
    at_scope = req.query.get("$filter", "").replace(" ", "").lower() == "atscope()"
    found = [
        lock_json(lock)
        for lock in ctx.world.locks.values()
        if scope_covers(lock.scope, scope) or (not at_scope and scope_covers(scope, lock.scope))
    ]
    return Reply(200, {"value": found})


def get_lock(ctx: ArmContext, scope: str, name: str) -> Reply:
    ctx.require(LOCK_READ, scope)
    lock = ctx.world.locks.get(_key(scope, name))
    if lock is None:
        raise arm_error(404, "LockNotFound", f"The lock '{name}' could not be found.")
    return Reply(200, lock_json(lock))


def put_lock(ctx: ArmContext, req: Request, scope: str, name: str) -> Reply:
    ctx.require(LOCK_WRITE, scope)
    if not name or len(name) > NAME_MAX or any(c in name for c in "<>*%&:\\?/+"):
        raise arm_bad_request(f"The lock name '{name}' is invalid.", code="LockNameInvalid")
    body = req.json(lambda m: arm_bad_request(m, code="InvalidRequestContent")) or {}
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise arm_bad_request("The request content is missing 'properties'.", code="InvalidRequestContent")
    level = props.get("level")
    match = next(
        (known for known in LEVELS if isinstance(level, str) and known.lower() == level.lower()), None
    )
    if match is None:
        raise arm_bad_request(
            f"The lock level '{level}' is invalid. Valid values are 'CanNotDelete' and 'ReadOnly'.",
            code="LockLevelInvalid",
        )
    notes = props.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > NOTES_MAX:
        raise arm_bad_request(f"The lock notes must be text of at most {NOTES_MAX} characters.",
                              code="LockNotesTooLong")  # fmt: skip
    key = _key(scope, name)
    existing = ctx.world.locks.get(key)
    if existing is not None:
        existing.level, existing.notes = match, notes
        ctx.world.changed()
        return Reply(200, lock_json(existing))
    lock = ManagementLock(name=name, scope=scope, level=match, notes=notes, created_by=ctx.caller.object_id,
                          created_on=ctx.world.now())  # fmt: skip
    ctx.world.locks[key] = lock
    ctx.world.changed()
    return Reply(201, lock_json(lock))


def delete_lock(ctx: ArmContext, scope: str, name: str) -> Reply:
    ctx.require(LOCK_DELETE, scope)
    if ctx.world.locks.pop(_key(scope, name), None) is None:
        return Reply(204)
    ctx.world.changed()
    return Reply(200)


def _key(scope: str, name: str) -> str:
    return f"{normalize_scope(scope)}/providers/Microsoft.Authorization/locks/{name}".lower()
