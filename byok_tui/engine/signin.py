"""Sign in: the cloud and the way in, then the tenant and subscription, then a pre-flight of permissions.

Nothing here changes Azure: `plan` is empty. `connect` builds a live Connection for a method (the sandbox
hands in its own); `sign_in` proves the token works and says who it belongs to; `tenants` and
`subscriptions` feed the pickers; `check` is the pre-flight: can this operator create service principals
(Step 1, option 2), assign roles on the subscription (Step 3) and create vaults (Step 2), with what to
do about each gap. A token is never stored or shown: the state keeps ids and the account name only.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from byok_tui.connection import Connection
from byok_tui.engine import warmup
from byok_tui.engine.model import Change, CheckResult, Progress, overall
from byok_tui.engine.step import Step, undated_check, undated_problems
from byok_tui.errors import AuthError, ByokError, InputError
from byok_tui.state import SigninState, WizardState

if TYPE_CHECKING:  # annotations only: the models' fourteen dataclasses are not needed for the first frame
    from byok_tui.models import OrganizationInfo, SubscriptionInfo

STEP_ID = "signin"
TITLE = "Sign in"
PURPOSE = (
    "Sign in to Azure, pick the tenant and subscription, and see what your account may do before Step 1."
)

METHODS = ("device-code", "azure-cli", "environment", "sandbox")
METHOD_LABELS = {
    "device-code": "Device code (sign in on any device with a browser)",
    "azure-cli": "Azure CLI (reuse `az login`)",
    "environment": "Environment (service principal from AZURE_* variables)",
    "sandbox": "Sandbox (the built-in Azure emulator)",
}
LIVE_METHODS = METHODS[:3]

ASSIGN_ROLES = "Microsoft.Authorization/roleAssignments/write"
CREATE_VAULTS = "Microsoft.KeyVault/vaults/write"
SP_CREATORS = "Global Administrator, Application Administrator or Cloud Application Administrator"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
KEY_VAULT_CONTRIBUTOR = "f25e0fa2-a7c8-4377-a976-54943a77a395"

CHECK_SIGNED_IN = "signin.token"
CHECK_SUBSCRIPTION = "signin.subscription"
CHECK_CREATE_SP = "signin.create_sp"
CHECK_ASSIGN_ROLES = "signin.assign_roles"
CHECK_CREATE_VAULTS = "signin.create_vaults"

DevicePrompt = Callable[[str, str, Any], None]
"""(verification_uri, user_code, expires_on): called from a worker thread when a device code is issued."""


# --- choosing how to sign in -------------------------------------------------------------------


def default_method(environ: Mapping[str, str] | None = None, *, sandbox: bool = False) -> str:
    """The method to offer first: the sandbox when on it; device code over SSH (no browser on a jump
    host); a complete AZURE_* service principal; the Azure CLI when installed; else device code."""
    from byok_tui.azure import auth

    env = os.environ if environ is None else environ
    if sandbox:
        return "sandbox"
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return "device-code"
    if auth.environment_problem(env) is None:
        return "environment"
    if auth.azure_cli_problem() is None:
        return "azure-cli"
    return "device-code"


def method_problem(
    method: str, environ: Mapping[str, str] | None = None, *, sandbox: bool = False
) -> str | None:
    """Why `method` cannot be used here (a sentence naming what is missing), or None."""
    from byok_tui.azure import auth

    if method not in METHODS:
        return f"Sign-in method: choose one of {', '.join(METHODS)}"
    if sandbox != (method == "sandbox"):
        return (
            "Sign-in method: the demo runs on the sandbox; live sign-in needs `byok-tui` without `demo`"
            if sandbox
            else "Sign-in method: the sandbox is only there in `byok-tui demo`"
        )
    if method == "environment" and (problem := auth.environment_problem(environ)):
        return f"Environment sign-in: {problem}"
    if method == "azure-cli" and (problem := auth.azure_cli_problem()):
        return f"Azure CLI sign-in: {problem}; install it, or choose device code"
    return None


def connect(method: str, tenant_id: str, cloud_name: str, prompt: DevicePrompt | None = None) -> Connection:
    """A live Connection for `method` in cloud `cloud_name` (nothing is asked of Azure yet: the first
    token request, in `sign_in`, is when a device code appears through `prompt`)."""
    from byok_tui import validate
    from byok_tui.azure import auth
    from byok_tui.clouds import UnknownCloud, get_cloud

    if method not in LIVE_METHODS:
        raise InputError("signin.method", f"choose one of {', '.join(LIVE_METHODS)}")
    if tenant_id and (problem := validate.tenant_id(tenant_id)):
        raise InputError("signin.tenant_id", problem)
    try:
        cloud = get_cloud(cloud_name)
    except UnknownCloud as e:
        raise InputError("signin.cloud", str(e)) from e
    return auth.live_connection(method, tenant_id, cloud, prompt or auth.print_device_code)


async def close(conn: Connection | None) -> None:
    """Close the connection's credential (its HTTP session, its device-code thread's cache) and its
    shared connection pool."""
    if conn is None or conn.credential is None:
        return
    from byok_tui.azure import auth

    await auth.close_connection(conn)


# --- who, where ----------------------------------------------------------------------------------


async def sign_in(conn: Connection, current: SigninState | None = None, method: str = "") -> SigninState:
    """Ask for a token (a device code shows now) and return who it belongs to: the operator's object id,
    account and home tenant. Keeps a tenant or subscription already chosen. Raises AuthError with what
    to do for this method when Entra refuses."""
    from byok_tui.azure import auth

    current = current or SigninState()
    method = method or current.method or ("sandbox" if conn.is_sandbox else "")
    me = await auth.whoami(conn, method)
    object_id = conn.operator_object_id or me["object_id"]
    if not object_id:
        raise AuthError(
            "Signed in, but the token names no object id",
            detail="The access token carries no `oid` claim.",
            remedy="Sign in with a user or service principal of the customer's tenant.",
        )
    return dataclasses.replace(
        current,
        cloud=conn.cloud.name,
        method=method,
        tenant_id=current.tenant_id or me["tenant_id"],
        operator_object_id=object_id,
        account=me["account"],
    )


async def tenants(conn: Connection) -> list[OrganizationInfo]:
    """The directories this identity can reach, sorted by name."""
    from byok_tui.azure import auth

    # Sign-in lists these first, before `discover` or the pre-flight: the SDKs' first import must not happen
    # on the UI loop here either (Sign-in's subscriptions client was, a 50 ms stall: #17).
    await warmup.sdk_imports()
    return sorted(await auth.list_tenants(conn), key=lambda t: (t.display_name.lower(), t.tenant_id))


async def subscriptions(conn: Connection) -> list[SubscriptionInfo]:
    from byok_tui.azure import resources

    return [s for s in await resources.list_subscriptions(conn) if s.state.lower() in ("enabled", "")]


def in_tenant(subs: list[SubscriptionInfo], tenant_id: str) -> list[SubscriptionInfo]:
    """The subscriptions of one tenant (all of them when the tenant is not known yet), sorted by name."""
    chosen = [s for s in subs if not tenant_id or s.tenant_id.lower() == tenant_id.lower()]
    return sorted(chosen, key=lambda s: (s.display_name.lower(), s.subscription_id))


def choose(current: SigninState, subs: list[SubscriptionInfo], subscription_id: str = "") -> SigninState:
    """`current` with a subscription: the one asked for, else the one already chosen if still visible,
    else the only one of the tenant; its tenant comes with it. "" when there is no single answer."""
    wanted = (subscription_id or current.subscription_id).lower()
    mine = in_tenant(subs, current.tenant_id)
    found = next((s for s in subs if s.subscription_id.lower() == wanted), None)
    if found is None and len(mine) == 1:
        found = mine[0]
    if found is None:
        return dataclasses.replace(current, subscription_id="")
    return dataclasses.replace(current, subscription_id=found.subscription_id,
                               tenant_id=found.tenant_id or current.tenant_id)  # fmt: skip


async def operator_object_id(conn: Connection) -> str:
    if conn.operator_object_id:
        return conn.operator_object_id
    from byok_tui.azure import auth

    return (await auth.whoami(conn))["object_id"]


async def discover(conn: Connection, current: SigninState | None = None) -> SigninState:
    """Fill in what the connection can tell: the operator, and the subscription if there is one choice.

    Keeps any tenant or subscription already chosen, as long as the signed-in identity can see it.
    """
    current = current or SigninState()
    await warmup.sdk_imports()
    subs = await subscriptions(conn)
    if not subs:
        raise no_subscription()
    chosen = next((s for s in subs if s.subscription_id.lower() == current.subscription_id.lower()), None)
    if chosen is None and len(subs) == 1:
        chosen = subs[0]
    return dataclasses.replace(
        current,
        cloud=conn.cloud.name,
        method=current.method or ("sandbox" if conn.is_sandbox else current.method),
        subscription_id=chosen.subscription_id if chosen else current.subscription_id,
        tenant_id=(chosen.tenant_id if chosen else current.tenant_id) or current.tenant_id,
        operator_object_id=await operator_object_id(conn),
    )


def no_subscription(tenant: str = "") -> ByokError:
    where = f" in tenant {tenant}" if tenant else ""
    return ByokError(
        f"This identity can see no enabled subscription{where}",
        remedy="Ask for a role (Owner, or Contributor plus User Access Administrator) on the "
        "subscription that will hold the Key Vault, or sign in to the right tenant.",
    )


def problems(state: WizardState) -> list[InputError]:
    """What is missing before the pre-flight can run: a tenant and a subscription."""
    from byok_tui import validate

    found = []
    if message := validate.tenant_id(state.signin.tenant_id):
        found.append(InputError("signin.tenant_id", message))
    if message := validate.subscription_id(state.signin.subscription_id):
        found.append(InputError("signin.subscription_id", message))
    return found


# --- the step protocol: nothing to change, a pre-flight to check ---------------------------------


def plan(state: WizardState) -> list[Change]:
    """Signing in changes nothing in Azure."""
    return []


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    raise ByokError(f"Unknown change {change.id!r} for the sign-in step")


def signed_in(state: WizardState, results: list[CheckResult]) -> WizardState:
    """The state with the sign-in step done (the pre-flight's verdict as its check)."""
    record = dataclasses.replace(state.step(STEP_ID), applied=True, checked=overall(results))
    return state.with_step(STEP_ID, record)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    """The pre-flight: signed in, the subscription, and what this operator may do there.

    Gaps are warnings, not failures: each has another way through (the consent URL, someone else
    assigning the role), which its remedy names. Only a refused token or a missing subscription fails.
    """
    signin = state.signin
    await warmup.sdk_imports()
    signed = await _signed_in(signin, conn)
    if signed.status == "fail":
        return [signed]
    results = [signed, await _subscription(signin, conn)]
    if results[-1].status == "fail":
        return results
    results.append(await can_create_service_principals(conn, state))
    results += await _arm_permissions(signin, conn)
    # The protect step's rights too (locks, alerts, the audit log): known before Step 2, an operator who
    # lacks them can line up someone who has them, with the commands to hand over (issue #18).
    from byok_tui.engine import protect

    results += await protect.preflight(state, conn)
    return results


async def _signed_in(signin: SigninState, conn: Connection) -> CheckResult:
    from byok_tui.azure import auth

    start = time.perf_counter()
    title = "Signed in to Azure"
    try:
        me = await auth.whoami(conn, signin.method)
    except ByokError as exc:
        return CheckResult(CHECK_SIGNED_IN, title, "fail", detail=exc.detail or exc.title, remedy=exc.remedy)
    who = signin.account or me["account"] or f"object id {me['object_id']}"
    detail = f"As {who} in tenant {me['tenant_id']}."
    result = CheckResult(CHECK_SIGNED_IN, title, "pass", detail=detail, ms=_ms(start))
    if signin.tenant_id and me["tenant_id"] and me["tenant_id"].lower() != signin.tenant_id.lower():
        return dataclasses.replace(
            result, status="fail", detail=f"The token is for tenant {me['tenant_id']}, not {signin.tenant_id}.",
            remedy="Sign in again to the chosen tenant.",
        )  # fmt: skip
    return result


async def _subscription(signin: SigninState, conn: Connection) -> CheckResult:
    start = time.perf_counter()
    title = "Subscription chosen and enabled"
    try:
        subs = await subscriptions(conn)
    except ByokError as exc:
        return CheckResult(CHECK_SUBSCRIPTION, title, "fail", detail=exc.detail or exc.title, remedy=exc.remedy,
                           request_id=exc.request_id)  # fmt: skip
    found = next((s for s in subs if s.subscription_id.lower() == signin.subscription_id.lower()), None)
    if found is None:
        return CheckResult(
            CHECK_SUBSCRIPTION, title, "fail",
            detail=f"Subscription {signin.subscription_id or '(none)'} is not among the enabled subscriptions "
            "this identity can see.",
            remedy="Choose another subscription, or ask its Owner for a role on it.", ms=_ms(start),
        )  # fmt: skip
    return CheckResult(CHECK_SUBSCRIPTION, title, "pass",
                       detail=f"{found.display_name} ({found.subscription_id}).", ms=_ms(start))  # fmt: skip


async def can_create_service_principals(conn: Connection, state: WizardState | None = None) -> CheckResult:
    """Pre-flight for Step 1, option 2: does the operator hold a directory role that may create service
    principals? A warn means Step 1 goes through the admin-consent URL."""
    from byok_tui.azure import graph

    title = "May create service principals (Step 1, option 2)"
    consent = "Ask a Global Administrator or Application Administrator to open the admin-consent URL (Step 1, option 1)"
    if state is not None and state.authorize.sp_object_id:
        consent += (
            "; Kore's service principal already exists in this session, so Step 1 may only need a re-check"
        )
    start = time.perf_counter()
    try:
        roles = await graph.directory_roles(conn)
    except ByokError as exc:
        if exc.status == 400 and "delegated" in exc.detail.lower():
            return CheckResult(
                CHECK_CREATE_SP, title, "warn",
                detail="Signed in as an application: Entra does not say which directory roles it holds.",
                remedy="Step 1, option 2 will tell. If Entra refuses, " + consent[0].lower() + consent[1:] + ".",
                request_id=exc.request_id,
            )  # fmt: skip
        return CheckResult(CHECK_CREATE_SP, title, "warn", detail=f"Could not read your directory roles: {exc.title}.",
                           remedy=exc.remedy or consent + ".", request_id=exc.request_id)  # fmt: skip
    held = [
        name or graph.SP_CREATOR_ROLES[template]
        for template, name in roles
        if template in graph.SP_CREATOR_ROLES
    ]
    if held:
        return CheckResult(CHECK_CREATE_SP, title, "pass", detail=f"You hold the directory role {held[0]}.",
                           ms=_ms(start))  # fmt: skip
    others = ", ".join(name for _, name in roles if name)
    return CheckResult(
        CHECK_CREATE_SP, "Cannot create service principals", "warn",
        detail=f"You hold none of the directory roles {SP_CREATORS}"
        + (f" (you hold: {others})." if others else "; you hold no directory role.")
        + " A role that is only eligible (PIM) must be activated first.",
        remedy=consent + ". Step 1 then only waits for the service principal to appear.", ms=_ms(start),
    )  # fmt: skip


async def _arm_permissions(signin: SigninState, conn: Connection) -> list[CheckResult]:
    from byok_tui.azure import rbac
    from byok_tui.azure.evidence import Evidence

    scope = f"/subscriptions/{signin.subscription_id}"
    principal = signin.operator_object_id
    wanted = (
        (CHECK_ASSIGN_ROLES, ASSIGN_ROLES, "May assign roles on the subscription (Step 3)",
         "Cannot assign roles on the subscription",
         "Ask an Owner or User Access Administrator of the subscription to grant you User Access Administrator "
         "(or Owner), or to assign “Key Vault Crypto User” to Kore's service principal at the vault in Step 3."),
        (CHECK_CREATE_VAULTS, CREATE_VAULTS, "May create key vaults (Step 2)", "Cannot create key vaults",
         "Ask an Owner of the subscription for Contributor (or Key Vault Contributor) on it or on the resource "
         "group, or choose an existing vault in Step 2."),
    )  # fmt: skip
    results = []
    for check_id, action, title, gap_title, remedy in wanted:
        evidence = Evidence()
        try:
            granted = await rbac.has_action(
                conn, signin.subscription_id, scope, principal, action, evidence=evidence
            )
        except ByokError as exc:
            results.append(CheckResult(check_id, title, "warn", detail=f"Could not read your role assignments: "
                                       f"{exc.title}.", remedy=exc.remedy, request_id=exc.request_id))  # fmt: skip
            continue
        if granted is not None:
            role = _role_name(granted.role_guid)
            where = (
                "the subscription"
                if granted.scope.rstrip("/").lower() == scope.lower()
                else granted.scope or "/"
            )
            results.append(CheckResult(check_id, title, "pass", detail=f"{role} at {where} allows {action}.",
                                       request_id=evidence.request_id, ms=evidence.ms))  # fmt: skip
        else:
            results.append(CheckResult(
                check_id, gap_title, "warn",
                detail=f"None of your role assignments at or above the subscription allows {action}.",
                remedy=remedy, request_id=evidence.request_id, ms=evidence.ms,
            ))  # fmt: skip
    return _vaults_without_keys(results)


def _vaults_without_keys(results: list[CheckResult]) -> list[CheckResult]:
    """Creating a vault is only half of Step 2: its key needs a data role the operator must assign
    themselves. "May create key vaults" alone would promise a step they cannot finish."""
    by_id = {r.id: r for r in results}
    vaults, roles = by_id.get(CHECK_CREATE_VAULTS), by_id.get(CHECK_ASSIGN_ROLES)
    if not (vaults and roles and vaults.status == "pass" and roles.status != "pass"):
        return results
    limited = dataclasses.replace(
        vaults, title="May create key vaults, but not their keys (Step 2)", status="warn",
        detail=f"{vaults.detail} Your roles cannot assign the data role a new vault needs before a key can be "
        "created in it.",
        remedy="Choose an existing vault where you may create keys, or ask an Owner or User Access "
        "Administrator for Key Vault Crypto Officer on the resource group before Step 2.",
    )  # fmt: skip
    return [limited if r is vaults else r for r in results]


def _role_name(role_guid: str) -> str:
    from byok_tui.azure import rbac

    names = {**rbac.ROLE_NAMES, USER_ACCESS_ADMINISTRATOR: "User Access Administrator",
             KEY_VAULT_CONTRIBUTOR: "Key Vault Contributor"}  # fmt: skip
    return names.get(role_guid.lower(), f"Role {role_guid}")


def result(results: list[CheckResult], check_id: str) -> CheckResult | None:
    """The pre-flight result with this id, if it ran."""
    return next((r for r in results if r.id == check_id), None)


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    apply=apply,
    check=undated_check(check),
    problems=undated_problems(problems),
    has_changes=False,
    live=False,
)
"""Sign-in: the way in. It has its own screen flow (no plan to review); `byok-tui run` signs in from the
answers instead, and `verify` does not re-check it."""
