"""Step 3 of the seed: let Kore's service principal use the key, and nothing more.

RBAC vault: "Key Vault Crypto User" at vault scope. Access-policy vault: a policy with exactly the
operations Kore needs. Then wait out propagation instead of failing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass

from byok_tui.azure.rbac import KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, KEY_VAULT_CRYPTO_USER
from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress, adopted, arg, args
from byok_tui.engine.step import Step, needs_sp_and_vault, undated_check, undated_problems
from byok_tui.engine.waiting import retry_while_propagating
from byok_tui.errors import ByokError, InputError
from byok_tui.state import WizardState

STEP_ID = "access"
TITLE = "Grant Kore access"
PURPOSE = "Let Kore.ai's service principal use your key for encryption, and nothing more."
KORE_KEY_PERMISSIONS = ("get", "encrypt", "decrypt", "wrapKey", "unwrapKey")
CRYPTO_USER = KEY_VAULT_CRYPTO_USER
# Roles that do no more than what Kore needs on keys; anything else held by Kore is broader.
NARROW_ROLES = frozenset({KEY_VAULT_CRYPTO_USER, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER})
VISIBLE_POLL_SECONDS = 3.0
VISIBLE_TIMEOUT_SECONDS = 120.0
sleep = asyncio.sleep
"""How the propagation waits sleep (tests replace it to move the sandbox's clock instead)."""


@dataclass(frozen=True)
class Grant:
    """What Step 3 gives to whom, in words for the screen (pure: read from the state)."""

    principal: str
    """Kore's service principal as the operator sees it in Entra: display name, else object id."""
    principal_id: str
    """Its object id; "" before Step 1."""
    vault: str
    """The vault's name; "" before Step 2."""
    scope: str
    """The vault's resource id: the scope of the grant."""
    model: str
    """"Azure RBAC" or "access policies": how the vault decides who may use its keys."""
    what: str
    """The grant itself: "Key Vault Crypto User at vault scope", or the five key permissions."""
    allows: str
    """What Kore can do with it."""
    denies: str
    """What it cannot do: the least-privilege promise."""


def grant(state: WizardState) -> Grant:
    """Who gets what on which vault, for the operator to read before anything changes."""
    v, a = state.vault, state.authorize
    if v.rbac_authorization:
        model, what = "Azure RBAC", "Key Vault Crypto User, at the scope of this vault only"
    else:
        model, what = (
            "access policies",
            "an access policy with key permissions " + ", ".join(KORE_KEY_PERMISSIONS),
        )
    return Grant(
        principal=a.sp_display_name or a.sp_object_id, principal_id=a.sp_object_id, vault=v.name,
        scope=v.vault_id, model=model, what=what,
        allows="read the key and encrypt, decrypt, wrap and unwrap with it",
        denies="create, delete, rotate or export keys; read secrets or certificates; change the vault",
    )  # fmt: skip


def problems(state: WizardState) -> list[InputError]:
    found = []
    if not state.vault.vault_id:
        found.append(InputError("vault", "Step 2 must record the vault before access can be granted"))
    if not state.authorize.sp_object_id:
        found.append(InputError("authorize", "Step 1 must find Kore's service principal first"))
    return found


def _sp_label(state: WizardState) -> str:
    return state.authorize.sp_display_name or state.authorize.sp_object_id


def plan(state: WizardState) -> list[Change]:
    v, sp = state.vault, state.authorize.sp_object_id
    if v.rbac_authorization:
        return [
            Change(
                id="access.role",
                title=f"Assign Key Vault Crypto User to {_sp_label(state)} on {v.name}",
                target=v.vault_id,
                az=f"az role assignment create --role {arg('Key Vault Crypto User')} --assignee-object-id {arg(sp)} "
                f"--assignee-principal-type {arg('ServicePrincipal')} --scope {arg(v.vault_id)}",
                detail="Lets Kore read the key and encrypt, decrypt, wrap and unwrap with it; it cannot "
                "create, delete or export keys.",
            )
        ]
    return [
        Change(
            id="access.policy",
            title=f"Add an access policy for {_sp_label(state)} on {v.name}: {', '.join(KORE_KEY_PERMISSIONS)}",
            target=v.vault_id,
            az=f"az keyvault set-policy --name {arg(v.name)} --resource-group {arg(v.resource_group)} "
            f"--object-id {arg(sp)} --key-permissions {args(KORE_KEY_PERMISSIONS)}",
        )
    ]


async def survey(state: WizardState, conn: Connection, changes: list[Change]) -> list[Change]:
    """The plan against the vault now: Kore's role (or policy) already in place is no change."""
    from byok_tui.azure import vaults

    v, sp, sub = state.vault, state.authorize.sp_object_id, state.signin.subscription_id
    out = []
    for change in changes:
        try:
            if change.id == "access.role":
                there = await _role_visible(conn, sub, v.vault_id, sp)
            elif change.id == "access.policy":
                granted = await vaults.access_policy_permissions(conn, sub, v.resource_group, v.name, sp)
                there = {p.lower() for p in KORE_KEY_PERMISSIONS} <= granted
            else:
                there = None
        except ByokError:
            there = None  # unknown: the plan stays as it was rather than claim something
        if there:
            change = adopted(change, f"No change: {_sp_label(state)} already has its access on {v.name}")
        elif there is False:
            change = dataclasses.replace(change, effect="create")
        out.append(change)
    return out


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    if change.id == "access.role":
        return await _ensure_role(state, conn, progress)
    if change.id == "access.policy":
        return await _ensure_policy(state, conn, progress)
    raise ByokError(f"Unknown change {change.id!r} for the access step")


def _record(state: WizardState, **fields) -> WizardState:
    return dataclasses.replace(state, access=dataclasses.replace(state.access, **fields))


async def _ensure_role(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import rbac

    v, sp, sub = state.vault, state.authorize.sp_object_id, state.signin.subscription_id
    progress("Assigning Key Vault Crypto User to Kore's service principal…", 0.2)

    async def assign():
        # principalType lets ARM accept a principal Entra has not replicated to it yet.
        return await rbac.assign_role(
            conn, sub, v.vault_id, CRYPTO_USER, sp, principal_type="ServicePrincipal"
        )

    assignment, created = await retry_while_propagating(
        assign, progress, "Kore's new service principal", codes=frozenset({"PrincipalNotFound"})
    )
    progress(("Assigned" if created else "Already assigned") + " Key Vault Crypto User.", 0.6)
    await _until(
        lambda: _role_visible(conn, sub, v.vault_id, sp),
        progress, "the role assignment to show on the vault",
    )  # fmt: skip
    await _until_kore_can_read(state, conn, progress)
    progress("Kore's role is in place on the vault.", 1.0)
    return _record(state, mode="rbac", scope=v.vault_id, assignment_id=assignment.id)


async def _until_kore_can_read(state: WizardState, conn: Connection, progress: Progress) -> None:
    """Where the connection can act as Kore (the sandbox), wait until the key answers Kore.

    A new role assignment shows on ARM at once but reaches the Key Vault data plane only after a while
    (Azure documents up to 10 minutes). Live Azure gives no way to ask as Kore; the sandbox does, so the
    demo shows the same wait Kore would see.
    """
    from byok_tui.azure import keys

    v, sp = state.vault, state.authorize.sp_object_id
    if conn.impersonate is None or not v.key_name or not v.vault_uri:
        return
    as_kore = dataclasses.replace(conn, credential=conn.impersonate(sp))
    progress("Checking that Kore can read the key…", 0.7)
    try:
        await retry_while_propagating(
            lambda: keys.get_key(as_kore, v.vault_uri, v.key_name), progress,
            "Kore's new role", codes=frozenset({"ForbiddenByRbac"}), sleep=sleep,
        )  # fmt: skip
    except ByokError as exc:
        if exc.code == "ForbiddenByRbac":
            raise ByokError(
                "Kore's role has not reached the vault's data plane yet", detail=exc.detail or exc.title,
                remedy="Azure can take up to 10 minutes. Apply this step again later: the assignment exists "
                "and is adopted, never made twice.", request_id=exc.request_id, code=exc.code,
            ) from exc  # fmt: skip
        # Another refusal (e.g. the vault firewall) is Step 5's business, not a propagation wait.
        progress(
            f"Could not read the key as Kore ({exc.code or exc.title}); Step 5 covers network access.", None
        )
        return
    progress("Kore can read the key.", 0.9)


async def _role_visible(conn: Connection, sub: str, scope: str, sp: str) -> bool:
    from byok_tui.azure import rbac

    return any(
        a.role_guid == CRYPTO_USER and rbac.applies_to(a.scope, scope)
        for a in await rbac.list_assignments(conn, sub, scope, sp)
    )


async def _ensure_policy(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import vaults

    v, sp, sub = state.vault, state.authorize.sp_object_id, state.signin.subscription_id
    granted = await vaults.access_policy_permissions(conn, sub, v.resource_group, v.name, sp)
    if {p.lower() for p in KORE_KEY_PERMISSIONS} <= granted:
        progress("Kore's access policy already allows what it needs.", 1.0)
    else:
        progress("Adding Kore's access policy…", 0.4)
        await vaults.add_access_policy(
            conn, sub, v.resource_group, v.name, tenant_id=state.signin.tenant_id, object_id=sp,
            key_permissions=list(KORE_KEY_PERMISSIONS),
        )  # fmt: skip

        async def visible() -> bool:
            have = await vaults.access_policy_permissions(conn, sub, v.resource_group, v.name, sp)
            return {p.lower() for p in KORE_KEY_PERMISSIONS} <= have

        await _until(visible, progress, "the access policy to show on the vault")
        progress("Kore's access policy is in place.", 1.0)
    return _record(state, mode="policy", scope=v.vault_id, assignment_id="")


async def _until(read, progress: Progress, what: str) -> None:
    """Poll a read until it holds, showing how long we have waited; fail after a bounded wait."""
    start = time.monotonic()
    while not await read():
        waited = time.monotonic() - start
        if waited >= VISIBLE_TIMEOUT_SECONDS:
            raise ByokError(
                f"Timed out waiting for {what}",
                remedy="Azure is slow to propagate the change; wait a few minutes and apply this step again.",
            )
        progress(f"Waiting for {what} ({int(waited)} s)…", None)
        await sleep(VISIBLE_POLL_SECONDS)


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    if not state.vault.vault_id or not state.authorize.sp_object_id:
        return [CheckResult("access.granted", "Kore can use the key", "fail",
                            detail="The vault or Kore's service principal is not recorded yet.",
                            remedy="Finish Steps 1 and 2 first.")]  # fmt: skip
    try:
        if state.vault.rbac_authorization:
            return await _check_role(state, conn)
        return await _check_policy(state, conn)
    except ByokError as exc:
        return [CheckResult("access.granted", "Kore can use the key", "fail", detail=exc.detail or exc.title,
                            remedy=exc.remedy, request_id=exc.request_id)]  # fmt: skip


async def _check_role(state: WizardState, conn: Connection) -> list[CheckResult]:
    from byok_tui.azure import rbac

    v, sp, sub = state.vault, state.authorize.sp_object_id, state.signin.subscription_id
    start = time.perf_counter()
    assignments = [
        a
        for a in await rbac.list_assignments(conn, sub, v.vault_id, sp)
        if rbac.applies_to(a.scope, v.vault_id)
    ]
    ms = round((time.perf_counter() - start) * 1000, 1)
    exact = [a for a in assignments if a.role_guid == CRYPTO_USER and a.scope.lower() == v.vault_id.lower()]
    results = [
        CheckResult(
            "access.granted", "Kore has Key Vault Crypto User on the vault", "pass" if exact else "fail",
            detail=f"Assignment {exact[0].id.rsplit('/', 1)[-1]} at vault scope." if exact
            else "No Key Vault Crypto User assignment for Kore at the vault's scope.",
            remedy="" if exact else "Apply this step to assign it.", ms=ms,
        )
    ]  # fmt: skip
    broader = [
        a for a in assignments if a.role_guid not in NARROW_ROLES or a.scope.lower() != v.vault_id.lower()
    ]
    results.append(
        _broader_check([f"{rbac.ROLE_NAMES.get(a.role_guid, a.role_guid)} at {a.scope}" for a in broader])
    )
    return results


async def _check_policy(state: WizardState, conn: Connection) -> list[CheckResult]:
    from byok_tui.azure import vaults

    v, sp, sub = state.vault, state.authorize.sp_object_id, state.signin.subscription_id
    start = time.perf_counter()
    granted = await vaults.access_policy_permissions(conn, sub, v.resource_group, v.name, sp)
    ms = round((time.perf_counter() - start) * 1000, 1)
    needed = {p.lower() for p in KORE_KEY_PERMISSIONS}
    missing = sorted(needed - granted)
    results = [
        CheckResult(
            "access.granted", "Kore's access policy allows get, encrypt, decrypt, wrapKey, unwrapKey",
            "fail" if missing else "pass",
            detail=f"Missing: {', '.join(missing)}." if missing else "All five are granted.",
            remedy="Apply this step to add them." if missing else "", ms=ms,
        )
    ]  # fmt: skip
    results.append(_broader_check([f"key permission {p}" for p in sorted(granted - needed)]))
    return results


def _broader_check(extras: list[str]) -> CheckResult:
    if not extras:
        return CheckResult("access.least_privilege", "Kore holds no more access than it needs", "pass",
                           detail="Only what encryption needs.")  # fmt: skip
    return CheckResult(
        "access.least_privilege", "Kore holds no more access than it needs", "warn",
        detail="Also: " + "; ".join(extras) + ".",
        remedy="Remove what Kore does not need; it only uses get, encrypt, decrypt, wrapKey and unwrapKey.",
    )  # fmt: skip


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    survey=survey,
    apply=apply,
    check=undated_check(check),
    problems=undated_problems(problems),
    requires=needs_sp_and_vault,
)
