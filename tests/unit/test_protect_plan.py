"""The protect step's pure parts: the plan and its az equivalents, the removal plan, the expiry warning,
the answers' problems, and the state that old sessions still load."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from byok_tui.engine import protect
from byok_tui.state import ProtectState, SigninState, VaultState, WizardState

SUB = "37c739ce-b607-45bd-9934-2f6990e16d13"
VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/rg-prod/providers/Microsoft.KeyVault/vaults/kv-kore"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def state(**protect_fields) -> WizardState:
    fields = {"choice": "protect", "contacts": ("secops@contoso.com",), **protect_fields}
    return WizardState(
        signin=SigninState(subscription_id=SUB, tenant_id="9e7bbb39-752e-4401-b07f-74c98790c149"),
        vault=VaultState(resource_group="rg-prod", location="eastus", name="kv-kore", key_name="kore-cmk",
                         vault_id=VAULT_ID, vault_uri="https://kv-kore.vault.azure.net/",
                         key_id="https://kv-kore.vault.azure.net/keys/kore-cmk/0123"),
        protect=ProtectState(**fields),
    )  # fmt: skip


def test_the_default_plan_locks_and_sets_four_tripwires():
    changes = protect.plan(state())
    assert [c.id for c in changes] == [
        "protect.lock", "protect.action_group", "protect.tripwire.vault-delete", "protect.tripwire.vault-write",
        "protect.tripwire.role-delete", "protect.tripwire.lock-delete",
    ]  # fmt: skip
    lock = changes[0]
    assert lock.az.startswith("az lock create --name 'byok-do-not-delete' --lock-type 'CanNotDelete'")
    assert "--resource-type 'Microsoft.KeyVault/vaults'" in lock.az and "--resource 'kv-kore'" in lock.az
    # The plan says what the lock does not stop.
    assert "does NOT stop disabling, deleting or purging the key" in lock.detail
    assert "role assignments at the vault's scope" in lock.detail
    assert lock.target == VAULT_ID + "/providers/Microsoft.Authorization/locks/byok-do-not-delete"
    assert not any(c.destructive or c.irreversible for c in changes)
    wires = {c.id: c for c in changes}
    role = wires["protect.tripwire.role-delete"]
    assert "operationName=Microsoft.Authorization/roleAssignments/delete" in role.az
    assert f"--scope '{VAULT_ID}'" in role.az and "/actionGroups/ag-byok-kv-kore'" in role.az
    assert "--action email 'email-1' 'secops@contoso.com'" in wires["protect.action_group"].az


def test_every_change_has_a_title_a_target_and_an_az_command():
    everything = state(audit_log=True, workspace_name="law-byok", create_workspace=True, notify_policy=True)
    for change in protect.plan(everything) + protect.removal_plan(everything):
        assert change.title and change.target and change.az.startswith("az ")


def test_the_audit_log_plan_says_what_it_costs():
    changes = {
        c.id: c for c in protect.plan(state(audit_log=True, workspace_name="law-byok", create_workspace=True))
    }
    assert list(changes)[-3:] == ["protect.workspace", "protect.audit_log", "protect.key_alert"]
    assert (
        "Costs money" in changes["protect.workspace"].detail
        and "Optional" in changes["protect.workspace"].detail
    )
    assert '--logs \'[{"category":"AuditEvent","enabled":true}]\'' in changes["protect.audit_log"].az
    alert = changes["protect.key_alert"]
    assert "activity log" in alert.detail and "KeyDelete" in alert.az and "KeyPurge" in alert.az
    # An existing workspace: no creation, and the cost is said on the audit-log change instead.
    existing = {c.id: c for c in protect.plan(state(audit_log=True, workspace_name="law-byok"))}
    assert "protect.workspace" not in existing and "Costs money" in existing["protect.audit_log"].detail


def test_the_rotation_policy_only_notifies_and_says_why():
    change = protect.plan(state(notify_policy=True))[-1]
    assert change.id == "protect.rotation_policy"
    policy = json.loads(change.az.split("--value ", 1)[1].strip("'"))
    assert policy == {
        "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}]
    }
    assert "versioned key identifier" in change.detail


@pytest.mark.parametrize("choice", ["skip", ""])
def test_nothing_is_planned_when_skipped_or_undecided(choice):
    assert protect.plan(state(choice=choice)) == []


def test_the_removal_plan_is_destructive_and_takes_the_lock_down_last():
    changes = protect.plan(state(choice="remove", workspace_name="law-byok"))
    assert changes == protect.removal_plan(state(choice="remove", workspace_name="law-byok"))
    assert all(c.destructive for c in changes)
    assert [c.id for c in changes][:4] == [f"protect.remove.tripwire.{w.suffix}" for w in protect.TRIPWIRES]
    assert changes[-1].id == "protect.remove.lock" and changes[-1].az.startswith("az lock delete")
    audit = next(c for c in changes if c.id == "protect.remove.audit_log")
    assert "law-byok" in audit.detail and "kept" in audit.detail


def test_the_expiry_warning_counts_from_the_enforcement_date_or_the_day_it_was_read():
    soon = state(key_expires_on="2026-12-20T00:00:00+00:00", key_read_on="2026-12-01")
    assert "within 30 days of today" in protect.expiry_warning(soon)
    assert protect.expiry_warning(soon, dt.date(2026, 11, 1)) == ""  # 49 days away then
    later = dataclasses.replace(soon, enterprise_key=dataclasses.replace(soon.enterprise_key,
                                                                         enforcement_date="2027-01-01"))  # fmt: skip
    assert "of the enforcement date 2027-01-01" in protect.expiry_warning(later)
    assert (
        protect.expiry_warning(state(key_expires_on="2027-01-10T00:00:00+00:00")) == ""
    )  # never read: no day
    assert protect.expiry_warning(state(key_read_on="2026-12-01")) == ""  # never expires
    gone = state(key_expires_on="2026-11-01T00:00:00+00:00", key_read_on="2026-12-01")
    assert "has expired" in protect.expiry_warning(gone)
    # The warning leads the plan's first change.
    assert protect.plan(soon)[0].detail.startswith("Warning: The key kore-cmk expires on 2026-12-20")


def test_problems_name_the_field_and_the_rule():
    assert protect.problems(state(), NOW) == []
    fields = {p.field: p.rule for p in protect.problems(state(contacts=()), NOW)}
    assert "protect.contacts" in fields
    bad = protect.problems(state(contacts=("ok@contoso.com", "not an address")), NOW)
    assert [(p.field, p.rule) for p in bad] == [
        ("protect.contacts", "item 2: E-mail address 'not an address' has spaces")]  # fmt: skip
    assert {p.field for p in protect.problems(state(choice="maybe"), NOW)} == {"protect.choice"}
    nothing = state(lock=False, alerts=False)
    assert [p.field for p in protect.problems(nothing, NOW)] == ["protect.choice"]
    ws = {p.field for p in protect.problems(state(audit_log=True, workspace_name="x"), NOW)}
    assert ws == {"protect.workspace_name"}
    assert {p.field for p in protect.problems(state(expiry_margin_days=0), NOW)} == {
        "protect.expiry_margin_days"
    }
    assert protect.problems(state(choice="skip", contacts=()), NOW) == []


def test_contacts_typed_by_the_operator():
    assert protect.parse_contacts("a@contoso.com; b@contoso.com\na@contoso.com") == (
        ("a@contoso.com", "b@contoso.com"), None)  # fmt: skip
    items, problem = protect.parse_contacts("a@contoso.com, nope")
    assert problem == "Contacts, item 2: E-mail address 'nope' is not name@domain.tld"


def test_the_protect_answers_round_trip_and_old_sessions_load():
    full = state(audit_log=True, workspace_name="law-byok", lock_id="/x", key_read_on="2026-12-01")
    assert WizardState.from_json(full.to_json()) == full
    old = json.loads(WizardState().to_json())
    del old["protect"]  # a session saved before this step existed
    assert WizardState.from_dict(old).protect == ProtectState()


def test_the_step_fits_the_contract():
    step = protect.STEP
    assert step.id == "protect" and step.answers == "protect" and step.skippable
    assert "Kore's guide" in step.title + step.purpose
    assert step.requires(WizardState()) is not None and step.requires(state()) is None


ANSWERS = """
[signin]
tenant_id = "9e7bbb39-752e-4401-b07f-74c98790c149"
subscription_id = "37c739ce-b607-45bd-9934-2f6990e16d13"

