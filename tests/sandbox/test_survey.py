"""A plan is measured against what exists now (issue #15, items 1, 2 and 4): what exists is adopted and
said to be, an interrupted apply says so when reopened, and a plan that cannot be finished is refused before
anything irreversible."""

from __future__ import annotations

import dataclasses
import json

import pytest

from byok_tui.engine import network, runner
from byok_tui.engine import vault as vault_step
from byok_tui.errors import ByokError
from byok_tui.sandbox import Sandbox
from byok_tui.session import Session
from byok_tui.state import NetworkState, SigninState, VaultState, WizardState


def state_for(sb: Sandbox, **vault_fields) -> WizardState:
    answers = VaultState(resource_group="rg-kore-byok", create_resource_group=True, location="eastus",
                         name="kv-survey-1", key_name="kore-cmk", key_size=3072)  # fmt: skip
    return WizardState(
        signin=SigninState(tenant_id=sb.tenant_id, subscription_id=sb.subscription_id,
                           operator_object_id=sb.operator_object_id, method="sandbox"),
        vault=dataclasses.replace(answers, **vault_fields),
    )  # fmt: skip


def quiet(message, fraction=None):
    pass


async def test_a_step_interrupted_after_its_first_change_says_so_and_adopts_it(tmp_path):
    sb = Sandbox.create("default")
    conn = sb.connection()
    session = Session(tmp_path / "s.json")
    state = state_for(sb)
    fresh = await runner.survey(vault_step.STEP, state, conn)
    assert [c.effect for c in fresh] == ["create", "create", "create", "create"]
    assert runner.review_intro(state, "vault", fresh).startswith("Nothing has changed yet")
    # Interrupted right after "Created resource group …" (the rest of the plan never ran).
    state = await runner.apply_plan(vault_step.STEP, state, conn, session, quiet, fresh[:1])
    state = state.with_step("vault", dataclasses.replace(state.step("vault"), applied=False))

    reopened = await runner.survey(vault_step.STEP, state, conn)
    assert (
        reopened[0].effect == "adopt"
        and reopened[0].title == "Use the existing resource group rg-kore-byok (eastus)"
    )
    assert [c.effect for c in reopened[1:]] == ["create", "create", "create"]
    intro = runner.review_intro(state, "vault", reopened)
    assert "Nothing has changed" not in intro and "stopped part-way: 1 of these 4 changes were made" in intro

    await runner.apply_plan(vault_step.STEP, state, conn, session, quiet, reopened)
    journal = [json.loads(line) for line in session.journal_path.read_text().splitlines()]
    # Each change is journalled as started before it begins (a crash mid-change leaves that trace), then
    # once as made and, the second time, as found.
    group = [j["outcome"] for j in journal if j["action"] == "vault.resource_group"]
    assert group == ["started", "applied", "started", "adopted"]


async def test_the_restricted_operator_is_refused_before_the_irreversible_vault():
    sb = Sandbox.create("restricted")
    conn = sb.connection()
    with pytest.raises(ByokError) as info:
        await runner.survey(vault_step.STEP, state_for(sb), conn)
    assert info.value.code == "CannotFinishStep"
    assert "az role assignment create --role 'Key Vault Crypto Officer'" in info.value.remedy
    assert "Owner or User Access Administrator" in info.value.remedy
    assert "kv-survey-1" not in sb.world.vaults
    assert not any(key.endswith("/rg-kore-byok") for key in sb.world.resource_groups)


async def test_reapplying_an_unchanged_firewall_is_no_change():
    sb = Sandbox.create("default")
    conn = sb.connection()
    state = await runner.apply_plan(vault_step.STEP, state_for(sb), conn, None, quiet)
    state = dataclasses.replace(
        state, network=NetworkState(mode="firewall", ip_rules=sb.profile().kore_ip_ranges)
    )
    state = await network.prepare(state, conn)
    (first,) = await runner.survey(network.STEP, state, conn)
    assert first.effect == "change" and first.destructive
    state = await runner.apply_plan(network.STEP, state, conn, None, quiet, [first])
    (again,) = await runner.survey(network.STEP, state, conn)
    assert again.effect == "adopt" and not again.destructive and not again.detail
    assert again.title.startswith("No change: the firewall of kv-survey-1 already denies by default")
    less = dataclasses.replace(
        state, network=dataclasses.replace(state.network, allow_trusted_services=False)
    )
    (changed,) = await runner.survey(network.STEP, less, conn)
    assert changed.effect == "change" and changed.destructive


async def test_the_restricted_preflight_does_not_promise_a_vault_it_cannot_finish():
    from byok_tui.engine import signin

    sb = Sandbox.create("restricted")
    results = await signin.check(state_for(sb), sb.connection())
    vaults = signin.result(results, signin.CHECK_CREATE_VAULTS)
    assert vaults.status == "warn" and vaults.title == "May create key vaults, but not their keys (Step 2)"
    assert "existing vault" in vaults.remedy
