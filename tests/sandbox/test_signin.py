"""Sign-in and its pre-flight through the engine, the adapters and the real SDK clients on the sandbox:
who is signed in, which directories and subscriptions, and what the operator may do (Graph directory roles,
ARM role assignments and their definitions' actions). Plus the consent wait's tolerance of throttling.
"""

from __future__ import annotations

import dataclasses

import pytest

from byok_tui.azure import auth, graph, rbac
from byok_tui.engine import authorize, protect, runner, signin
from byok_tui.errors import AzureError, InputError
from byok_tui.sandbox import Sandbox
from byok_tui.state import AuthorizeState, SigninState, WizardState

ASSIGN = signin.ASSIGN_ROLES
VAULTS = signin.CREATE_VAULTS


async def signed_in(sb: Sandbox) -> WizardState:
    conn = sb.connection()
    found = await signin.sign_in(conn)
    chosen = signin.choose(found, await signin.subscriptions(conn))
    return WizardState(signin=chosen)


# --- adapters ------------------------------------------------------------------------------------


async def test_whoami_reads_the_operator_from_the_token(sb):
    me = await auth.whoami(sb.connection())
    assert me == {"object_id": sb.operator_object_id, "tenant_id": sb.tenant_id,
                  "account": "alex.admin@contoso.onmicrosoft.com", "kind": "user"}  # fmt: skip


async def test_whoami_of_a_service_principal_names_its_application(sb):
    sp, _ = await graph.create_service_principal(sb.connection(), sb.kore_client_id)
    conn = dataclasses.replace(sb.connection(), credential=sb.credential(sp.object_id), operator_object_id="")
    me = await auth.whoami(conn)
    assert me["object_id"] == sp.object_id and me["account"] == sb.kore_client_id and me["kind"] == "app"


async def test_list_tenants_gives_the_home_directory(sb):
    tenants = await auth.list_tenants(sb.connection())
    assert [(t.tenant_id, t.display_name, t.default_domain) for t in tenants] == [
        (sb.tenant_id, "Contoso", "contoso.onmicrosoft.com")
    ]


async def test_directory_roles_of_the_operator():
    assert await graph.directory_roles(Sandbox.create("default").connection()) == [
        ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator")
    ]
    assert await graph.directory_roles(Sandbox.create("restricted").connection()) == []


async def test_directory_roles_through_any_role_a_user_holds(sb):
    user = sb.world.add_principal(
        "Gina Global", "User", directory_roles=["Global Administrator", "Directory Readers"]
    )
    conn = dataclasses.replace(sb.connection(), credential=sb.credential(user.object_id))
    roles = dict(await graph.directory_roles(conn))
    assert roles["62e90394-69f5-4237-9190-012177145e10"] == "Global Administrator"
    assert set(roles.values()) == {"Global Administrator", "Directory Readers"}


async def test_has_action_follows_the_role_definitions():
    owner = Sandbox.create("default")
    scope = f"/subscriptions/{owner.subscription_id}"
    for action in (ASSIGN, VAULTS):
        found = await rbac.has_action(owner.connection(), owner.subscription_id, scope, owner.operator_object_id,
                                      action)  # fmt: skip
        assert found is not None and found.role_guid == rbac.OWNER

    contributor = Sandbox.create("restricted")
    conn, sub = contributor.connection(), contributor.subscription_id
    evidence = rbac.Evidence()
    assert (
        await rbac.has_action(conn, sub, scope, contributor.operator_object_id, ASSIGN, evidence=evidence)
        is None
    )
    assert evidence.request_id and evidence.ms is not None
    granted = await rbac.has_action(conn, sub, scope, contributor.operator_object_id, VAULTS)
    assert granted is not None and granted.role_guid == rbac.CONTRIBUTOR
    actions, not_actions = await rbac.role_actions(conn, sub, granted.role_definition_id)
    assert "*" in actions and any(a.lower() == "microsoft.authorization/*/write" for a in not_actions)


async def test_has_action_ignores_assignments_below_the_scope(sb):
    # User Access Administrator on one resource group only: not enough at the subscription.
    user = sb.world.add_principal("Rita Rg", "User")
    rg_scope = f"/subscriptions/{sb.subscription_id}/resourceGroups/rg-contoso-prod"
    sb.world.assign_role(user.object_id, "User Access Administrator", rg_scope)
    conn = sb.connection()
    sub_scope = f"/subscriptions/{sb.subscription_id}"
    assert await rbac.has_action(conn, sb.subscription_id, sub_scope, user.object_id, ASSIGN) is None
    found = await rbac.has_action(conn, sb.subscription_id, rg_scope, user.object_id, ASSIGN)
    assert found is not None and found.scope.lower() == rg_scope.lower()