[protect]
choice = "protect"
contacts = ["secops@contoso.com", "oncall@contoso.com"]
audit_log = true
workspace_name = "law-byok"
create_workspace = true
expiry_margin_days = 45
"""


@pytest.fixture
def protect_runs():
    """The step registry lists the protect step (issue #18, phase 2), so a run acts on [protect]."""
    from byok_tui.engine import steps

    assert "protect" in steps.IDS


def test_a_protect_section_is_taken_now_that_a_run_acts_on_it():
    """Phase 1 refused [protect] by name while no run would act on it; the registry now lists the step."""
    from byok_tui import answers

    parsed = answers.parse(ANSWERS, dt.date(2026, 12, 1))
    assert parsed.has("protect") and parsed.get("protect")["choice"] == "protect"


def test_the_protect_answers_section_fills_the_state(protect_runs):
    from byok_tui import answers

    parsed = answers.parse(ANSWERS, dt.date(2026, 12, 1))
    filled = answers.apply_to(parsed, WizardState())
    assert filled.protect == ProtectState(choice="protect", contacts=("secops@contoso.com", "oncall@contoso.com"),
                                          audit_log=True, workspace_name="law-byok", create_workspace=True,
                                          expiry_margin_days=45)  # fmt: skip


@pytest.mark.parametrize(("old", "new", "field"), [
    ('choice = "protect"', 'choice = "maybe"', "protect.choice"),
    ('"oncall@contoso.com"', '"oncall"', "protect.contacts[1]"),
    ('workspace_name = "law-byok"', 'workspace_name = "x"', "protect.workspace_name"),
    ("expiry_margin_days = 45", "expiry_margin_days = 0", "protect.expiry_margin_days"),
    ("expiry_margin_days = 45", 'expiry_margin_days = "45"', "protect.expiry_margin_days"),
    ('contacts = ["secops@contoso.com", "oncall@contoso.com"]', "", "protect.contacts"),
])  # fmt: skip
def test_a_bad_protect_answer_names_its_field(old, new, field, protect_runs):
    from byok_tui import answers
    from byok_tui.errors import InputError

    with pytest.raises(InputError) as info:
        answers.parse(ANSWERS.replace(old, new), dt.date(2026, 12, 1))
    assert info.value.field == field