# --- engine: signing in ----------------------------------------------------------------------------


async def test_sign_in_and_choose_the_only_subscription(sb):
    conn = sb.connection()
    found = await signin.sign_in(conn)
    assert found == SigninState(cloud="AzureCloud", method="sandbox", tenant_id=sb.tenant_id,
                                operator_object_id=sb.operator_object_id,
                                account="alex.admin@contoso.onmicrosoft.com")  # fmt: skip
    chosen = signin.choose(found, await signin.subscriptions(conn))
    assert chosen.subscription_id == sb.subscription_id and chosen.tenant_id == sb.tenant_id
    # A subscription asked for by id wins; one nobody can see leaves the choice open.
    assert signin.choose(found, [], "00000000-0000-0000-0000-000000000000").subscription_id == ""


def test_default_method_and_what_each_method_needs(monkeypatch):
    monkeypatch.setattr(auth, "azure_cli_problem", lambda: None)
    assert signin.default_method({}, sandbox=True) == "sandbox"
    assert signin.default_method({"SSH_CONNECTION": "10.0.0.2 5000 10.0.0.1 22"}) == "device-code"
    full = {"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}
    assert signin.default_method(full) == "environment"
    assert signin.default_method({}) == "azure-cli"
    monkeypatch.setattr(
        auth, "azure_cli_problem", lambda: "the Azure CLI (az) is not installed on this machine"
    )
    assert signin.default_method({}) == "device-code"
    assert "az" in (signin.method_problem("azure-cli") or "")
    problem = signin.method_problem("environment", {"AZURE_TENANT_ID": "t"})
    assert problem is not None and "AZURE_CLIENT_ID" in problem and "AZURE_CLIENT_SECRET" in problem
    assert signin.method_problem("environment", full) is None
    assert signin.method_problem("device-code") is None
    assert "demo" in (signin.method_problem("sandbox") or "")
    assert "demo" in (signin.method_problem("device-code", sandbox=True) or "")


def test_connect_refuses_bad_input():
    with pytest.raises(InputError, match="signin.tenant_id"):
        signin.connect("device-code", "contoso", "AzureCloud")
    with pytest.raises(InputError, match="signin.cloud"):
        signin.connect("device-code", "", "AzureMoon")
    with pytest.raises(InputError, match="signin.method"):
        signin.connect("sandbox", "", "AzureCloud")
    conn = signin.connect("azure-cli", "", "AzureUSGovernment")
    assert conn.cloud.name == "AzureUSGovernment" and conn.label == "Azure" and not conn.is_sandbox


# --- engine: the pre-flight ------------------------------------------------------------------------


async def test_preflight_passes_for_an_owner_with_a_directory_role(sb):
    state, results = await runner.run_checks(signin.STEP, await signed_in(sb), sb.connection(), None)
    assert [(r.id, r.status) for r in results] == [
        (signin.CHECK_SIGNED_IN, "pass"), (signin.CHECK_SUBSCRIPTION, "pass"), (signin.CHECK_CREATE_SP, "pass"),
        (signin.CHECK_ASSIGN_ROLES, "pass"), (signin.CHECK_CREATE_VAULTS, "pass"),
        (protect.CHECK_MAY_LOCK, "pass"), (protect.CHECK_MAY_ALERT, "pass"), (protect.CHECK_MAY_AUDIT, "pass"),
    ]  # fmt: skip
    assert "Application Administrator" in results[2].detail
    assert "Owner" in results[3].detail and results[3].request_id
    state = signin.signed_in(state, results)
    assert state.step("signin").applied and state.step("signin").checked == "pass"
    assert state.resume_point() == "authorize"


async def test_preflight_on_no_locks_hands_over_the_lock_before_step_2():
    """The protect step's rights are in the matrix: an operator who may not lock learns it at sign-in, with
    who may (no vault yet, so no command to hand over yet)."""
    sb = Sandbox.create("no-locks")
    state, results = await runner.run_checks(signin.STEP, await signed_in(sb), sb.connection(), None)
    found = {r.id: r for r in results}
    lock = found[protect.CHECK_MAY_LOCK]
    assert lock.status == "warn" and lock.title == "Cannot lock the vault (Protect)"
    assert "Owner or User Access Administrator" in lock.remedy
    assert found[protect.CHECK_MAY_ALERT].status == "pass"


async def test_preflight_on_restricted_names_who_to_ask():
    sb = Sandbox.create("restricted")
    results = {r.id: r for r in await signin.check(await signed_in(sb), sb.connection())}
    sp = results[signin.CHECK_CREATE_SP]
    assert sp.status == "warn" and sp.title == "Cannot create service principals"
    assert "admin-consent URL" in sp.remedy and "Global Administrator" in sp.remedy
    roles = results[signin.CHECK_ASSIGN_ROLES]
    assert roles.status == "warn" and roles.title == "Cannot assign roles on the subscription"
    assert "Owner or User Access Administrator" in roles.remedy
    # Contributor may create vaults, but not the role their key needs: a half promise is a warning (#15).
    assert results[signin.CHECK_CREATE_VAULTS].status == "warn"
    assert "Contributor" in results[signin.CHECK_CREATE_VAULTS].detail


async def test_preflight_fails_for_a_subscription_out_of_reach(sb):
    state = await signed_in(sb)
    state = dataclasses.replace(state, signin=dataclasses.replace(
        state.signin, subscription_id="5b0c2f7e-93d1-4a6c-8f25-0e7d9c4b1a36"))  # fmt: skip
    results = await signin.check(state, sb.connection())
    assert [r.status for r in results] == ["pass", "fail"]
    assert "Choose another subscription" in results[1].remedy


async def test_preflight_for_an_application_sign_in(sb):
    sp, _ = await graph.create_service_principal(sb.connection(), sb.kore_client_id)
    sb.world.assign_role(sp.object_id, "Contributor", f"/subscriptions/{sb.subscription_id}")
    conn = dataclasses.replace(sb.connection(), credential=sb.credential(sp.object_id), operator_object_id="")
    found = await signin.sign_in(conn, SigninState(method="environment"))
    state = WizardState(signin=signin.choose(found, await signin.subscriptions(conn)))
    results = {r.id: r for r in await signin.check(state, conn)}
    create_sp = results[signin.CHECK_CREATE_SP]
    assert create_sp.status == "warn" and create_sp.request_id  # Graph refused; Step 1 will tell
    assert results[signin.CHECK_ASSIGN_ROLES].status == "warn"
    assert results[signin.CHECK_CREATE_VAULTS].status == "warn"


async def test_sign_in_refused_token_says_what_to_do(sb):
    gone = sb.credential("00000000-0000-4000-8000-000000000001")
    conn = dataclasses.replace(sb.connection(), credential=gone, operator_object_id="")
    with pytest.raises(AzureError) as info:
        await signin.sign_in(conn, SigninState(method="azure-cli"))
    assert info.value.title == "Sign-in failed" and "az login" in info.value.remedy


# --- Step 1's consent wait -------------------------------------------------------------------------


async def test_consent_wait_polls_through_graph_throttling(monkeypatch, kiota_sleeps):
    sb = Sandbox.create("restricted", faults="throttle:graph=0.8,seed=5")
    monkeypatch.setattr(authorize, "CONSENT_POLL_SECONDS", 0)
    state = WizardState(signin=SigninState(tenant_id=sb.tenant_id, subscription_id=sb.subscription_id),
                        authorize=AuthorizeState(method="consent-url", kore_client_id=sb.kore_client_id))  # fmt: skip
    messages: list[str] = []

    def progress(message: str, fraction: float | None = None) -> None:
        messages.append(message)
        if "did not get an answer" in message and sb.kore_service_principal_id is None:
            sb.world.grant_admin_consent(sb.kore_client_id)  # the admin accepts while Graph throttles

    state = await runner.apply_plan(authorize.STEP, state, sb.connection(), None, progress)
    assert state.authorize.sp_object_id == sb.kore_service_principal_id
    assert any("TooManyRequests" in m for m in messages)
    # kiota retried the 429s first, waiting Graph's Retry-After through the connection (instant here)
    assert 2.0 in sb.slept and kiota_sleeps and not any(kiota_sleeps)
